"""Backend capacity (GET /scheduler-stats/get_pools, admin), a backend's capabilities
(GET /capabilities/{host}, admin) and availability zones."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import NotFound
from pocketstack.volume import scheduler, types
from pocketstack.volume.api import policy
from pocketstack.volume.api.common import at_least, context, deps, to_bool
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


async def get_pools(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "scheduler_extension:scheduler_stats:get_pools")
    d = deps(request)
    stats: dict[str, Any] = await d.rpcapi.get_capacity(ctx, timeout=10)
    if request.param("name") and request.param("name") != f"{d.host}#{stats['backend']}":
        return json_response({"pools": []})
    caps = scheduler.capabilities(stats["backend"], stats["total_gb"], stats["free_gb"], stats["allocated_gb"])
    if at_least(request, 35) and request.param("volume_type"):
        # 3.35: only the pools that can hold a volume of this type.
        async with d.db.reader() as s:
            vtype = await types.find(s, ctx, request.param("volume_type") or "")
        if scheduler.unmet(caps, dict(vtype.extra_specs or {})) is not None:
            return json_response({"pools": []})
    pool: dict[str, Any] = {"name": f"{d.host}#{stats['backend']}"}
    if to_bool(request.param("detail", "false"), "detail"):
        pool["capabilities"] = caps
    return json_response({"pools": [pool]})


async def availability_zones(request: Request) -> Response:
    context(request)
    zone = deps(request).cfg.availability_zone
    return json_response({"availabilityZoneInfo": [{"zoneName": zone, "zoneState": {"available": True}}]})


async def capabilities(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:capabilities")
    d = deps(request)
    host = request.path_params["host"].partition("#")[0]
    if host != d.host:
        raise NotFound(f"Can't find service: {host}")
    stats: dict[str, Any] = await d.rpcapi.get_capacity(ctx, timeout=10)
    thin = {"title": "Thin Provisioning", "description": "Sets thin provisioning.", "type": "boolean"}
    return json_response(
        {
            "namespace": f"OS::Storage::Capabilities::{host}",
            "vendor_name": scheduler.VENDOR,
            "volume_backend_name": stats["backend"],
            "pool_name": None,
            "driver_version": scheduler.DRIVER_VERSION,
            "storage_protocol": stats["backend"],
            "display_name": None,
            "description": None,
            "visibility": None,
            "replication_targets": [],
            "properties": {"thin_provisioning": thin},
        }
    )
