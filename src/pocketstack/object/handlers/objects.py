"""Objects: PUT (streamed, ETag checked, copies, SLO manifests), GET/HEAD (ranges,
conditions, large objects), POST (metadata), COPY, DELETE."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

import orjson

from pocketstack.common.errors import (
    Invalid,
    LengthRequired,
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
    RangeNotSatisfiable,
    Unprocessable,
)
from pocketstack.object import access, bulk, formpost, index, largeobj, objects, views
from pocketstack.object import meta as metadata
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.handlers import conditions
from pocketstack.object.handlers.common import Target, account_meta, container, container_name, target
from pocketstack.object.models import Container, Object
from pocketstack.object.store import BlobNotFound
from pocketstack.web import Request, Response, empty


# -- access --------------------------------------------------------------------------------
async def _checked(deps: ObjectDeps, request: Request, t: Target, row: Container, write: bool) -> None:
    """Raise 401/403 unless the caller may read (or write) objects of ``row``."""
    if access.has_temp_url(request):
        keys = access.temp_url_keys(await account_meta(deps, t.account), row.meta)
        path = f"/v1/{t.account}/{row.name}/{request.path_params['object']}"
        if access.temp_url_valid(request, keys, path, request.path_params["object"]):
            return
        raise NotAuthenticated("Temp URL invalid.")
    allowed = access.may_write if write else access.may_read
    if not allowed(t.ctx, t.project_id, row.meta):
        raise access.refuse(t.ctx, "objects of this container")


async def _object(deps: ObjectDeps, request: Request, write: bool = False) -> tuple[Target, Container, str]:
    t = await target(deps, request)
    row = await container(deps, t, container_name(request), request)
    await _checked(deps, request, t, row, write)
    return t, row, request.path_params["object"]


def _write(request: Request, name: str, *, content_type: str | None = None) -> objects.Write:
    headers = request.headers
    etag = headers.get("etag")
    length = headers.get("content-length")
    if length is not None and not length.isdigit():
        raise Invalid(f"Invalid Content-Length {length!r}.")
    manifest = headers.get("x-object-manifest")
    if manifest is not None:
        largeobj.parse_dlo(manifest)
    return objects.Write(
        content_type=objects.content_type_for(name, content_type or headers.get("content-type")),
        meta=metadata.object_meta(headers),
        delete_at=objects.delete_at(headers),
        expect_md5=etag.strip('"').lower() if etag else None,
        length=int(length) if length is not None else None,
        if_none_match=headers.get("if-none-match", "").strip() == "*",
    )


def _stored(row: Object, extra: list[tuple[str, str]] | None = None, status: int = 201) -> Response:
    etag = f'"{row.etag}"' if largeobj.is_slo(row) else row.etag
    headers = [
        ("etag", etag),
        ("last-modified", views.http_date(row.created_at)),
        ("content-type", views.PLAIN),
        *(extra or []),
    ]
    return empty(status, headers=headers)


# -- PUT -----------------------------------------------------------------------------------
async def put(deps: ObjectDeps, request: Request) -> Response:
    t, row, name = await _object(deps, request, write=True)
    source = request.headers.get("x-copy-from")
    if source is not None:
        account = request.headers.get("x-copy-from-account", t.account)
        return await _copy(deps, request, t, account, source, row, name)
    if request.param("multipart-manifest") == "put":
        return await _put_manifest(deps, request, t, row, name)
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if request.headers.get("content-length") is None and not chunked:
        raise LengthRequired("Missing Content-Length (or Transfer-Encoding: chunked) for this object.")
    write = _write(request, name)
    stored = await objects.put(deps, t.account, row, name, request.stream(), write, await account_meta(deps, t.account))
    return _stored(stored)


async def _put_manifest(deps: ObjectDeps, request: Request, t: Target, row: Container, name: str) -> Response:
    body = await request.body()
    if len(body) > largeobj.MAX_MANIFEST_BYTES:
        raise Invalid(f"Manifest larger than {largeobj.MAX_MANIFEST_BYTES} bytes.")
    manifest, size, etag = await largeobj.build_manifest(deps.db, t.account, body)
    write = _write(request, name)
    if write.expect_md5 is not None and write.expect_md5 != etag:
        raise Unprocessable("The ETag given does not match the manifest's segments.")
    data = orjson.dumps(manifest)

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    blob = await deps.store.put(objects.blob_key(t.account, row.name, name), chunks())
    stored = Object(
        container_id=row.id,
        name=name,
        size=size,
        etag=etag,
        content_type=write.content_type,
        created_at=index.now(),
        meta={**write.meta, largeobj.SLO_FLAG: "True"},
        blob=blob.id,
        delete_at=write.delete_at,
    )
    await objects.put_row(deps, t.account, row, stored, await account_meta(deps, t.account))
    return _stored(stored)


# -- COPY ----------------------------------------------------------------------------------
async def copy(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    destination = request.headers.get("destination")
    if not destination:
        raise PreconditionFailed("Destination header required")
    dest_account = request.headers.get("destination-account", t.account)
    dest_container, dest_name = largeobj.split_path(unquote(destination))
    dest_t = Target(t.ctx, dest_account, access.project_of(dest_account))
    dest = await container(deps, dest_t, dest_container)
    await _checked(deps, request, dest_t, dest, write=True)
    source = f"{container_name(request)}/{request.path_params['object']}"
    return await _copy(deps, request, dest_t, t.account, source, dest, dest_name, quoted=False)


async def _copy(
    deps: ObjectDeps,
    request: Request,
    dest_t: Target,
    source_account: str,
    source: str,
    dest: Container,
    dest_name: str,
    quoted: bool = True,
) -> Response:
    source_container, source_name = largeobj.split_path(unquote(source) if quoted else source)
    source_t = Target(dest_t.ctx, source_account, access.project_of(source_account))
    src = await container(deps, source_t, source_container)
    if not access.may_read(source_t.ctx, source_t.project_id, src.meta):
        raise access.refuse(source_t.ctx, "the copy's source")
    original = await index.get_object(deps.db, src.id, source_name)
    if original is None:
        raise NotFound(f"The copy's source {source_container}/{source_name} was not found")
    fresh = (request.headers.get("x-fresh-metadata") or "").lower() in ("true", "1", "yes", "on")
    given = _write(request, dest_name, content_type=request.headers.get("content-type") or original.content_type)
    meta = given.meta if fresh else {**original.meta, **given.meta}
    write = objects.Write(given.content_type, meta, given.delete_at)
    dest_meta = await account_meta(deps, dest_t.account)
    large = largeobj.is_slo(original) or largeobj.is_dlo(original)
    if large and request.param("multipart-manifest") != "get":
        # A large object's copy is its content, one ordinary object (Swift's).
        body = await largeobj.body_of(deps.db, deps.store, source_account, original)
        kept = {k: v for k, v in meta.items() if k not in (largeobj.SLO_FLAG, largeobj.DLO_HEADER)}
        whole = objects.Write(given.content_type, kept, given.delete_at, length=body.size)
        chunks = largeobj.stream(deps.store, body.pieces, 0, body.size)
        stored = await objects.put(deps, dest_t.account, dest, dest_name, chunks, whole, dest_meta)
    else:
        stored = await objects.copy(deps, original, dest_t.account, dest, dest_name, write, dest_meta)
    extra = [
        ("x-copied-from", quote(f"{source_container}/{source_name}")),
        ("x-copied-from-last-modified", views.http_date(original.created_at)),
    ]
    if source_account != dest_t.account:
        extra.append(("x-copied-from-account", source_account))
    # Swift answers a copy with the new object's metadata.
    return _stored(stored, [*extra, *metadata.user_items(stored.meta, "object").items()])


# -- GET / HEAD ----------------------------------------------------------------------------
async def get(deps: ObjectDeps, request: Request) -> Response:
    t, row, name = await _object(deps, request)
    obj = await index.get_object(deps.db, row.id, name)
    if obj is None:
        raise NotFound(f"Object {name} not found")
    if request.param("multipart-manifest") == "get" and largeobj.is_slo(obj):
        return await _manifest(deps, obj)
    body = await largeobj.body_of(deps.db, deps.store, t.account, obj)
    headers = views.object_headers(obj, body.etag, body.size)
    if access.has_temp_url(request):
        headers = [(k, v) for k, v in headers if k != "content-disposition"]
        headers.append(("content-disposition", _disposition(request, name)))
    if conditions.not_modified(request.headers, body.etag, obj.created_at):
        return empty(304, headers=[(k, v) for k, v in headers if k in ("etag", "last-modified", "x-timestamp")])
    try:
        spans = conditions.byte_ranges(request.headers.get("range"), body.size)
    except RangeNotSatisfiable:
        return _unsatisfiable(headers, body.size)
    if spans is not None and len(spans) > 1:
        return _multipart(deps, request, headers, body, spans)
    start, end = spans[0] if spans else (0, body.size)
    headers.append(("content-length", str(end - start)))
    if spans:
        headers.append(("content-range", f"bytes {start}-{end - 1}/{body.size}"))
    status = 206 if spans else 200
    if request.method == "HEAD":
        return Response(status, b"", headers=headers)
    stream = largeobj.stream(deps.store, body.pieces, start, end)
    try:
        first = await anext(stream, b"")
    except BlobNotFound:
        raise NotFound(f"Object {name} not found") from None
    return Response(status, headers=headers, stream=_chain(first, stream))


def _multipart(
    deps: ObjectDeps,
    request: Request,
    headers: list[tuple[str, str]],
    body: largeobj.Body,
    spans: list[tuple[int, int]],
) -> Response:
    """Several ranges: a multipart/byteranges body, each part with its Content-Range."""
    boundary = uuid.uuid4().hex
    content_type = next((v for k, v in headers if k == "content-type"), "application/octet-stream")
    heads = [
        f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {a}-{b - 1}/{body.size}\r\n\r\n".encode()
        for a, b in spans
    ]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(h) + (b - a) + 2 for h, (a, b) in zip(heads, spans, strict=True)) + len(tail)
    kept = [(k, v) for k, v in headers if k != "content-type"]
    kept += [("content-type", f"multipart/byteranges;boundary={boundary}"), ("content-length", str(length))]
    if request.method == "HEAD":
        return Response(206, b"", headers=kept)

    async def parts() -> AsyncIterator[bytes]:
        for head, (a, b) in zip(heads, spans, strict=True):
            yield head
            async for chunk in largeobj.stream(deps.store, body.pieces, a, b):
                yield chunk
            yield b"\r\n"
        yield tail

    return Response(206, headers=kept, stream=parts())


def _disposition(request: Request, name: str) -> str:
    """A temporary URL's Content-Disposition (tempurl's ``inline`` and ``filename``)."""
    filename = request.param("filename")
    if request.param("inline") is not None:
        return f'inline; filename="{filename}"' if filename else "inline"
    shown = (filename or name.rsplit("/", 1)[-1]).replace('"', '\\"')
    return f'attachment; filename="{shown}"'


async def _manifest(deps: ObjectDeps, obj: Object) -> Response:
    """``?multipart-manifest=get``: the SLO's manifest itself."""
    manifest = await largeobj.manifest_of(deps.store, obj)
    headers = [("x-static-large-object", "True"), ("etag", obj.etag)]
    return Response(200, orjson.dumps(manifest), content_type="application/json; charset=utf-8", headers=headers)


