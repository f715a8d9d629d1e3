"""Group types (3.11+: CRUD for admins, group specs) and groups (3.13+). Groups are not
built: the lists are empty and a create is refused."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import group_types
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import body, context, deps, require, to_bool
from pocketstack.volume.listing import parse_sort
from pocketstack.volume.models import GroupType
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _view(row: GroupType, admin: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "is_public": row.is_public,
    }
    if admin:
        out["group_specs"] = dict(row.group_specs or {})
    return out


async def types_index(request: Request) -> Response:
    require(request, 11)
    ctx = context(request)
    raw = request.param("is_public")
    is_public = None if raw is None or raw.lower() == "none" else to_bool(raw, "is_public")
    sort = parse_sort(
        request.param("sort"), request.params("sort_key"), request.params("sort_dir"), group_types.SORT_KEYS
    )
    async with deps(request).db.reader() as s:
        rows = await group_types.list_all(s, ctx, is_public, sort)
    return json_response({"group_types": [_view(r, ctx.is_admin) for r in rows]})


async def types_show(request: Request) -> Response:
    require(request, 11)
    ctx = context(request)
    ident = request.path_params["group_type_id"]
    if ident == "default":
        raise NotFound("Default group type can not be found.")
    async with deps(request).db.reader() as s:
        row = await group_types.get(s, ctx, ident)
    return json_response({"group_type": _view(row, ctx.is_admin)})


async def types_create(request: Request) -> Response:
    require(request, 11)
    ctx = context(request)
    policy.admin(ctx, "group:group_types:create")
    data = (await body(request, schemas.GROUP_TYPE_CREATE))["group_type"]
    name = data["name"].strip()
    async with deps(request).db.writer() as s:
        row = await group_types.create(
            s,
            name,
            data.get("description"),
            to_bool(data.get("is_public", True), "is_public"),
            data.get("group_specs") or {},
        )
    return json_response({"group_type": _view(row, True)}, 202)


async def types_update(request: Request) -> Response:
    require(request, 11)
    ctx = context(request)
    policy.admin(ctx, "group:group_types:update")
    data = (await body(request, schemas.GROUP_TYPE_UPDATE))["group_type"]
    name, description, raw_public = data.get("name"), data.get("description"), data.get("is_public")
    if name is not None and not name.strip():
        raise Invalid("Invalid input received: Group type name can not be empty.")
    if name is None and description is None and raw_public is None:
        raise Invalid("Invalid input received: Specify group type name, description or a combination thereof.")
    is_public = None if raw_public is None else to_bool(raw_public, "is_public")
    async with deps(request).db.writer() as s:
        row = await group_types.get(s, ctx, request.path_params["group_type_id"])
        await group_types.update(s, row, name.strip() if name else None, description, is_public)
    return json_response({"group_type": _view(row, True)})


async def types_delete(request: Request) -> Response:
    require(request, 11)
    ctx = context(request)
    policy.admin(ctx, "group:group_types:delete")
    async with deps(request).db.writer() as s:
        row = await group_types.get(s, ctx, request.path_params["group_type_id"])
        await s.delete(row)
    return empty(202)


# --- group specs ------------------------------------------------------------------------------
async def _specs_row(request: Request, s: Any) -> GroupType:
    require(request, 11)
    ctx = context(request)
    policy.admin(ctx, "group:group_types_specs")
    return await group_types.get(s, ctx, request.path_params["group_type_id"])


async def specs_index(request: Request) -> Response:
    async with deps(request).db.reader() as s:
        row = await _specs_row(request, s)
    return json_response({"group_specs": dict(row.group_specs or {})})


async def specs_create(request: Request) -> Response:
    specs = (await body(request, schemas.GROUP_SPECS))["group_specs"]
    async with deps(request).db.writer() as s:
        row = await _specs_row(request, s)
        row.group_specs = {**(row.group_specs or {}), **specs}
    return json_response({"group_specs": specs}, 202)


async def spec_show(request: Request) -> Response:
    key = request.path_params["key"]
    async with deps(request).db.reader() as s:
        row = await _specs_row(request, s)
    if key not in (row.group_specs or {}):
        raise NotFound(f"Group Type {row.id} has no specs with key {key}.")
    return json_response({key: row.group_specs[key]})


async def spec_update(request: Request) -> Response:
    key = request.path_params["key"]
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: Request body contains too many items (exactly one is needed).")
    if key not in data:
        raise Invalid("Invalid input received: Request body and URI mismatch.")
    if not isinstance(data[key], str) or len(data[key]) > 255:
        raise Invalid(f"Invalid input received: the value of group spec {key} must be a string of at most 255.")
    async with deps(request).db.writer() as s:
        row = await _specs_row(request, s)
        row.group_specs = {**(row.group_specs or {}), key: data[key]}
    return json_response({key: data[key]})


async def spec_delete(request: Request) -> Response:
    key = request.path_params["key"]
    async with deps(request).db.writer() as s:
        row = await _specs_row(request, s)
        specs = dict(row.group_specs or {})
        if key not in specs:
            raise NotFound(f"Group Type {row.id} has no specs with key {key}.")
        del specs[key]
        row.group_specs = specs
    return empty(202)


# --- groups -------------------------------------------------------------------------------------
async def groups_index(request: Request) -> Response:
    require(request, 13)
    context(request)
    return json_response({"groups": []})


async def groups_create(request: Request) -> Response:
    require(request, 13)
    context(request)
    raise Invalid("Invalid input received: volume groups are not supported by this cloud.")


async def groups_show(request: Request) -> Response:
    require(request, 13)
    context(request)
    raise NotFound(f"Group {request.path_params['group_id']} could not be found.")
