"""os-hypervisors, os-services (with heartbeats) and os-availability-zone."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from sqlalchemy import select

from pocketstack.bus import rpc
from pocketstack.common.errors import Invalid, NotFound, NotImplementedYet
from pocketstack.common.timeutils import iso_nozone, utcnow
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Aggregate, ComputeNode, ComputeService, Instance
from pocketstack.compute.scheduler.host_state import is_up
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response
from pocketstack.web.validation import validate


async def _nodes(request: Request) -> list[tuple[ComputeNode, ComputeService | None]]:
    svc = service(request)
    async with svc.db.reader() as s:
        nodes = list(await s.scalars(select(ComputeNode).order_by(ComputeNode.id)))
        services = {
            r.host: r for r in await s.scalars(select(ComputeService).where(ComputeService.binary == "nova-compute"))
        }
    return [(n, services.get(n.host)) for n in nodes]


def _state(request: Request, row: ComputeService | None) -> tuple[str, str]:
    if row is None:
        return "down", "disabled"
    up = is_up(row.last_seen_up, row.forced_down, service(request).config.service_down_time)
    return ("up" if up else "down"), ("disabled" if row.disabled else "enabled")


def _hypervisor(request: Request, node: ComputeNode, row: ComputeService | None, detail: bool) -> dict[str, Any]:
    state, status = _state(request, row)
    data: dict[str, Any] = {
        "id": node.uuid if at_least(request, 53) else node.id,
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": state,
        "status": status,
    }
    if not detail:
        return data
    data.update(
        {
            "hypervisor_type": node.hypervisor_type,
            "hypervisor_version": node.hypervisor_version,
            "host_ip": node.host_ip,
            "service": {
                "host": node.host,
                "id": (row.uuid if at_least(request, 53) else row.id) if row else None,
                "disabled_reason": row.disabled_reason if row else None,
            },
        }
    )
    if not at_least(request, 88):
        data.update(
            {
                "vcpus": node.vcpus,
                "memory_mb": node.memory_mb,
                "local_gb": node.local_gb,
                "vcpus_used": node.vcpus_used,
                "memory_mb_used": node.memory_mb_used,
                "local_gb_used": node.local_gb_used,
                "free_ram_mb": node.memory_mb - node.memory_mb_used,
                "free_disk_gb": node.local_gb - node.local_gb_used,
                "current_workload": 0,
                "running_vms": node.running_vms,
                "disk_available_least": node.local_gb - node.local_gb_used,
                # A JSON text until 2.28 made it an object.
                "cpu_info": node.cpu_info if at_least(request, 28) else json.dumps(node.cpu_info or {}),
            }
        )
    else:
        data["uptime"] = None
    return data


def _flag(request: Request, name: str) -> bool:
    raw = request.param(name)
    if raw is None:
        return False
    if raw not in schemas.TRUE_STRINGS + schemas.FALSE_STRINGS:
        raise Invalid(f"Invalid input for query parameters {name}. Value: {raw}. {raw!r} is not a valid boolean")
    return schemas.as_bool(raw)


async def _servers_on(request: Request, nodes: list[str]) -> dict[str, list[dict[str, str]]]:
    """The live servers on each of ``nodes``, as Nova lists them under a hypervisor
    (its instance name, not the server's display name)."""
    async with service(request).db.reader() as s:
        rows = (
            await s.execute(
                select(Instance.node, Instance.seq, Instance.uuid)
                .where(Instance.node.in_(nodes), Instance.deleted.is_(False))
                .order_by(Instance.seq)
            )
        ).all()
    found: dict[str, list[dict[str, str]]] = {}
    for node, seq, uuid in rows:
        found.setdefault(str(node), []).append({"name": f"instance-{seq:08x}", "uuid": uuid})
    return found


async def _matching(request: Request, pattern: str | None) -> list[tuple[ComputeNode, ComputeService | None]]:
    """Hypervisors whose hostname contains ``pattern`` (all without one); 404 if none does."""
    found = await _nodes(request)
    if pattern is None:
        return found
    found = [(n, r) for n, r in found if pattern in n.hypervisor_hostname]
    if not found:
        raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


async def _list_hypervisors(request: Request, detail: bool) -> Response:
    pattern = request.param("hypervisor_hostname_pattern") if at_least(request, 53) else None
    with_servers = _flag(request, "with_servers") if at_least(request, 53) else False
    found = await _matching(request, pattern)
    on = await _servers_on(request, [n.hypervisor_hostname for n, _ in found]) if with_servers else {}
    shown = []
    for node, row in found:
        data = _hypervisor(request, node, row, detail)
        if on.get(node.hypervisor_hostname):
            data["servers"] = on[node.hypervisor_hostname]
        shown.append(data)
    return json_response({"hypervisors": shown})


async def hypervisors_index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-hypervisors:list")
    return await _list_hypervisors(request, False)


async def hypervisors_detail(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-hypervisors:list-detail")
    return await _list_hypervisors(request, True)


async def _one(request: Request) -> tuple[ComputeNode, ComputeService | None]:
    wanted = request.path_params["hypervisor_id"]
    for node, row in await _nodes(request):
        if wanted == (node.uuid if at_least(request, 53) else str(node.id)):
            return node, row
    raise NotFound(f"Hypervisor with ID {wanted} could not be found.")


async def hypervisor_show(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-hypervisors:show")
    with_servers = _flag(request, "with_servers") if at_least(request, 53) else False
    node, row = await _one(request)
    data = _hypervisor(request, node, row, True)
    if with_servers:
        servers = (await _servers_on(request, [node.hypervisor_hostname])).get(node.hypervisor_hostname)
        if servers:
            data["servers"] = servers
    return json_response({"hypervisor": data})


def host_uptime() -> str:
    """This machine's ``uptime`` line (every compute host of pocketstack runs on it)."""
    with open("/proc/uptime") as f:
        seconds = int(float(f.read().split()[0]))
    days, rest = divmod(seconds, 86400)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f" {time.strftime('%H:%M:%S')} up {days} days, {rest // 3600}:{rest % 3600 // 60:02d}, load average: {load}"


async def hypervisor_uptime(request: Request) -> Response:
    """GET /os-hypervisors/{id}/uptime (until 2.88 folded uptime into show)."""
    policy.admin(request.context, "os_compute_api:os-hypervisors:uptime")
    if at_least(request, 88):
        raise NotFound("The resource could not be found.")
    node, row = await _one(request)
    data = _hypervisor(request, node, row, False)
    data["uptime"] = host_uptime()
    return json_response({"hypervisor": data})


async def hypervisor_search(request: Request) -> Response:
    """GET /os-hypervisors/{pattern}/search (until 2.53's hypervisor_hostname_pattern)."""
    policy.admin(request.context, "os_compute_api:os-hypervisors:search")
    if at_least(request, 53):
        raise NotFound("The resource could not be found.")
    found = await _matching(request, request.path_params["hypervisor_id"])
    return json_response({"hypervisors": [_hypervisor(request, n, r, False) for n, r in found]})


async def hypervisor_servers(request: Request) -> Response:
    """GET /os-hypervisors/{pattern}/servers (until 2.53's with_servers)."""
    policy.admin(request.context, "os_compute_api:os-hypervisors:servers")
    if at_least(request, 53):
        raise NotFound("The resource could not be found.")
    found = await _matching(request, request.path_params["hypervisor_id"])
    on = await _servers_on(request, [n.hypervisor_hostname for n, _ in found])
    shown = []
    for node, row in found:
        data = _hypervisor(request, node, row, False)
        if on.get(node.hypervisor_hostname):
            data["servers"] = on[node.hypervisor_hostname]
        shown.append(data)
    return json_response({"hypervisors": shown})


async def hypervisor_statistics(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-hypervisors:statistics")
    if at_least(request, 88):
        raise NotFound("The resource could not be found.")
    nodes = [n for n, _ in await _nodes(request)]
    keys = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "running_vms")
    stats: dict[str, Any] = {k: sum(getattr(n, k) for n in nodes) for k in keys}
    stats.update(
        {
            "count": len(nodes),
            "free_ram_mb": stats["memory_mb"] - stats["memory_mb_used"],
            "free_disk_gb": stats["local_gb"] - stats["local_gb_used"],
            "current_workload": 0,
            "disk_available_least": stats["local_gb"] - stats["local_gb_used"],
        }
    )
    return json_response({"hypervisor_statistics": stats})


def _service_view(request: Request, row: ComputeService) -> dict[str, Any]:
    state, status = _state(request, row)
    data: dict[str, Any] = {
        "id": row.uuid if at_least(request, 53) else row.id,
        "binary": row.binary,
        "host": row.host,
        "zone": row.zone,
        "status": status,
        "state": state,
        "updated_at": iso_nozone(row.updated_at),
        "disabled_reason": row.disabled_reason,
    }
    if at_least(request, 11):
        data["forced_down"] = row.forced_down
    return data


async def services_index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-services:list")
    query = select(ComputeService).order_by(ComputeService.id)
    if request.param("host"):
        query = query.where(ComputeService.host == request.param("host"))
    if request.param("binary"):
        query = query.where(ComputeService.binary == request.param("binary"))
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(query))
    return json_response({"services": [_service_view(request, r) for r in rows]})


async def service_update(request: Request) -> Response:
    """PUT /os-services/{uuid} (2.53+): enable/disable (out of scheduling) or force down."""
    policy.admin(request.context, "os_compute_api:os-services:update")
    if not at_least(request, 53):
        raise NotFound("Use microversion 2.53 or later to update a service by id.")
    data = validate(schemas.SERVICE_UPDATE, await body(request))
    if not data:
        raise Invalid("At least one of status or forced_down must be given.")
    if "disabled_reason" in data and data.get("status") != "disabled":
        raise Invalid("disabled_reason needs status 'disabled'.")
    async with service(request).db.writer() as s:
        row = await s.scalar(select(ComputeService).where(ComputeService.uuid == request.path_params["service_id"]))
        if row is None:
            raise NotFound(f"Service {request.path_params['service_id']} not found.")
        if "status" in data:
            row.disabled = data["status"] == "disabled"
            row.disabled_reason = data.get("disabled_reason") if row.disabled else None
        if "forced_down" in data:
            row.forced_down = data["forced_down"]
        row.updated_at = utcnow()
    # The scheduler caches host states: tell it this host's eligibility changed.
    service(request).hosts_changed()
    await service(request).scheduler_api.host_states_changed(rpc.no_context())
    return json_response({"service": _service_view(request, row)})


async def availability_zones(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-availability-zone:list")
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(select(ComputeService).where(ComputeService.binary == "nova-compute")))
        groups = list(await s.scalars(select(Aggregate)))
    # A host's zone is its aggregate's availability_zone, else the service's default.
    named = {
        h: a.metadata_["availability_zone"] for a in groups if a.metadata_.get("availability_zone") for h in a.hosts
    }
    zones = sorted({named.get(r.host, r.zone) for r in rows if not r.disabled}) or []
    return json_response(
        {"availabilityZoneInfo": [{"zoneName": z, "zoneState": {"available": True}, "hosts": None} for z in zones]}
    )


async def availability_zones_detail(request: Request) -> Response:
    """Admin: each zone with its hosts and their nova-compute service state."""
    policy.admin(request.context, "os_compute_api:os-availability-zone:detail")
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(select(ComputeService).where(ComputeService.binary == "nova-compute")))
        groups = list(await s.scalars(select(Aggregate)))
    named = {
        h: a.metadata_["availability_zone"] for a in groups if a.metadata_.get("availability_zone") for h in a.hosts
    }
    zones: dict[str, dict[str, Any]] = {}
    for row in rows:
        up = _state(request, row)[0] == "up"
        zone = zones.setdefault(named.get(row.host, row.zone), {})
        zone[row.host] = {
            "nova-compute": {
                "available": up and not row.disabled,
                "active": not row.disabled,
                "updated_at": iso_nozone(row.last_seen_up),
            }
        }
    info = [
        {
            "zoneName": name,
            "zoneState": {"available": any(h["nova-compute"]["available"] for h in hosts.values())},
            "hosts": hosts,
        }
        for name, hosts in sorted(zones.items())
    ]
    return json_response({"availabilityZoneInfo": info})


# os-hosts (until 2.43): nova-network era host listing; its binaries by service name.
_HOST_SERVICE = {"nova-compute": "compute", "nova-scheduler": "scheduler", "nova-conductor": "conductor"}


def _hosts_gone(request: Request) -> None:
    if at_least(request, 43):
        raise NotFound("The resource could not be found.")


async def _host_zones(request: Request) -> tuple[list[ComputeService], dict[str, str]]:
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(select(ComputeService).order_by(ComputeService.id)))
        groups = list(await s.scalars(select(Aggregate)))
    named = {
        h: a.metadata_["availability_zone"] for a in groups if a.metadata_.get("availability_zone") for h in a.hosts
    }
    return rows, named


