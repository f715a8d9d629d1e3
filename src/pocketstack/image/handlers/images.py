"""Image records: create, list, show, update (JSON-patch), delete, deactivate/reactivate."""

from __future__ import annotations

from urllib.parse import urlencode

from pocketstack.common.errors import UnsupportedMediaType
from pocketstack.image import images, listing, patch, views
from pocketstack.image.deps import ImageDeps
from pocketstack.image.events import emit
from pocketstack.image.schemas import IMPORT_METHODS
from pocketstack.web import Request, Response, empty, json_response

_PAGING = ("limit", "marker", "sort", "sort_key", "sort_dir")
_IMPORT_HEADER = ("openstack-image-import-methods", ",".join(IMPORT_METHODS))


async def create(deps: ImageDeps, request: Request) -> Response:
    body = await request.json()
    rec = await images.create(deps.db, request.context, body, deps.limits)
    view = views.image(rec, deps.store.name)
    await emit(deps, request.context, "image.create", view)
    return json_response(
        view,
        201,
        headers=[
            ("location", f"{request.base_url}/v2/images/{rec.image.id}"),
            _IMPORT_HEADER,
            ("openstack-image-store-ids", deps.store.name),
        ],
    )


async def index(deps: ImageDeps, request: Request) -> Response:
    limit = request.int_param("limit", listing.DEFAULT_LIMIT)
    assert limit is not None
    query = listing.ListQuery(
        filters={k: v for k, v in request.query.items() if k not in _PAGING},
        limit=min(limit, listing.MAX_LIMIT),
        marker=request.param("marker"),
        sort=listing.parse_sort(request.param("sort"), request.params("sort_key"), request.params("sort_dir")),
    )
    records, next_marker = await listing.list_images(deps.db, request.context, query)
    # Both links keep the request's query, without its marker (as Glance builds them).
    params = [(k, v) for k, values in request.query.items() if k != "marker" for v in values]
    body: dict[str, object] = {
        "images": [views.image(r, deps.store.name) for r in records],
        "first": "/v2/images" + (f"?{urlencode(params)}" if params else ""),
        "schema": "/v2/schemas/images",
    }
    if next_marker is not None:
        body["next"] = "/v2/images?" + urlencode([*params, ("marker", next_marker)])
    return json_response(body)


async def show(deps: ImageDeps, request: Request) -> Response:
    rec = await images.show(deps.db, request.context, request.path_params["image_id"])
    return json_response(views.image(rec, deps.store.name))


async def update(deps: ImageDeps, request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in patch.MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {content_type or '(none)'!r} for PATCH: use {patch.MEDIA_TYPES[0]}."
        )
    changes = patch.parse(await request.json(), content_type)
    rec = await images.update(deps.db, request.context, request.path_params["image_id"], changes, deps.limits)
    view = views.image(rec, deps.store.name)
    await emit(deps, request.context, "image.update", view)
    return json_response(view)


async def delete(deps: ImageDeps, request: Request) -> Response:
    image_id = request.path_params["image_id"]
    view = views.image(await images.show(deps.db, request.context, image_id), deps.store.name)
    await images.delete(deps.db, deps.store, request.context, image_id)
    await emit(deps, request.context, "image.delete", {**view, "status": "deleted", "deleted": True})
    return empty(204)


async def deactivate(deps: ImageDeps, request: Request) -> Response:
    await images.set_active(deps.db, request.context, request.path_params["image_id"], active=False)
    return empty(204)


async def reactivate(deps: ImageDeps, request: Request) -> Response:
    await images.set_active(deps.db, request.context, request.path_params["image_id"], active=True)
    return empty(204)
