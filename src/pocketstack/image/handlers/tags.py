"""Image tags: add (idempotent) and remove."""

from __future__ import annotations

from pocketstack.image import images
from pocketstack.image.deps import ImageDeps
from pocketstack.web import Request, Response, empty


async def add(deps: ImageDeps, request: Request) -> Response:
    p = request.path_params
    await images.add_tag(deps.db, request.context, p["image_id"], p["tag"], deps.limits)
    return empty(204)


async def delete(deps: ImageDeps, request: Request) -> Response:
    p = request.path_params
    await images.remove_tag(deps.db, request.context, p["image_id"], p["tag"])
    return empty(204)
