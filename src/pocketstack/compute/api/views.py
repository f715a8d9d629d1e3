"""Servers as the API shows them, per microversion."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, TypeAlias

from sqlalchemy import Row

from pocketstack.common.timeutils import iso
from pocketstack.compute import disk_config, states
from pocketstack.compute.api.common import at_least, base_url, links
from pocketstack.compute.models import Instance, InstanceFault
from pocketstack.web.request import Request

# An entity, or a row with the same attribute names (instances.get_row).
InstanceLike: TypeAlias = Instance | Row[Any] | Any


def host_id(inst: InstanceLike) -> str:
    if not inst.host:
        return ""
    return hashlib.sha224((inst.project_id + inst.host).encode()).hexdigest()


def summary(request: Request, inst: InstanceLike) -> dict[str, Any]:
    return {"id": inst.uuid, "name": inst.name, "links": links(request, "servers", inst.uuid)}


def _flavor(request: Request, inst: InstanceLike) -> dict[str, Any]:
    f = inst.flavor or {}
    if not at_least(request, 47):
        return {
            "id": inst.flavor_id,
            "links": [{"rel": "bookmark", "href": f"{base_url(request)}/flavors/{inst.flavor_id}"}],
        }
    return {
        "vcpus": f.get("vcpus"),
        "ram": f.get("memory_mb"),
        "disk": f.get("root_gb"),
        "ephemeral": f.get("ephemeral_gb", 0),
        "swap": f.get("swap", 0),
        "original_name": f.get("name"),
        "extra_specs": dict(f.get("extra_specs") or {}),
    }


def _image(request: Request, inst: InstanceLike) -> Any:
    if not inst.image_ref:
        return ""
    image: dict[str, Any] = {
        "id": inst.image_ref,
        "links": [{"rel": "bookmark", "href": f"{base_url(request)}/images/{inst.image_ref}"}],
    }
    if at_least(request, 98):
        image["properties"] = dict((inst.image_meta or {}).get("properties") or {})
    return image


def _usage_time(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value is not None else None


def fault_view(request: Request, fault: InstanceFault) -> dict[str, Any]:
    data: dict[str, Any] = {"code": fault.code, "created": iso(fault.created_at), "message": fault.message}
    if request.context.is_admin or fault.code != 500:
        data["details"] = fault.details
    return data


def detail(
    request: Request,
    inst: InstanceLike,
    *,
    fault: InstanceFault | None = None,
    host_up: bool | None = None,
    groups: list[str] | None = None,
) -> dict[str, Any]:
    ctx = request.context
    data: dict[str, Any] = {
        "id": inst.uuid,
        "name": inst.name,
        "status": states.status(inst.vm_state, inst.task_state),
        "tenant_id": inst.project_id,
        "user_id": inst.user_id,
        "metadata": dict(inst.metadata_ or {}),
        "hostId": host_id(inst),
        "image": _image(request, inst),
        "flavor": _flavor(request, inst),
        "created": iso(inst.created_at),
        "updated": iso(inst.updated_at or inst.created_at),
        "addresses": inst.addresses or {},
        "accessIPv4": inst.access_ip_v4 or "",
        "accessIPv6": inst.access_ip_v6 or "",
        "links": links(request, "servers", inst.uuid),
        "OS-DCF:diskConfig": disk_config.shown(inst.system_metadata),
        "OS-EXT-AZ:availability_zone": inst.availability_zone or "",
        "config_drive": "True" if inst.config_drive else "",
        "key_name": inst.key_name,
        "OS-SRV-USG:launched_at": _usage_time(inst.launched_at),
        "OS-SRV-USG:terminated_at": _usage_time(inst.terminated_at),
        "OS-EXT-STS:task_state": inst.task_state,
        "OS-EXT-STS:vm_state": inst.vm_state,
        "OS-EXT-STS:power_state": inst.power_state,
        "os-extended-volumes:volumes_attached": [
            # delete_on_termination is shown from 2.3 on.
            {"id": b["volume_id"], "delete_on_termination": bool(b.get("delete_on_termination"))}
            if at_least(request, 3)
            else {"id": b["volume_id"]}
            for b in inst.block_device_mapping or []
            if b.get("volume_id")
        ],
    }
    if inst.vm_state in (states.BUILDING, states.ACTIVE):
        data["progress"] = inst.progress
    # A server whose groups were all removed shows none (the key is absent, as in Nova).
    groups_ = ["default"] if inst.security_groups is None else list(inst.security_groups)
    if groups_:
        data["security_groups"] = [{"name": n} for n in groups_]
    if fault is not None and inst.vm_state in (states.ERROR, states.DELETED):
        data["fault"] = fault_view(request, fault)
    if ctx.is_admin:
        data.update(
            {
                "OS-EXT-SRV-ATTR:host": inst.host,
                "OS-EXT-SRV-ATTR:hypervisor_hostname": inst.node,
                "OS-EXT-SRV-ATTR:instance_name": f"instance-{inst.seq:08x}",
            }
        )
        if at_least(request, 3):
            data.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": inst.reservation_id,
                    "OS-EXT-SRV-ATTR:launch_index": inst.launch_index,
                    "OS-EXT-SRV-ATTR:hostname": inst.hostname,
                    "OS-EXT-SRV-ATTR:kernel_id": (inst.image_meta or {}).get("kernel_id", ""),
                    "OS-EXT-SRV-ATTR:ramdisk_id": (inst.image_meta or {}).get("ramdisk_id", ""),
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": inst.user_data,
                }
            )
    elif at_least(request, 90):
        data["OS-EXT-SRV-ATTR:hostname"] = inst.hostname
    if at_least(request, 9):
        data["locked"] = inst.locked
    if at_least(request, 16) and ctx.is_admin:
        data["host_status"] = "" if not inst.host else ("UP" if host_up else "DOWN" if host_up is False else "UNKNOWN")
    if at_least(request, 19):
        data["description"] = inst.description
    if at_least(request, 26):
        data["tags"] = list(inst.tags or [])
    if at_least(request, 63):
        data["trusted_image_certificates"] = None
    if at_least(request, 71) and groups is not None:
        data["server_groups"] = groups
    if at_least(request, 73):
        data["locked_reason"] = inst.locked_reason
    if at_least(request, 96):
        data["pinned_availability_zone"] = inst.requested_availability_zone
    if at_least(request, 100):
        data["scheduler_hints"] = dict(inst.scheduler_hints or {})
    return data


# What PUT /servers/{id} and rebuild showed before 2.75 made them show all of GET's
# fields: the basic server, without the extension attributes (no AZ, no extended
# status or attributes, no key, usage, security groups or volumes, addresses without
# their type and MAC).
_BASIC = frozenset(
    {
        "id",
        "name",
        "status",
        "tenant_id",
        "user_id",
        "metadata",
        "hostId",
        "image",
        "flavor",
        "created",
        "updated",
        "addresses",
        "accessIPv4",
        "accessIPv6",
        "links",
        "OS-DCF:diskConfig",
        "progress",
        "fault",
        "locked",
        "description",
        "tags",
        "trusted_image_certificates",
        "server_groups",
        "locked_reason",
    }
)


def changed(request: Request, inst: InstanceLike, full: dict[str, Any], *, rebuild: bool = False) -> dict[str, Any]:
    """The server as an update or a rebuild answers: ``full`` (the GET view) from 2.75
    on, the basic fields before; a rebuild adds key_name from 2.54, user_data from 2.57."""
    if at_least(request, 75):
        data = dict(full)
    else:
        data = {k: v for k, v in full.items() if k in _BASIC}
        data["addresses"] = {
            net: [{"version": a["version"], "addr": a["addr"]} for a in addrs]
            for net, addrs in (full.get("addresses") or {}).items()
        }
    if rebuild and at_least(request, 54):
        data["key_name"] = inst.key_name
    if rebuild and at_least(request, 57):
        # A rebuild shows user_data under its own name only, even to admins.
        data.pop("OS-EXT-SRV-ATTR:user_data", None)
        data["user_data"] = inst.user_data
    return data
