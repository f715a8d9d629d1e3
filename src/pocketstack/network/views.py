"""Rows to the JSON Neutron returns (the serialize step of every handler).

Admin-only attributes (provider, binding) are shown as their ``get_<resource>:<attribute>``
rules allow: admins (and, for bindings, services), as in Neutron's default policy.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.timeutils import iso
from pocketstack.network import policy
from pocketstack.network.models import FloatingIp, Network, Port, Router, SecurityGroup, SecurityGroupRule, Subnet


def _project(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "tenant_id": project_id}


def _standard(row: Any) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "tags": list(row.tags or []),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "revision_number": row.revision_number,
    }


def network(ctx: RequestContext, net: Network, subnet_ids: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": net.id,
        **_standard(net),
        **_project(net.project_id),
        "admin_state_up": net.admin_state_up,
        "status": net.status,
        "subnets": sorted(subnet_ids),
        "shared": net.shared,
        "router:external": net.external,
        "is_default": net.is_default,
        "mtu": net.mtu,
        "port_security_enabled": net.port_security_enabled,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "l2_adjacency": True,
        "dns_domain": "",
    }
    # Each provider attribute is shown as its get_network:<attribute> rule allows.
    for name, value in (
        ("provider:network_type", net.network_type),
        ("provider:physical_network", net.physical_network),
        ("provider:segmentation_id", net.segmentation_id),
    ):
        if policy.allowed(ctx, f"get_network:{name}"):
            data[name] = value
    return data


def subnet(sub: Subnet, external: bool) -> dict[str, Any]:
    """``external``: whether its network is external (the subnet-external-network extension)."""
    return {
        "id": sub.id,
        **_standard(sub),
        **_project(sub.project_id),
        "network_id": sub.network_id,
        "ip_version": sub.ip_version,
        "cidr": sub.cidr,
        "gateway_ip": sub.gateway_ip,
        "enable_dhcp": sub.enable_dhcp,
        "allocation_pools": list(sub.allocation_pools),
        "dns_nameservers": list(sub.dns_nameservers),
        "host_routes": list(sub.host_routes),
        "ipv6_ra_mode": sub.ipv6_ra_mode,
        "ipv6_address_mode": sub.ipv6_address_mode,
        "subnetpool_id": sub.subnetpool_id,
        "service_types": [],
        "segment_id": None,
        "dns_publish_fixed_ip": False,
        "router:external": external,
    }


def port(ctx: RequestContext, p: Port, fixed_ips: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": p.id,
        **_standard(p),
        **_project(p.project_id),
        "network_id": p.network_id,
        "mac_address": p.mac_address,
        "admin_state_up": p.admin_state_up,
        "status": p.status,
        "device_id": p.device_id,
        "device_owner": p.device_owner,
        "fixed_ips": fixed_ips,
        "allowed_address_pairs": list(p.allowed_address_pairs),
        "extra_dhcp_opts": list(p.extra_dhcp_opts),
        "security_groups": list(p.security_groups),
        "port_security_enabled": p.port_security_enabled,
        "binding:vnic_type": p.binding_vnic_type,
        "dns_name": "",
        "dns_assignment": [],
        "propagate_uplink_status": False,
    }
    for name, value in (
        ("binding:host_id", p.binding_host_id),
        ("binding:vif_type", p.binding_vif_type),
        ("binding:vif_details", dict(p.binding_vif_details)),
        ("binding:profile", dict(p.binding_profile)),
    ):
        if policy.allowed(ctx, f"get_port:{name}"):
            data[name] = value
    return data


def normalized_cidr(prefix: str | None) -> str | None:
    """The network of a rule's remote_ip_prefix (10.0.0.5/24 -> 10.0.0.0/24)."""
    return None if prefix is None else str(ip_network(prefix, strict=False))


def rule(r: SecurityGroupRule) -> dict[str, Any]:
    return {
        "id": r.id,
        **_project(r.project_id),
        "security_group_id": r.security_group_id,
        "direction": r.direction,
        "ethertype": r.ethertype,
        "protocol": r.protocol,
        "port_range_min": r.port_range_min,
        "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix,
        "remote_group_id": r.remote_group_id,
        "remote_address_group_id": None,
        "normalized_cidr": normalized_cidr(r.remote_ip_prefix),
        "description": r.description,
        "belongs_to_default_sg": None,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "revision_number": r.revision_number,
    }


def security_group(sg: SecurityGroup, rules: list[SecurityGroupRule], is_default: bool) -> dict[str, Any]:
    return {
        "id": sg.id,
        **_standard(sg),
        **_project(sg.project_id),
        "stateful": sg.stateful,
        "shared": False,
        "is_default": is_default,
        "security_group_rules": [rule(r) for r in rules],
    }


def router(r: Router, gateway_ips: list[dict[str, str]]) -> dict[str, Any]:
    gateway = None
    if r.gw_network_id:
        gateway = {"network_id": r.gw_network_id, "enable_snat": r.enable_snat, "external_fixed_ips": gateway_ips}
    return {
        "id": r.id,
        **_standard(r),
        **_project(r.project_id),
        "admin_state_up": r.admin_state_up,
        "status": r.status,
        "external_gateway_info": gateway,
        "routes": list(r.routes),
        "distributed": False,
        "ha": False,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "flavor_id": None,
        "enable_ndp_proxy": None,
    }


def floating_ip(f: FloatingIp, port: Port | None) -> dict[str, Any]:
    """``port``: the associated port, for ``port_details`` (fip-port-details)."""
    details = None
    if port is not None:
        details = {
            "name": port.name,
            "network_id": port.network_id,
            "mac_address": port.mac_address,
            "admin_state_up": port.admin_state_up,
            "status": port.status,
            "device_id": port.device_id,
            "device_owner": port.device_owner,
        }
    return {
        "id": f.id,
        **_project(f.project_id),
        "floating_network_id": f.floating_network_id,
        "floating_ip_address": f.floating_ip_address,
        "port_id": f.port_id,
        "fixed_ip_address": f.fixed_ip_address,
        "router_id": f.router_id,
        "status": f.status,
        "description": f.description,
        "tags": list(f.tags or []),
        "port_details": details,
        "port_forwardings": [],
        "dns_domain": "",
        "dns_name": "",
        "qos_policy_id": None,
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
        "revision_number": f.revision_number,
    }