def _unsatisfiable(headers: list[tuple[str, str]], size: int) -> Response:
    kept = [(k, v) for k, v in headers if k != "content-type"]
    return Response(
        416,
        b"Requested Range Not Satisfiable",
        content_type=views.PLAIN,
        headers=[("content-range", f"bytes */{size}"), *kept],
    )


async def _chain(first: bytes, rest):  # type: ignore[no-untyped-def]
    if first:
        yield first
    async for chunk in rest:
        yield chunk


# -- POST / DELETE -------------------------------------------------------------------------
async def post(deps: ObjectDeps, request: Request) -> Response:
    if formpost.is_form(request):
        return await _form(deps, request)
    _t, row, name = await _object(deps, request, write=True)
    given = request.headers.get("content-type")
    write = _write(request, name, content_type=given)
    await objects.post(deps, row, name, write, keep_type=not given)
    return empty(202, headers=[("content-type", views.PLAIN)])


async def _form(deps: ObjectDeps, request: Request) -> Response:
    """A signed HTML form's files (formpost.py): the signature stands for the token."""
    t = await target(deps, request)
    row = await container(deps, t, container_name(request), request)
    prefix = request.path_params["object"]
    fields, files = formpost.parse(await request.body(), request.headers["content-type"])
    account = await account_meta(deps, t.account)
    keys = access.temp_url_keys(account, row.meta)
    formpost.check_signature(request, fields, keys, f"/v1/{t.account}/{row.name}/{prefix}")
    return await formpost.store(deps, t.account, row, prefix, fields, files, account)


async def delete(deps: ObjectDeps, request: Request) -> Response:
    t, row, name = await _object(deps, request, write=True)
    if request.param("multipart-manifest") == "delete":
        obj = await index.get_object(deps.db, row.id, name)
        if obj is not None and largeobj.is_slo(obj):
            return await bulk.delete_manifest(deps, request, t, row, obj)
    await objects.delete(deps, t.account, row, name, await account_meta(deps, t.account))
    return empty(204, headers=[("content-type", views.PLAIN)])
