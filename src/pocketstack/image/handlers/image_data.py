"""Image data: upload and download (streamed), staging and interoperable import."""

from __future__ import annotations

from pocketstack.common.errors import Invalid
from pocketstack.image import data, images, views
from pocketstack.image.deps import ImageDeps
from pocketstack.image.events import emit
from pocketstack.image.schemas import IMPORT
from pocketstack.web import Request, Response, empty
from pocketstack.web.validation import validate


def _declared_size(request: Request) -> int | None:
    for header in ("x-openstack-image-size", "content-length"):
        raw = request.headers.get(header)
        if raw is not None:
            if not raw.strip().isdigit():
                raise Invalid(f"Invalid {header} header {raw!r}: expected a number of bytes.")
            return int(raw)
    return None


async def upload(deps: ImageDeps, request: Request) -> Response:
    image_id = request.path_params["image_id"]
    before = views.image(await images.show(deps.db, request.context, image_id), deps.store.name)
    await emit(deps, request.context, "image.prepare", before)
    await data.upload(
        deps.db,
        deps.store,
        request.context,
        request.path_params["image_id"],
        request.stream(),
        declared_size=_declared_size(request),
        content_md5=data.normalize_md5(request.headers.get("content-md5")),
        limits=deps.limits,
    )
    after = views.image(await images.show(deps.db, request.context, image_id), deps.store.name)
    await emit(deps, request.context, "image.upload", after)
    if after.get("status") == "active":
        await emit(deps, request.context, "image.activate", after)
    return empty(204)


async def stage(deps: ImageDeps, request: Request) -> Response:
    await data.stage(
        deps.db,
        deps.store,
        request.context,
        request.path_params["image_id"],
        request.stream(),
        declared_size=_declared_size(request),
        limits=deps.limits,
    )
    return empty(204)


async def import_image(deps: ImageDeps, request: Request) -> Response:
    body = validate(IMPORT, await request.json())
    await data.import_image(
        deps.db,
        deps.store,
        request.context,
        request.path_params["image_id"],
        body,
        header_store=request.headers.get("x-image-meta-store"),
    )
    return empty(202)


async def download(deps: ImageDeps, request: Request) -> Response:
    result = await data.download(
        deps.db, deps.store, request.context, request.path_params["image_id"], request.headers.get("range")
    )
    if result is None:
        return empty(204)
    headers = [("content-length", str(result.size)), ("accept-ranges", "bytes")]
    if result.start is not None:
        end = result.start + result.size - 1
        headers.append(("content-range", f"bytes {result.start}-{end}/{result.total}"))
        return Response(206, content_type="application/octet-stream", headers=headers, stream=result.stream)
    if result.checksum:
        headers.append(("content-md5", result.checksum))
    return Response(200, content_type="application/octet-stream", headers=headers, stream=result.stream)
