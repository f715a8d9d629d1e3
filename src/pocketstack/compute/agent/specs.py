"""What the agent hands the driver and the conductor, made from the conductor's view of
an instance: the driver's InstanceSpec, and a port as the instance records it (``ports``)
with its entries in the API's ``addresses``."""

from __future__ import annotations

from typing import Any

from pocketstack.compute.virt.driver import InstanceSpec


def instance_spec(
    inst: dict[str, Any],
    image: dict[str, Any],
    network_info: list[dict[str, Any]],
    zone: str,
    block_devices: list[dict[str, Any]] | None = None,
) -> InstanceSpec:
    flavor = inst.get("flavor") or {}
    return InstanceSpec(
        uuid=inst["uuid"],
        name=inst["name"],
        vcpus=inst["vcpus"],
        memory_mb=inst["memory_mb"],
        root_gb=inst["root_gb"],
        image=image,
        hostname=inst["hostname"],
        user_data=inst["user_data"],
        key_data=inst["key_data"],
        metadata=inst["metadata"],
        network_info=network_info,
        config_drive=inst["config_drive"],
        ephemeral_gb=int(flavor.get("ephemeral_gb") or 0),
        swap_mb=int(flavor.get("swap") or 0),
        key_name=inst.get("key_name") or "",
        project_id=inst.get("project_id") or "",
        availability_zone=inst.get("availability_zone") or zone,
        block_devices=block_devices or [],
    )


def saved_port(port: dict[str, Any], created: bool) -> dict[str, Any]:
    """A bound port as the instance keeps it (and as the driver's network info)."""
    return {
        "id": port["id"],
        "network_id": port["network_id"],
        "mac_address": port.get("mac_address"),
        "fixed_ips": port.get("fixed_ips", []),
        # How the network agent plugged it (the qemu driver finds the tap from these).
        "vif_type": port.get("binding:vif_type"),
        "details": port.get("binding:vif_details") or {},
        # A port the user gave outlives the server (unbound, not deleted), as in Nova.
        "preserve_on_delete": not created,
    }


def address_entries(port: dict[str, Any], floating: list[str] | None = None) -> list[dict[str, Any]]:
    """The port's fixed addresses, then the ``floating`` ones mapped to it (as Nova lists them)."""
    fixed = [(ip["ip_address"], "fixed") for ip in port.get("fixed_ips", [])]
    return [
        {
            "version": 6 if ":" in address else 4,
            "addr": address,
            "OS-EXT-IPS:type": kind,
            "OS-EXT-IPS-MAC:mac_addr": port.get("mac_address"),
        }
        for address, kind in fixed + [(a, "floating") for a in floating or []]
    ]
