"""os-services (admin): list with filters, enable/disable (with a reason), freeze/thaw;
and os-hosts, the older per-host view of the same services."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import loglevels, services
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import at_least, body, context, deps
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _view(svc: services.ServiceInfo, request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {
        "binary": svc.binary,
        "host": svc.host,
        "zone": svc.zone,
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up",
        "updated_at": iso_nozone(svc.updated_at),
        "disabled_reason": svc.disabled_reason,
    }
    if svc.binary == services.VOLUME:
        out.update(replication_status="disabled", active_backend_id=None, frozen=svc.frozen)
        if at_least(request, 49):
            out["backend_state"] = "up"
    if at_least(request, 7):
        out["cluster"] = None
    return out


async def index(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:services:index")
    d = deps(request)
    async with d.db.reader() as s:
        found = await services.list_services(s, d.cfg)
    host, binary = request.param("host"), request.param("binary")
    # As Cinder's filter: a host also names its backends (host matches host@backend).
    found = [
        x
        for x in found
        if (host is None or x.host == host or x.host.startswith(host + "@")) and (binary is None or x.binary == binary)
    ]
    return json_response({"services": [_view(x, request) for x in found]})


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:services:update")
    action = request.path_params["action"]
    d = deps(request)
    if action in ("freeze", "thaw"):
        data = await body(request, schemas.SERVICE_FREEZE)
        if not data.get("host"):
            raise Invalid("Invalid input received: Host field is missing.")
        async with d.db.writer() as s:
            await services.set_frozen(s, d.cfg, data["host"], action == "freeze")
        return empty(200)
    if action in ("set-log", "get-log") and at_least(request, 32):
        return await _log_levels(request, action)
    if action not in ("enable", "disable", "disable-log-reason"):
        raise NotFound(f"Unknown action: {action}")
    data = await body(request, schemas.SERVICE_DISABLE if action == "disable-log-reason" else schemas.SERVICE_ENABLE)
    host = data.get("host")
    if not host:
        raise Invalid("Invalid input received: Host field is missing.")
    reason = data.get("disabled_reason")
    if action == "disable-log-reason" and not reason:
        raise Invalid("Invalid input received: Disabled reason contains invalid characters or is too long")
    binary = data.get("binary") or data.get("service") or ""
    async with d.db.writer() as s:
        await services.set_disabled(s, d.cfg, host, binary, action != "enable", reason)
    out: dict[str, Any] = {
        "host": host,
        "service": data.get("service", ""),
        "binary": data.get("binary", ""),
        "status": "enabled" if action == "enable" else "disabled",
        "disabled": action != "enable",
    }
    if action != "disable":
        out["disabled_reason"] = reason
    return json_response(out)


async def _log_levels(request: Request, action: str) -> Response:
    """3.32: the services' log levels (they share this process's volume loggers)."""
    d = deps(request)
    data = await body(request, schemas.SET_LOG if action == "set-log" else schemas.GET_LOG)
    binary = data.get("binary") or "*"
    binaries = [services.API, services.SCHEDULER, services.VOLUME] if binary in ("*", "") else [binary]
    async with d.db.reader() as s:
        running = await services.list_services(s, d.cfg)
    server = data.get("server")
    hosts = {x.binary: x.host for x in running}
    hosts[services.API] = d.cfg.host.partition("@")[0]
    targets = [(b, hosts[b]) for b in binaries if b in hosts and (not server or server == hosts[b])]
    if action == "set-log":
        if targets:
            loglevels.set_levels(data.get("prefix"), data.get("level") or "INFO")
        return empty(202)
    levels = loglevels.get_levels(data.get("prefix"))
    return json_response({"log_levels": [{"host": h, "binary": b, "levels": levels} for b, h in targets]})


# --- os-hosts -------------------------------------------------------------------------------
def _host_view(svc: services.ServiceInfo) -> dict[str, Any]:
    return {
        "host_name": svc.host,
        "service": svc.binary,
        "zone": svc.zone,
        "service-status": "available",
        "service-state": "disabled" if svc.disabled else "enabled",
        "last-update": iso_nozone(svc.updated_at),
    }


async def hosts_index(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:hosts")
    d = deps(request)
    async with d.db.reader() as s:
        found = await services.list_services(s, d.cfg)
    zone = request.param("zone")
    # Cinder lists the enabled services only.
    found = [x for x in found if not x.disabled and (not zone or x.zone == zone)]
    return json_response({"hosts": [_host_view(x) for x in found]})


async def hosts_show(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:hosts")
    d = deps(request)
    host = request.path_params["host"]
    if host != d.cfg.host:
        raise NotFound(f"Host {host} could not be found.")
    async with d.db.reader() as s:
        usage = await services.host_usage(s, host)
    rows = []
    for project, (vols, vol_gb, snaps, snap_gb) in usage.items():
        rows.append(
            {
                "resource": {
                    "host": host,
                    "project": project,
                    "volume_count": str(vols),
                    "total_volume_gb": str(vol_gb),
                    "snapshot_count": str(snaps),
                    "total_snapshot_gb": str(snap_gb),
                }
            }
        )
    return json_response({"host": rows})
