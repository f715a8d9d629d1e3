"""Image members: share an image with projects, and accept or reject a share."""

from __future__ import annotations

from pocketstack.image import members, views
from pocketstack.image.deps import ImageDeps
from pocketstack.image.schemas import MEMBER_CREATE, MEMBER_UPDATE
from pocketstack.web import Request, Response, empty, json_response
from pocketstack.web.validation import validate


async def create(deps: ImageDeps, request: Request) -> Response:
    body = validate(MEMBER_CREATE, await request.json())
    row = await members.add(deps.db, request.context, request.path_params["image_id"], body["member"], deps.limits)
    return json_response(views.member(row))


async def index(deps: ImageDeps, request: Request) -> Response:
    rows = await members.list_members(deps.db, request.context, request.path_params["image_id"])
    return json_response({"members": [views.member(r) for r in rows], "schema": "/v2/schemas/members"})


async def show(deps: ImageDeps, request: Request) -> Response:
    p = request.path_params
    return json_response(views.member(await members.show(deps.db, request.context, p["image_id"], p["member_id"])))


async def update(deps: ImageDeps, request: Request) -> Response:
    p = request.path_params
    body = validate(MEMBER_UPDATE, await request.json())
    row = await members.update(deps.db, request.context, p["image_id"], p["member_id"], body["status"])
    return json_response(views.member(row))


async def delete(deps: ImageDeps, request: Request) -> Response:
    p = request.path_params
    await members.remove(deps.db, request.context, p["image_id"], p["member_id"])
    return empty(204)
