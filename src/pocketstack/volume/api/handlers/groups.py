"""Group types (3.11+: CRUD for admins, group specs) and groups (3.13+: create, list,
show, update with add/remove volumes, delete with its volumes, reset_status 3.20,
create-from-src from another group 3.14)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import group_snapshots, group_types, groups, volumes
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import all_projects, at_least, body, context, deps, require, to_bool
from pocketstack.volume.listing import parse_sort
from pocketstack.volume.models import Group, GroupSnapshot, GroupType
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


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
def _group_view(request: Request, group: Group, member_ids: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": group.id,
        "status": group.status,
        "availability_zone": group.availability_zone,
        "created_at": iso_nozone(group.created_at),
        "name": group.name,
        "description": group.description,
        "group_type": group.group_type_id,
        "volume_types": list(group.volume_type_ids or []),
    }
    if at_least(request, 14):
        out["group_snapshot_id"] = group.group_snapshot_id
        out["source_group_id"] = group.source_group_id
    if at_least(request, 25) and member_ids is not None:
        out["volumes"] = member_ids
    if at_least(request, 38):
        out["replication_status"] = "disabled"
    if at_least(request, 58) and request.context.is_admin:
        out["project_id"] = group.project_id
    return out


async def _groups(request: Request, detail: bool) -> Response:
    require(request, 13)
    ctx = context(request)
    policy.reader(ctx, "group:get_all")
    rows = await groups.list_groups(deps(request), ctx, all_projects(request))
    if not detail:
        return json_response({"groups": [{"id": g.id, "name": g.name} for g in rows]})
    return json_response({"groups": [_group_view(request, g, None) for g in rows]})


async def groups_index(request: Request) -> Response:
    return await _groups(request, detail=False)


async def groups_detail(request: Request) -> Response:
    return await _groups(request, detail=True)


async def groups_show(request: Request) -> Response:
    require(request, 13)
    ctx = context(request)
    policy.reader(ctx, "group:get")
    list_volume = request.param("list_volume")
    async with deps(request).db.reader() as s:
        group = await groups.get(s, ctx, request.path_params["group_id"])
        members = (
            [v.id for v in await groups.volumes_of(s, group.id)]
            if list_volume and to_bool(list_volume, "list_volume")
            else None
        )
    return json_response({"group": _group_view(request, group, members)})


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


async def groups_create(request: Request) -> Response:
    require(request, 13)
    ctx = context(request)
    policy.writer(ctx, "group:create")
    data = (await body(request, schemas.GROUP_CREATE))["group"]
    group = await groups.create(
        deps(request),
        ctx,
        _strip(data.get("name")),
        _strip(data.get("description")),
        data["group_type"],
        data["volume_types"],
        data.get("availability_zone"),
    )
    return json_response({"group": {"id": group.id, "name": group.name}}, 202)


async def groups_update(request: Request) -> Response:
    require(request, 13)
    ctx = context(request)
    policy.writer(ctx, "group:update")
    data = (await body(request, schemas.GROUP_UPDATE))["group"]
    changes = {k: _strip(data[k]) for k in ("name", "description") if k in data}
    await groups.update(
        deps(request),
        ctx,
        request.path_params["group_id"],
        changes,
        data.get("add_volumes"),
        data.get("remove_volumes"),
    )
    return empty(202)


async def groups_action(request: Request) -> Response:
    require(request, 13)
    ctx = context(request)
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: the action body must name exactly one action.")
    name, args = next(iter(data.items()))
    d = deps(request)
    gid = request.path_params["group_id"]
    if name == "delete":
        policy.writer(ctx, "group:delete")
        args = validate(schemas.GROUP_DELETE, data)["delete"]
        doomed = await groups.delete(d, ctx, gid, to_bool(args.get("delete-volumes", False), "delete-volumes"))
        for volume_id in doomed:
            await d.rpcapi.delete_volume(ctx, volume_id=volume_id)
        return empty(202)
    if name == "reset_status":
        require(request, 20)
        policy.admin(ctx, "group:reset_status")
        status = validate(schemas.GROUP_RESET, data)["reset_status"]["status"]
        await groups.reset_status(d, ctx, gid, status)
        return empty(202)
    raise Invalid(f"Invalid input received: There is no such action: {name}")


async def groups_create_from_src(request: Request) -> Response:
    require(request, 14)
    ctx = context(request)
    policy.writer(ctx, "group:create")
    data = validate(schemas.GROUP_FROM_SRC, await request.json())["create-from-src"]
    d = deps(request)
    if data.get("group_snapshot_id"):
        return await _group_from_snapshot(request, data)
    async with d.db.reader() as s:
        source = await groups.get(s, ctx, data["source_group_id"])
        members = await groups.volumes_of(s, source.id)
    if source.status != groups.AVAILABLE:
        raise Invalid(f"Invalid group: Source group {source.id} must be available, not {source.status}.")
    group = await groups.create(
        d,
        ctx,
        _strip(data.get("name")),
        _strip(data.get("description")),
        source.group_type_id,
        list(source.volume_type_ids or []),
        source.availability_zone,
        source_group_id=source.id,
    )
    for vol in members:
        req = volumes.CreateRequest(
            size=vol.size, source_volid=vol.id, volume_type=vol.volume_type_id, group_id=group.id, name=vol.name
        )
        await volumes.create(d, ctx, req)
    return json_response({"group": {"id": group.id, "name": group.name}}, 202)


async def _group_from_snapshot(request: Request, data: dict[str, Any]) -> Response:
    """A new group with a volume made from each snapshot of a group snapshot."""
    ctx = request.context
    d = deps(request)
    async with d.db.reader() as s:
        gsnap = await group_snapshots.get(s, ctx, data["group_snapshot_id"])
        snaps = await group_snapshots.members(s, gsnap.id)
        source = await s.get(Group, gsnap.group_id)
    if gsnap.status != group_snapshots.AVAILABLE:
        raise Invalid(f"Invalid group snapshot: GroupSnapshot {gsnap.id} must be available, not {gsnap.status}.")
    type_ids = list(source.volume_type_ids or []) if source else sorted({x.volume_type_id for x in snaps})
    group = await groups.create(
        d,
        ctx,
        _strip(data.get("name")),
        _strip(data.get("description")),
        gsnap.group_type_id,
        type_ids,
        source.availability_zone if source else None,
        group_snapshot_id=gsnap.id,
    )
    for snap in snaps:
        req = volumes.CreateRequest(
            size=snap.size, snapshot_id=snap.id, volume_type=snap.volume_type_id, group_id=group.id
        )
        await volumes.create(d, ctx, req)
    return json_response({"group": {"id": group.id, "name": group.name}}, 202)


# --- group snapshots (3.14+) -------------------------------------------------------------------
def _gsnap_view(request: Request, row: GroupSnapshot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "group_id": row.group_id,
        "group_type_id": row.group_type_id,
        "status": row.status,
        "created_at": iso_nozone(row.created_at),
        "name": row.name,
        "description": row.description,
    }
    if at_least(request, 58) and request.context.is_admin:
        out["project_id"] = row.project_id
    return out


async def _gsnaps(request: Request, detail: bool) -> Response:
    require(request, 14)
    ctx = context(request)
    policy.reader(ctx, "group:get_all_group_snapshots")
    rows = await group_snapshots.list_all(deps(request), ctx, all_projects(request))
    if detail:
        return json_response({"group_snapshots": [_gsnap_view(request, r) for r in rows]})
    summary = [{"id": r.id, "name": r.name, "group_type_id": r.group_type_id} for r in rows]
    return json_response({"group_snapshots": summary})


async def gsnaps_index(request: Request) -> Response:
    return await _gsnaps(request, detail=False)


async def gsnaps_detail(request: Request) -> Response:
    return await _gsnaps(request, detail=True)


async def gsnaps_show(request: Request) -> Response:
    require(request, 14)
    ctx = context(request)
    policy.reader(ctx, "group:get_group_snapshot")
    async with deps(request).db.reader() as s:
        row = await group_snapshots.get(s, ctx, request.path_params["group_snapshot_id"])
    return json_response({"group_snapshot": _gsnap_view(request, row)})


async def gsnaps_create(request: Request) -> Response:
    require(request, 14)
    ctx = context(request)
    policy.writer(ctx, "group:create_group_snapshot")
    data = (await body(request, schemas.GROUP_SNAPSHOT_CREATE))["group_snapshot"]
    row = await group_snapshots.create(
        deps(request), ctx, data["group_id"], _strip(data.get("name")), _strip(data.get("description"))
    )
    return json_response({"group_snapshot": {"id": row.id, "name": row.name, "group_type_id": row.group_type_id}}, 202)


async def gsnaps_delete(request: Request) -> Response:
    require(request, 14)
    ctx = context(request)
    policy.writer(ctx, "group:delete_group_snapshot")
    await group_snapshots.delete(deps(request), ctx, request.path_params["group_snapshot_id"])
    return empty(202)


async def gsnaps_action(request: Request) -> Response:
    require(request, 19)
    ctx = context(request)
    policy.admin(ctx, "group:reset_group_snapshot_status")
    status = validate(schemas.GROUP_RESET, await request.json())["reset_status"]["status"]
    await group_snapshots.reset_status(deps(request), ctx, request.path_params["group_snapshot_id"], status)
    return empty(202)
