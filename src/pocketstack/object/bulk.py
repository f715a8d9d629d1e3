"""Bulk delete (``POST`` or ``DELETE /v1/AUTH_x?bulk-delete``: a list of ``/container/object`` and
``/container`` paths) the deletion of a static large object with its segments
(``DELETE ...?multipart-manifest=delete``) and archive extraction
(``PUT ...?extract-archive=tar``); all answer with Swift's bulk report,
as JSON when the client accepts it, else as plain text."""

from __future__ import annotations

import asyncio
import tarfile
import tempfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import orjson

from pocketstack.common.errors import Conflict, Invalid, NotFound, PocketError, TooLarge
from pocketstack.object import access, index, largeobj, objects, policy
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.models import Container, Object
from pocketstack.web import Request, Response

MAX_DELETES = 10000
MAX_BODY = 1024 * 1024 * 4


def _report(request: Request, deleted: int, missing: int, errors: list[list[str]]) -> Response:
    status = "400 Bad Request" if errors else "200 OK"
    if errors and all(e[1].startswith("409") for e in errors):
        status = "409 Conflict"
    report: dict[str, Any] = {
        "Number Deleted": deleted,
        "Number Not Found": missing,
        "Response Body": "",
        "Response Status": status,
        "Errors": errors,
    }
    accept = request.headers.get("accept", "")
    if "json" in accept:
        return Response(200, orjson.dumps(report), content_type="application/json; charset=utf-8")
    lines = [
        f"Number Deleted: {deleted}",
        f"Number Not Found: {missing}",
        "Response Body: ",
        f"Response Status: {status}",
    ]
    lines.append("Errors:")
    lines += [f"{name}, {why}" for name, why in errors]
    return Response(200, ("\n".join(lines) + "\n").encode(), content_type="text/plain; charset=utf-8")


