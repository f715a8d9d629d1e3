"""Project default volume types (3.62+, admin): set, show, list, unset. A volume made
without a type in that project gets it, and ``GET /types/default`` shows it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import NotFound
from pocketstack.volume import types
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import body, context, deps, require
from pocketstack.volume.models import DefaultType
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _view(row: DefaultType) -> dict[str, Any]:
    return {"project_id": row.project_id, "volume_type_id": row.volume_type_id}


async def update(request: Request) -> Response:
    require(request, 62)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:default_set_or_update")
    ident = (await body(request, schemas.DEFAULT_TYPE))["default_type"]["volume_type"]
    async with deps(request).db.writer() as s:
        row = await types.set_project_default(s, request.path_params["target_project"], ident)
    return json_response({"default_type": _view(row)})


async def show(request: Request) -> Response:
    require(request, 62)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:default_get")
    project = request.path_params["target_project"]
    async with deps(request).db.reader() as s:
        row = await s.get(DefaultType, project)
    if row is None:
        raise NotFound(f"Default type for project {project} could not be found.")
    return json_response({"default_type": _view(row)})


async def index(request: Request) -> Response:
    require(request, 62)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:default_get_all")
    async with deps(request).db.reader() as s:
        rows = list(await s.scalars(select(DefaultType).order_by(DefaultType.project_id)))
    return json_response({"default_types": [_view(r) for r in rows]})


async def delete(request: Request) -> Response:
    require(request, 62)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:default_unset")
    async with deps(request).db.writer() as s:
        row = await s.get(DefaultType, request.path_params["target_project"])
        if row is not None:
            await s.delete(row)
    return empty(204)
