"""Admin-facing server calls: diagnostics (GET /servers/{id}/diagnostics), and the
actions injectNetworkInfo, restore and forceDelete.

Deletes are never deferred here (Nova's reclaim_instance_interval is 0 by default, and
pocketstack has no such setting), so no server is ever SOFT_DELETED: restore and
forceDelete always find the server in another state and answer 409, as Nova does then.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, service
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions, instances
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _disks(inst: Instance) -> list[dict[str, Any]]:
    """One entry per disk the guest sees: the local root disk (unless it boots from a
    volume) and each attached volume."""
    bdms = list(inst.block_device_mapping or [])
    boots_from_volume = any(b.get("boot_index") == 0 and b.get("volume_id") for b in bdms)
    disks = [] if boots_from_volume else [{"device": "vda", "size_gb": inst.root_gb}]
    for b in bdms:
        if b.get("volume_id"):
            disks.append({"device": str(b.get("device") or "").rsplit("/", 1)[-1], "size_gb": b.get("volume_size")})
    return disks


def _standard(inst: Instance, hypervisor: str) -> dict[str, Any]:
    """The 2.48 diagnostics: the server's shape as the record knows it; counters the
    record does not keep are null, as Nova's model allows."""
    uptime = None
    if inst.launched_at is not None and inst.power_state == states.RUNNING:
        uptime = int((utcnow() - inst.launched_at).total_seconds())
    ports = list(inst.ports or [])
    disks = _disks(inst)
    null_io = ("read_bytes", "read_requests", "write_bytes", "write_requests", "errors_count")
    return {
        "state": states.POWER_STATE_NAMES.get(inst.power_state, "pending"),
        # Nova's model names the libvirt driver for QEMU guests (its fake driver does too).
        "driver": "libvirt",
        "hypervisor": hypervisor,
        "hypervisor_os": "linux",
        "uptime": max(uptime, 0) if uptime is not None else None,
        "config_drive": bool(inst.config_drive),
        "num_cpus": inst.vcpus,
        "num_nics": len(ports),
        "num_disks": len(disks),
        "memory_details": {"maximum": inst.memory_mb, "used": None},
        "cpu_details": [{"id": n, "time": None, "utilisation": None} for n in range(inst.vcpus)],
        "nic_details": [
            {
                "mac_address": p.get("mac_address"),
                **{f"{d}x_{k}": None for d in ("r", "t") for k in ("octets", "errors", "drop", "packets", "rate")},
            }
            for p in ports
        ],
        "disk_details": [{k: None for k in null_io} for _ in disks],
    }


def _legacy(inst: Instance) -> dict[str, Any]:
    """Before 2.48 each driver had its own keys; these are the libvirt driver's."""
    data: dict[str, Any] = {f"cpu{n}_time": 0 for n in range(inst.vcpus)}
    data.update({"memory": inst.memory_mb * 1024, "memory-actual": inst.memory_mb * 1024})
    for disk in _disks(inst):
        for key in ("read_req", "read", "write_req", "write", "errors"):
            data[f"{disk['device']}_{key}"] = 0
    for n, _port in enumerate(inst.ports or []):
        for key in ("rx", "rx_drop", "rx_errors", "rx_packets", "tx", "tx_drop", "tx_errors", "tx_packets"):
            data[f"tap{n}_{key}"] = 0
    return data


async def diagnostics(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    # As Nova: the server first (another project's is not found), then the rule.
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.admin(ctx, "os_compute_api:os-server-diagnostics")
    if not inst.host or inst.vm_state in (states.BUILDING, states.SHELVED_OFFLOADED):
        raise Conflict(f"Cannot 'get_diagnostics' instance {inst.uuid} while it is in vm_state {inst.vm_state}")
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    hypervisor = "fake" if svc.config.driver == "fake" else "qemu"
    return json_response(_standard(inst, hypervisor) if at_least(request, 48) else _legacy(inst))


async def inject_network_info(request: Request, inst: Instance, args: Any) -> Response:
    """injectNetworkInfo (its value is not looked at, as in Nova): pocketstack's guests
    take their addresses by DHCP and from the config drive, so there is nothing to push;
    the action is recorded, as Nova does."""
    policy.admin(request.context, "os_compute_api:os-admin-actions:inject_network_info")
    async with service(request).db.writer() as s:
        actions.start_action(s, inst.uuid, "inject_network_info", request.context.to_dict())
    return empty(202)


def not_soft_deleted(inst: Instance, name: str) -> Conflict:
    return Conflict(f"Cannot '{name}' instance {inst.uuid} while it is in vm_state {inst.vm_state}")


async def restore(request: Request, inst: Instance, args: Any) -> Response:
    policy.owner(request.context, inst.project_id, "os_compute_api:os-deferred-delete:restore")
    raise not_soft_deleted(inst, "restore")


async def force_delete(request: Request, inst: Instance, args: Any) -> Response:
    policy.owner(request.context, inst.project_id, "os_compute_api:os-deferred-delete:force")
    raise not_soft_deleted(inst, "forceDelete")


async def password_show(request: Request) -> Response:
    """GET /servers/{id}/os-server-password: the encrypted password a guest posted to the
    metadata service (kept in the server's system metadata; empty until one is)."""
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-server-password:show")
    return json_response({"password": str((inst.system_metadata or {}).get("password") or "")})


async def password_clear(request: Request) -> Response:
    """DELETE /servers/{id}/os-server-password: forget it (the guest's own is unchanged)."""
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-server-password:clear")
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is not None:
            meta = dict(row.system_metadata or {})
            meta.pop("password", None)
            row.system_metadata = meta
    return empty(204)
