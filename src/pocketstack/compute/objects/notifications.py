"""Payloads of the versioned notifications compute publishes on the bus."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pocketstack.common.timeutils import iso, parse_iso
from pocketstack.compute import states
from pocketstack.compute.models import Instance


def row_payload(row: dict[str, Any]) -> dict[str, Any]:
    """The payload of an instance row as the conductor returns it to an agent (a dict);
    a column it lacks is left null."""
    names = (
        "uuid name host node vm_state task_state power_state project_id user_id image_ref flavor "
        "vcpus memory_mb root_gb created_at launched_at availability_zone reservation_id addresses"
    ).split()
    values = {name: row.get(name) for name in names}
    for name in ("created_at", "launched_at"):
        text = values[name]
        if isinstance(text, str):
            values[name] = parse_iso(text)
    return instance_payload(SimpleNamespace(**values))


def instance_payload(inst: Instance | Any) -> dict[str, Any]:
    """From an entity, or anything with its attribute names (a row merged with the
    values just written)."""
    return {
        "nova_object.name": "InstanceActionPayload",
        "nova_object.namespace": "nova",
        "nova_object.version": "1.8",
        "nova_object.data": {
            "uuid": inst.uuid,
            "display_name": inst.name,
            "host": inst.host,
            "node": inst.node,
            "state": inst.vm_state,
            "task_state": inst.task_state,
            "power_state": states.POWER_STATE_NAMES.get(inst.power_state, "pending"),
            "tenant_id": inst.project_id,
            "user_id": inst.user_id,
            "image_uuid": inst.image_ref,
            "flavor": {
                "name": (inst.flavor or {}).get("name"),
                "vcpus": inst.vcpus,
                "memory_mb": inst.memory_mb,
                "root_gb": inst.root_gb,
            },
            "created_at": iso(inst.created_at),
            "launched_at": iso(inst.launched_at),
            "availability_zone": inst.availability_zone,
            "reservation_id": inst.reservation_id,
            "ip_addresses": ip_payloads(getattr(inst, "addresses", None)),
        },
    }


def ip_payloads(addresses: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Nova's IpPayload list from the addresses the API shows ({network: [entries]});
    fixed addresses only, as Nova's payload has them."""
    out = []
    for label, entries in (addresses or {}).items():
        for entry in entries or []:
            if entry.get("OS-EXT-IPS:type", "fixed") != "fixed":
                continue
            out.append(
                {
                    "nova_object.name": "IpPayload",
                    "nova_object.namespace": "nova",
                    "nova_object.version": "1.0",
                    "nova_object.data": {
                        "label": label,
                        "mac": entry.get("OS-EXT-IPS-MAC:mac_addr"),
                        "version": entry.get("version"),
                        "address": entry.get("addr"),
                        "meta": {},
                    },
                }
            )
    return out


def update_payload(inst: Instance | Any, old_state: str | None, old_task_state: str | None) -> dict[str, Any]:
    """``instance.update``: the instance payload with the state transition
    (``state_update``: old and new vm and task state) as Nova's InstanceUpdatePayload."""
    payload = instance_payload(inst)
    payload["nova_object.name"] = "InstanceUpdatePayload"
    payload["nova_object.data"]["state_update"] = {
        "nova_object.name": "InstanceStateUpdatePayload",
        "nova_object.namespace": "nova",
        "nova_object.version": "1.0",
        "nova_object.data": {
            "old_state": old_state,
            "state": inst.vm_state,
            "old_task_state": old_task_state,
            "new_task_state": inst.task_state,
        },
    }
    return payload