async def os_hosts_index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-hosts:list")
    _hosts_gone(request)
    rows, named = await _host_zones(request)
    zone = request.param("zone")
    hosts = []
    for row in rows:
        host_zone = named.get(row.host, row.zone) if row.binary == "nova-compute" else "internal"
        if zone and host_zone != zone:
            continue
        hosts.append({"host_name": row.host, "service": _HOST_SERVICE.get(row.binary, row.binary), "zone": host_zone})
    return json_response({"hosts": hosts})


async def _compute_host(request: Request) -> str:
    name = request.path_params["host_name"]
    rows, _ = await _host_zones(request)
    if not any(r.host == name and r.binary == "nova-compute" for r in rows):
        raise NotFound(f"Compute host {name} could not be found.")
    return name


async def os_host_show(request: Request) -> Response:
    """The host's resources: its totals, what its servers use now (and at most, which
    pocketstack does not track apart), and per project."""
    policy.admin(request.context, "os_compute_api:os-hosts:show")
    _hosts_gone(request)
    name = await _compute_host(request)
    async with service(request).db.reader() as s:
        nodes = list(await s.scalars(select(ComputeNode).where(ComputeNode.host == name)))
        rows = (
            await s.execute(
                select(Instance.project_id, Instance.vcpus, Instance.memory_mb, Instance.root_gb).where(
                    Instance.host == name, Instance.deleted.is_(False)
                )
            )
        ).all()

    def resource(project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict[str, Any]:
        return {"resource": {"host": name, "project": project, "cpu": cpu, "memory_mb": memory_mb, "disk_gb": disk_gb}}

    used = (sum(r.vcpus for r in rows), sum(r.memory_mb for r in rows), sum(r.root_gb for r in rows))
    found = [
        resource(
            "(total)", sum(n.vcpus for n in nodes), sum(n.memory_mb for n in nodes), sum(n.local_gb for n in nodes)
        ),
        resource("(used_now)", *used),
        resource("(used_max)", *used),
    ]
    per_project: dict[str, list[int]] = {}
    for r in rows:
        totals = per_project.setdefault(r.project_id, [0, 0, 0])
        totals[0] += r.vcpus
        totals[1] += r.memory_mb
        totals[2] += r.root_gb
    found += [resource(p, *t) for p, t in sorted(per_project.items())]
    return json_response({"host": found})


async def os_host_update(request: Request) -> Response:
    """PUT /os-hosts/{host}: ``status`` enables or disables the host's compute service;
    maintenance mode is a hypervisor feature pocketstack's drivers lack (501, as Nova's
    libvirt driver answers)."""
    policy.admin(request.context, "os_compute_api:os-hosts:update")
    _hosts_gone(request)
    data = await body(request)
    if not isinstance(data, dict) or not data or set(data) - {"status", "maintenance_mode"}:
        raise Invalid("Invalid input for field/attribute: give 'status' and/or 'maintenance_mode' only")
    for key in data:
        if data[key] not in ("enable", "disable"):
            raise Invalid(f"Invalid input for field/attribute {key}. Value: {data[key]}. Must be enable or disable")
    name = await _compute_host(request)
    if "maintenance_mode" in data:
        raise NotImplementedYet("Virt driver does not implement host maintenance mode.")
    async with service(request).db.writer() as s:
        row = await s.scalar(
            select(ComputeService).where(ComputeService.host == name, ComputeService.binary == "nova-compute")
        )
        if row is None:
            raise NotFound(f"Compute host {name} could not be found.")
        row.disabled = data["status"] == "disable"
        row.disabled_reason = None
        row.updated_at = utcnow()
    service(request).hosts_changed()
    await service(request).scheduler_api.host_states_changed(rpc.no_context())
    return json_response({"host": name, "status": "disabled" if data["status"] == "disable" else "enabled"})


async def os_host_power(request: Request) -> Response:
    """GET /os-hosts/{host}/{reboot,shutdown,startup}: host power is outside pocketstack's
    drivers (501 for a host that exists, as Nova's libvirt driver answers)."""
    action = request.path_params["action"]
    if action not in ("reboot", "shutdown", "startup"):
        raise NotFound("The resource could not be found.")
    policy.admin(request.context, f"os_compute_api:os-hosts:{action}")
    _hosts_gone(request)
    await _compute_host(request)
    raise NotImplementedYet("Virt driver does not implement host power management.")
