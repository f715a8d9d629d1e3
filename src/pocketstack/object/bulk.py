"""Bulk delete (``POST /v1/AUTH_x?bulk-delete``: a list of ``/container/object`` and
``/container`` paths) and the deletion of a static large object with its segments
(``DELETE ...?multipart-manifest=delete``); both answer with Swift's bulk report,
as JSON when the client accepts it, else as plain text."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import orjson

from pocketstack.common.errors import Conflict, Invalid, NotFound, PocketError
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
