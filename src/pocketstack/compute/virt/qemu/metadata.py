"""What the config drive says about an instance: meta_data.json and network_data.json.

The layout follows Nova's OpenStack metadata format: ``public_keys`` maps the keypair's
name to its public key (and ``keys`` lists it), ``meta`` carries the server metadata,
and network_data.json has one link per port (by MAC) and a network per fixed IP.
"""

from __future__ import annotations

from typing import Any

from pocketstack.compute.virt.driver import InstanceSpec


def meta_data(spec: InstanceSpec, *, key_name: str = "", availability_zone: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "uuid": spec.uuid,
        "name": spec.name,
        "hostname": spec.hostname or spec.name,
        "launch_index": 0,
        "availability_zone": availability_zone or spec.availability_zone or "nova",
        "meta": dict(spec.metadata),
        "devices": [],
        "project_id": spec.project_id,
    }
    if spec.key_data:
        name = key_name or spec.key_name or "key"
        data["public_keys"] = {name: spec.key_data}
        data["keys"] = [{"name": name, "type": "ssh", "data": spec.key_data}]
    return data


def network_data(vifs: list[dict[str, Any]], devnames: dict[str, str]) -> dict[str, Any]:
    """Links by MAC; every IPv4 fixed IP is served by DHCP on that link (Nova's ipv4_dhcp)."""
    links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    for vif in vifs:
        link_id = devnames.get(vif["id"], f"tap{vif['id'][:11]}")
        links.append(
            {
                "id": link_id,
                "vif_id": vif["id"],
                "type": vif.get("vif_type") or "bridge",
                "ethernet_mac_address": vif.get("mac_address"),
                "mtu": vif.get("mtu"),
            }
        )
        for ip in vif.get("fixed_ips", []):
            v6 = ":" in ip.get("ip_address", "")
            networks.append(
                {
                    "id": f"network{len(networks)}",
                    "link": link_id,
                    "type": "ipv6_dhcp" if v6 else "ipv4_dhcp",
                    "network_id": vif.get("network_id"),
                }
            )
    return {"links": links, "networks": networks, "services": []}
