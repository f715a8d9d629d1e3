"""A server's metadata (``/servers/{id}/metadata``: index, replace, merge, show, set,
delete; the project's ``metadata_items`` quota) and its addresses (os-server-ips)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import body, service
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import instances
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


async def _meta_target(request: Request, write: bool) -> Instance:
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    if write:
        policy.owner(ctx, inst.project_id, "os_compute_api:server-metadata:update")
        if inst.locked and not ctx.is_admin:
            raise Conflict(f"Instance {inst.uuid} is locked")
    else:
        policy.reader(ctx, "os_compute_api:server-metadata:index")
    return inst


async def _save_metadata(request: Request, inst: Instance, metadata: dict[str, str]) -> dict[str, str]:
    svc = service(request)
    limit = (await service(request).quota_limits(inst.project_id))["metadata_items"]
    if 0 <= limit < len(metadata):
        raise Forbidden(f"Quota exceeded for metadata_items: at most {limit} items")
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        assert row is not None
        row.metadata_ = metadata
    return metadata


async def metadata_index(request: Request) -> Response:
    inst = await _meta_target(request, False)
    return json_response({"metadata": dict(inst.metadata_ or {})})


async def metadata_replace(request: Request) -> Response:
    inst = await _meta_target(request, True)
    data = validate(schemas.METADATA_BODY, await body(request))["metadata"]
    return json_response({"metadata": await _save_metadata(request, inst, dict(data))})


async def metadata_merge(request: Request) -> Response:
    inst = await _meta_target(request, True)
    data = validate(schemas.METADATA_BODY, await body(request))["metadata"]
    merged = {**(inst.metadata_ or {}), **data}
    return json_response({"metadata": await _save_metadata(request, inst, merged)})


async def metadata_show(request: Request) -> Response:
    inst = await _meta_target(request, False)
    key = request.path_params["key"]
    if key not in (inst.metadata_ or {}):
        raise NotFound(f"Metadata item was not found: {key}")
    return json_response({"meta": {key: inst.metadata_[key]}})


async def metadata_set(request: Request) -> Response:
    inst = await _meta_target(request, True)
    key = request.path_params["key"]
    data = validate(schemas.META_ITEM_BODY, await body(request))["meta"]
    if key not in data:
        raise Invalid("Request body and URI mismatch")
    await _save_metadata(request, inst, {**(inst.metadata_ or {}), key: data[key]})
    return json_response({"meta": {key: data[key]}})


async def metadata_delete(request: Request) -> Response:
    inst = await _meta_target(request, True)
    key = request.path_params["key"]
    metadata = dict(inst.metadata_ or {})
    if key not in metadata:
        raise NotFound(f"Metadata item was not found: {key}")
    del metadata[key]
    await _save_metadata(request, inst, metadata)
    return empty(204)


def _plain_addresses(inst: Instance) -> dict[str, list[dict[str, Any]]]:
    """The server's addresses per network, version and address only (os-server-ips)."""
    return {
        net: [{"version": a["version"], "addr": a["addr"]} for a in addrs]
        for net, addrs in (inst.addresses or {}).items()
    }


async def ips_index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:ips:index")
    inst = await instances.get(service(request).db, request.context, request.path_params["server_id"])
    return json_response({"addresses": _plain_addresses(inst)})


async def ips_show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:ips:show")
    inst = await instances.get(service(request).db, request.context, request.path_params["server_id"])
    label = request.path_params["network_label"]
    addresses = _plain_addresses(inst)
    if label not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return json_response({label: addresses[label]})