async def delete(deps: ObjectDeps, request: Request, t: Any) -> Response:
    policy.enforce(t.ctx, "object:write", t.project_id)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Invalid("The bulk delete list is too large.")
    paths = [unquote(line.strip()) for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
    if len(paths) > MAX_DELETES:
        raise Invalid(f"Maximum Bulk Deletes: {MAX_DELETES} per request")
    meta = await _account_meta(deps, t.account)
    deleted = missing = 0
    errors: list[list[str]] = []
    containers: dict[str, Container | None] = {}
    for path in paths:
        name, _, obj = path.lstrip("/").partition("/")
        try:
            if not name:
                raise Invalid("Invalid bulk delete path")
            if not obj:
                await index.delete_container(deps.db, t.account, name)
                containers.pop(name, None)
            else:
                if name not in containers:
                    containers[name] = await index.get_container(deps.db, t.account, name)
                row = containers[name]
                if row is None:
                    raise NotFound(path)
                await objects.delete(deps, t.account, row, obj, meta)
            deleted += 1
        except NotFound:
            missing += 1
        except Conflict:
            errors.append([f"/{path.lstrip('/')}", "409 Conflict"])
        except PocketError as exc:
            errors.append([f"/{path.lstrip('/')}", f"400 Bad Request: {exc.message}"])
    return _report(request, deleted, missing, errors)


async def delete_manifest(deps: ObjectDeps, request: Request, t: Any, row: Container, manifest: Object) -> Response:
    """The segments of a static large object, then its manifest."""
    entries = await largeobj.manifest_of(deps.store, manifest)
    meta = await _account_meta(deps, t.account)
    deleted = missing = 0
    errors: list[list[str]] = []
    for entry in entries:
        seg_container, seg_name = largeobj.split_path(entry["name"])
        seg_row = await index.get_container(deps.db, t.account, seg_container)
        if seg_row is None:
            missing += 1
            continue
        if not access.may_write(t.ctx, t.project_id, seg_row.meta):
            errors.append([entry["name"], "403 Forbidden"])
            continue
        try:
            await objects.delete(deps, t.account, seg_row, seg_name, meta)
            deleted += 1
        except NotFound:
            missing += 1
    await objects.delete(deps, t.account, row, manifest.name, meta)
    return _report(request, deleted + 1, missing, errors)


async def _account_meta(deps: ObjectDeps, account: str) -> dict[str, str]:
    found, _ = await index.get_account(deps.db, account)
    return dict(found.meta) if found is not None else {}


# -- extract archive -----------------------------------------------------------------------
ARCHIVE_MODES = {"tar": "r:", "tar.gz": "r:gz", "tgz": "r:gz", "tar.bz2": "r:bz2", "tbz2": "r:bz2"}
MAX_ARCHIVE_FILES = 10000


async def extract(deps: ObjectDeps, request: Request, t: Any, container: str | None = None) -> Response:
    """``PUT ...?extract-archive=tar|tar.gz|tar.bz2``: each file of the archive becomes an
    object (``container/object`` paths at the account, object names in a container);
    the containers are created as needed. Answers Swift's extraction report."""
    policy.enforce(t.ctx, "object:write", t.project_id)
    mode = ARCHIVE_MODES.get(request.param("extract-archive") or "")
    if mode is None:
        raise Invalid(f"Unsupported archive format; use one of {', '.join(ARCHIVE_MODES)}.")
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    try:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > deps.limits.max_file_size:
                raise TooLarge(f"The archive is larger than {deps.limits.max_file_size} bytes.")
            await asyncio.to_thread(spool.write, chunk)
        await asyncio.to_thread(spool.seek, 0)
        try:
            archive = await asyncio.to_thread(_open_archive, spool, mode)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise Invalid(f"Invalid Tar File: {exc}") from None
        created, errors = await _extract_members(deps, t, archive, container)
    finally:
        spool.close()
    status = "201 Created" if created and not errors else ("400 Bad Request" if errors else "200 OK")
    report = {"Number Files Created": created, "Response Body": "", "Response Status": status, "Errors": errors}
    if "json" in request.headers.get("accept", ""):
        return Response(200, orjson.dumps(report), content_type="application/json; charset=utf-8")
    lines = [f"Number Files Created: {created}", "Response Body: ", f"Response Status: {status}", "Errors:"]
    lines += [f"{name}, {why}" for name, why in errors]
    return Response(200, ("\n".join(lines) + "\n").encode(), content_type="text/plain; charset=utf-8")


async def _extract_members(
    deps: ObjectDeps, t: Any, archive: tarfile.TarFile, container: str | None
) -> tuple[int, list[list[str]]]:
    created = 0
    errors: list[list[str]] = []
    meta = await _account_meta(deps, t.account)
    rows: dict[str, Container] = {}
    for count, member in enumerate(archive):
        if count >= MAX_ARCHIVE_FILES:
            errors.append(["", f"400 Bad Request: more than {MAX_ARCHIVE_FILES} files"])
            break
        if not member.isfile():
            continue
        path = member.name.lstrip("./").lstrip("/")
        target, _, name = (f"{container}/{path}" if container else path).partition("/")
        try:
            if not target or not name:
                raise Invalid("Invalid path: files at the top of an account's archive need a container directory")
            if target not in rows:
                await index.put_container(deps.db, t.account, target, {})
                found = await index.get_container(deps.db, t.account, target)
                assert found is not None
                rows[target] = found
            source = archive.extractfile(member)
            if source is None:
                continue
            write = objects.Write(objects.content_type_for(name, None), {}, length=member.size)
            await objects.put(deps, t.account, rows[target], name, _read(source), write, meta)
            created += 1
        except PocketError as exc:
            errors.append([f"/{target}/{name}", f"400 Bad Request: {exc.message}"])
    return created, errors


async def _read(source: Any) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(source.read, 1024 * 1024):
        yield chunk


def _open_archive(spool: Any, mode: str) -> tarfile.TarFile:
    opened: tarfile.TarFile = tarfile.open(fileobj=spool, mode=mode)  # type: ignore[call-overload]
    return opened
