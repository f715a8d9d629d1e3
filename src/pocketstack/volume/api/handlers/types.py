"""Volume types: list, show (``default`` too), create/update/delete (admin), extra
specs, and project access to private types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.db.models import same_name
from pocketstack.volume import encryption, types
from pocketstack.volume.api import policy, schemas, views
from pocketstack.volume.api.common import at_least, body, context, deps, dict_param, to_bool
from pocketstack.volume.models import VolumeType
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


async def index(request: Request) -> Response:
    ctx = context(request)
    raw = request.param("is_public")
    is_public = None if raw is None or raw.lower() == "none" else to_bool(raw, "is_public")
    if is_public is None and raw is None:
        is_public = True if not ctx.is_admin else None
    async with deps(request).db.reader() as s:
        rows = await types.list_types(s, ctx, is_public)
    if at_least(request, 52) and request.param("extra_specs"):
        # 3.52: types whose extra specs include these (non-admins: the user-visible keys only).
        wanted = dict_param(request, "extra_specs")
        if not ctx.is_admin:
            wanted = {k: v for k, v in wanted.items() if k in views.USER_VISIBLE_SPECS}
        rows = [t for t in rows if all((t.extra_specs or {}).get(k) == v for k, v in wanted.items())]
    return json_response({"volume_types": [views.volume_type(t, ctx) for t in rows]})


async def show(request: Request) -> Response:
    ctx = context(request)
    d = deps(request)
    async with d.db.reader() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
    return json_response({"volume_type": views.volume_type(vtype, ctx)})


async def create(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_manage")
    data = (await body(request, schemas.TYPE_CREATE))["volume_type"]
    public_raw = data.get("os-volume-type-access:is_public", data.get("is_public", True))
    async with deps(request).db.writer() as s:
        vtype = await types.create(
            s,
            data["name"].strip(),
            data.get("description"),
            to_bool(public_raw, "is_public"),
            data.get("extra_specs") or {},
        )
    return json_response({"volume_type": views.volume_type(vtype, ctx, manage="create")})


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_manage")
    data = (await body(request, schemas.TYPE_UPDATE))["volume_type"]
    if not data:
        raise Invalid("Invalid input received: Specify volume type name, description, is_public or a combination.")
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
        if data.get("name") is not None:
            name = data["name"].strip()
            if vtype.name == d.cfg.default_type and name != vtype.name:
                raise Invalid(f"The default volume type {vtype.name} cannot be renamed.")
            clash = await s.scalar(
                select(VolumeType).where(same_name(VolumeType.name, name), VolumeType.id != vtype.id)
            )
            if clash is not None:
                raise Conflict(f"Volume Type {name} already exists.")
            vtype.name = name
        if "description" in data:
            vtype.description = data["description"]
        if "is_public" in data:
            vtype.is_public = to_bool(data["is_public"], "is_public")
        await s.flush()
    return json_response({"volume_type": views.volume_type(vtype, ctx, manage="update")})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_manage")
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
        await types.delete(s, vtype, d.cfg.default_type)
    return empty(202)


# --- extra specs --------------------------------------------------------------------------
async def specs_index(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume_extension:types_extra_specs:index")
    d = deps(request)
    async with d.db.reader() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
    return json_response({"extra_specs": _readable(ctx, vtype.extra_specs or {})})


def _readable(ctx: Any, specs: dict[str, str]) -> dict[str, str]:
    """The specs the caller may read: all of them for read_sensitive (admins), the
    user-visible ones (views.USER_VISIBLE_SPECS) for the rest, as Cinder."""
    if policy.allowed(ctx, "volume_extension:types_extra_specs:read_sensitive"):
        return dict(specs)
    return {k: v for k, v in specs.items() if k in views.USER_VISIBLE_SPECS}


async def specs_create(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_extra_specs:create")
    specs = (await body(request, schemas.EXTRA_SPECS))["extra_specs"]
    await _merge(request, specs)
    # Cinder answers with the specs the request set, not the type's whole set.
    return json_response({"extra_specs": specs})


async def _merge(request: Request, specs: dict[str, str]) -> dict[str, str]:
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, request.context, request.path_params["type_id"], d.cfg.default_type)
        vtype.extra_specs = {**(vtype.extra_specs or {}), **specs}
        return dict(vtype.extra_specs)


async def spec_show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume_extension:types_extra_specs:show")
    d = deps(request)
    key = request.path_params["key"]
    async with d.db.reader() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
    readable = _readable(ctx, vtype.extra_specs or {})
    if key not in readable:
        raise NotFound(f"Volume Type {vtype.id} has no extra specs with key {key}.")
    return json_response({key: readable[key]})


async def spec_update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_extra_specs:update")
    key = request.path_params["key"]
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: Request body contains too many items (exactly one is needed).")
    if key not in data:
        raise Invalid("Invalid input received: Request body and URI mismatch.")
    if not isinstance(data[key], str) or len(data[key]) > 255:
        raise Invalid(f"Invalid input received: the value of extra spec {key} must be a string of at most 255.")
    await _merge(request, {key: data[key]})
    return json_response({key: data[key]})


async def spec_delete(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:types_extra_specs:delete")
    d = deps(request)
    key = request.path_params["key"]
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
        specs = dict(vtype.extra_specs or {})
        if key not in specs:
            raise NotFound(f"Volume Type {vtype.id} has no extra specs with key {key}.")
        del specs[key]
        vtype.extra_specs = specs
    return empty(202)


# --- access -------------------------------------------------------------------------------
async def access_index(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:volume_type_access")
    d = deps(request)
    async with d.db.reader() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
    if vtype.is_public:
        raise NotFound(f"Access list not available for public volume type {vtype.id}.")
    access = [{"volume_type_id": vtype.id, "project_id": p} for p in vtype.projects or []]
    return json_response({"volume_type_access": access})


async def action(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:volume_type_access:addProjectAccess")
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: the action body must name exactly one action.")
    name, args = next(iter(data.items()))
    if name not in ("addProjectAccess", "removeProjectAccess"):
        raise Invalid(f"Invalid input received: There is no such action: {name}")
    project = args.get("project") if isinstance(args, dict) else None
    if not isinstance(project, str) or not project:
        raise Invalid(f"Invalid input received: {name} needs a 'project'.")
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, request.path_params["type_id"], d.cfg.default_type)
        if vtype.is_public:
            raise Invalid(f"Invalid volume type: {vtype.id} is public; access lists are for private types.")
        projects: list[Any] = list(vtype.projects or [])
        if name == "addProjectAccess":
            if project in projects:
                raise Conflict(f"Volume type access for {vtype.id} / {project} already exists.")
            projects.append(project)
        else:
            if project not in projects:
                raise NotFound(f"Volume type access not found for {vtype.id} / {project}.")
            projects.remove(project)
        vtype.projects = projects
    return empty(202)


async def _encryption_type(request: Request, s: Any, action: str) -> VolumeType:
    ctx = context(request)
    policy.admin(ctx, f"volume_extension:volume_type_encryption:{action}")
    return await types.get(s, ctx, request.path_params["type_id"], deps(request).cfg.default_type)


async def encryption_index(request: Request) -> Response:
    """A type's encryption spec; ``{}`` for an unencrypted type (as Cinder answers)."""
    async with deps(request).db.reader() as s:
        vtype = await _encryption_type(request, s, "get")
    return json_response(encryption.show(vtype))


async def encryption_show(request: Request) -> Response:
    key = request.path_params["key"]
    async with deps(request).db.reader() as s:
        vtype = await _encryption_type(request, s, "get")
    spec = encryption.show(vtype)
    if key not in spec:
        raise NotFound(f"Volume type encryption for type {vtype.id} does not exist.")
    return json_response({key: spec[key]})


async def encryption_create(request: Request) -> Response:
    values = (await body(request, schemas.ENCRYPTION_CREATE))["encryption"]
    async with deps(request).db.writer() as s:
        vtype = await _encryption_type(request, s, "create")
        out = await encryption.create(s, vtype, values)
    return json_response({"encryption": out})


async def encryption_update(request: Request) -> Response:
    values = (await body(request, schemas.ENCRYPTION_UPDATE))["encryption"]
    async with deps(request).db.writer() as s:
        vtype = await _encryption_type(request, s, "update")
        await encryption.update(s, vtype, values)
    return json_response({"encryption": {k: values[k] for k in encryption.FIELDS if k in values}})


async def encryption_delete(request: Request) -> Response:
    async with deps(request).db.writer() as s:
        vtype = await _encryption_type(request, s, "delete")
        await encryption.delete(s, vtype)
    return empty(202)
