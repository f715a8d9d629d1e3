"""qos-specs (admin): create, list, show, set and unset keys, delete (force), and the
association with volume types (associate, disassociate, disassociate_all, list)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.volume import qos, types
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import body, context, deps, to_bool
from pocketstack.volume.models import QosSpecs
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _summary(spec: QosSpecs) -> dict[str, Any]:
    return {"id": spec.id, "name": spec.name, "consumer": spec.consumer, "specs": dict(spec.specs or {})}


def _detail(request: Request, spec: QosSpecs) -> dict[str, Any]:
    links = [
        {"rel": "self", "href": f"{request.base_url}/v3/qos-specs/{spec.id}"},
        {"rel": "bookmark", "href": f"{request.base_url}/qos-specs/{spec.id}"},
    ]
    return {"qos_specs": _summary(spec), "links": links}


async def index(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:get_all")
    async with deps(request).db.reader() as s:
        rows = await qos.list_all(s)
    return json_response({"qos_specs": [_summary(q) for q in rows]})


async def create(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:create")
    data = dict((await body(request, schemas.QOS_CREATE))["qos_specs"])
    name = data.pop("name").strip()
    if not name:
        raise Invalid("Invalid input received: the QoS specs name must not be empty.")
    consumer = data.pop("consumer", "back-end")
    async with deps(request).db.writer() as s:
        spec = await qos.create(s, name, consumer, data)
    return json_response(_detail(request, spec))


async def show(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:get")
    async with deps(request).db.reader() as s:
        spec = await qos.get(s, request.path_params["qos_id"])
    return json_response(_detail(request, spec))


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:update")
    values = (await body(request, schemas.QOS_SET))["qos_specs"]
    async with deps(request).db.writer() as s:
        await qos.update(s, request.path_params["qos_id"], values)
    return json_response({"qos_specs": values})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:delete")
    force = to_bool(request.param("force", "false"), "force")
    async with deps(request).db.writer() as s:
        await qos.delete(s, request.path_params["qos_id"], force)
    return empty(202)


async def delete_keys(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:delete")
    keys = (await body(request, schemas.QOS_UNSET))["keys"]
    async with deps(request).db.writer() as s:
        await qos.delete_keys(s, request.path_params["qos_id"], keys)
    return empty(202)


async def associations(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:get_all")
    async with deps(request).db.reader() as s:
        rows = await qos.associations(s, request.path_params["qos_id"])
    out = [{"association_type": "volume_type", "name": t.name, "id": t.id} for t in rows]
    return json_response({"qos_associations": out})


def _type_id(request: Request) -> str:
    type_id = request.param("vol_type_id")
    if not type_id:
        raise Invalid("Invalid input received: Volume Type id must not be None.")
    return type_id


async def associate(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:update")
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, _type_id(request), d.cfg.default_type)
        await qos.associate(s, request.path_params["qos_id"], vtype)
    return empty(202)


async def disassociate(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:update")
    d = deps(request)
    async with d.db.writer() as s:
        vtype = await types.get(s, ctx, _type_id(request), d.cfg.default_type)
        await qos.disassociate(s, request.path_params["qos_id"], vtype)
    return empty(202)


async def disassociate_all(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:qos_specs_manage:update")
    async with deps(request).db.writer() as s:
        await qos.disassociate(s, request.path_params["qos_id"], None)
    return empty(202)
