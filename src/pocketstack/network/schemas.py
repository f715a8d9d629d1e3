"""JSON Schemas of the request bodies (the resource object inside the envelope).

Semantic checks that need more than a schema (CIDR arithmetic, pools, references to other
resources) are done by the domain code; these only guarantee types and known attributes.
"""

from __future__ import annotations

from typing import Any

from pocketstack.web.validation import BOOLEAN, obj, string

NAME = string(255)
DESCRIPTION = string(255)
UUID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 36}
NULLABLE_UUID: dict[str, Any] = {"type": ["string", "null"], "maxLength": 36}
PROJECT = string(64, 1)
TAGS: dict[str, Any] = {"type": "array", "items": string(255, 1), "uniqueItems": True}
IP_TEXT: dict[str, Any] = {"type": "string", "maxLength": 64}

_owner = {"project_id": PROJECT, "tenant_id": PROJECT}
_standard = {"name": NAME, "description": DESCRIPTION}

NETWORK_CREATE = obj(
    {
        **_standard,
        **_owner,
        "admin_state_up": BOOLEAN,
        "shared": BOOLEAN,
        "router:external": BOOLEAN,
        "is_default": BOOLEAN,
        "mtu": {"type": "integer", "minimum": 68, "maximum": 9216},
        "port_security_enabled": BOOLEAN,
        "provider:network_type": {"type": "string", "enum": ["flat", "vlan", "vxlan", "geneve", "gre", "local"]},
        "provider:physical_network": {"type": ["string", "null"], "maxLength": 64},
        "provider:segmentation_id": {"type": ["integer", "null"], "minimum": 0, "maximum": 16777215},
        "availability_zone_hints": {"type": "array", "items": string(255)},
        "dns_domain": string(255),
        "tags": TAGS,
    }
)
NETWORK_UPDATE = obj(
    {
        k: v
        for k, v in NETWORK_CREATE["properties"].items()
        if k
        not in (
            "project_id",
            "tenant_id",
            "tags",
            "provider:network_type",
            "provider:physical_network",
            "provider:segmentation_id",
            "availability_zone_hints",
        )
    }
)

_pool = obj({"start": IP_TEXT, "end": IP_TEXT}, ["start", "end"])
_route = obj({"destination": IP_TEXT, "nexthop": IP_TEXT}, ["destination", "nexthop"])
SUBNET_CREATE = obj(
    {
        **_standard,
        **_owner,
        "network_id": UUID,
        "ip_version": {"type": "integer", "enum": [4, 6]},
        "cidr": IP_TEXT,
        "gateway_ip": {"type": ["string", "null"], "maxLength": 64},
        "enable_dhcp": BOOLEAN,
        "allocation_pools": {"type": "array", "items": _pool},
        "dns_nameservers": {"type": "array", "items": IP_TEXT, "maxItems": 5},
        "host_routes": {"type": "array", "items": _route, "maxItems": 20},
        "ipv6_ra_mode": {"type": ["string", "null"], "enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]},
        "ipv6_address_mode": {
            "type": ["string", "null"],
            "enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None],
        },
        "subnetpool_id": NULLABLE_UUID,
        "prefixlen": {"type": "integer"},
        "use_default_subnetpool": BOOLEAN,
        "service_types": {"type": "array", "items": string(255)},
        "segment_id": NULLABLE_UUID,
        "dns_publish_fixed_ip": BOOLEAN,
        "tags": TAGS,
    },
    ["network_id"],
)
SUBNET_UPDATE = obj(
    {
        k: SUBNET_CREATE["properties"][k]
        for k in (
            "name",
            "description",
            "gateway_ip",
            "enable_dhcp",
            "allocation_pools",
            "dns_nameservers",
            "host_routes",
        )
    }
)

_fixed_ip = obj({"subnet_id": UUID, "ip_address": IP_TEXT})
_pair = obj({"ip_address": IP_TEXT, "mac_address": string(32)}, ["ip_address"])
_dhcp_opt = obj(
    {
        "opt_name": string(255, 1),
        "opt_value": {"type": ["string", "null"], "maxLength": 255},
        "ip_version": {"type": "integer", "enum": [4, 6]},
    },
    ["opt_name"],
)
PORT_CREATE = obj(
    {
        **_standard,
        **_owner,
        "network_id": UUID,
        "admin_state_up": BOOLEAN,
        "mac_address": string(32),
        "fixed_ips": {"type": "array", "items": _fixed_ip},
        "device_id": string(255),
        "device_owner": string(255),
        "security_groups": {"type": "array", "items": UUID},
        "allowed_address_pairs": {"type": "array", "items": _pair, "maxItems": 10},
        "extra_dhcp_opts": {"type": "array", "items": _dhcp_opt},
        "port_security_enabled": BOOLEAN,
        "binding:host_id": string(255),
        "binding:vnic_type": {
            "type": "string",
            "enum": [
                "normal",
                "direct",
                "macvtap",
                "baremetal",
                "direct-physical",
                "virtio-forwarder",
                "smart-nic",
                "remote-managed",
            ],
        },
        "binding:profile": {"type": ["object", "null"]},
        "dns_name": string(255),
        "propagate_uplink_status": BOOLEAN,
        "tags": TAGS,
    },
    ["network_id"],
)
PORT_UPDATE = obj(
    {k: v for k, v in PORT_CREATE["properties"].items() if k not in ("network_id", "project_id", "tenant_id", "tags")}
)

SECURITY_GROUP_CREATE = obj({**_standard, **_owner, "stateful": BOOLEAN, "tags": TAGS})
SECURITY_GROUP_UPDATE = obj({**_standard, "stateful": BOOLEAN})

RULE_CREATE = obj(
    {
        **_owner,
        "security_group_id": UUID,
        "direction": {"type": "string", "enum": ["ingress", "egress"]},
        "ethertype": {"type": "string", "enum": ["IPv4", "IPv6"]},
        "protocol": {"type": ["string", "integer", "null"]},
        "port_range_min": {"type": ["integer", "null"]},
        "port_range_max": {"type": ["integer", "null"]},
        "remote_ip_prefix": {"type": ["string", "null"], "maxLength": 64},
        "remote_group_id": NULLABLE_UUID,
        "remote_address_group_id": NULLABLE_UUID,
        "description": DESCRIPTION,
    },
    ["security_group_id", "direction"],
)

_gateway = {
    "type": ["object", "null"],
    "properties": {
        "network_id": UUID,
        "enable_snat": BOOLEAN,
        "external_fixed_ips": {"type": "array", "items": _fixed_ip},
    },
    "additionalProperties": False,
}
ROUTER_CREATE = obj(
    {
        **_standard,
        **_owner,
        "admin_state_up": BOOLEAN,
        "external_gateway_info": _gateway,
        "distributed": BOOLEAN,
        "ha": BOOLEAN,
        "availability_zone_hints": {"type": "array", "items": string(255)},
        "tags": TAGS,
    }
)
ROUTER_UPDATE = obj(
    {
        **_standard,
        "admin_state_up": BOOLEAN,
        "external_gateway_info": _gateway,
        # null clears the routes, as [] does (Neutron's convert_none_to_empty_list).
        "routes": {"type": ["array", "null"], "items": _route},
    }
)
ROUTER_INTERFACE = obj({"subnet_id": UUID, "port_id": UUID})

FLOATINGIP_CREATE = obj(
    {
        **_owner,
        "floating_network_id": UUID,
        "floating_ip_address": IP_TEXT,
        "subnet_id": NULLABLE_UUID,
        "port_id": NULLABLE_UUID,
        "fixed_ip_address": {"type": ["string", "null"], "maxLength": 64},
        "description": DESCRIPTION,
        "dns_name": string(255),
        "dns_domain": string(255),
        "qos_policy_id": NULLABLE_UUID,
        "tags": TAGS,
    },
    ["floating_network_id"],
)
FLOATINGIP_UPDATE = obj(
    {
        "port_id": NULLABLE_UUID,
        "fixed_ip_address": {"type": ["string", "null"], "maxLength": 64},
        "description": DESCRIPTION,
    }
)

QUOTA_RESOURCES = (
    "network",
    "subnet",
    "port",
    "router",
    "floatingip",
    "security_group",
    "security_group_rule",
    "subnetpool",
    "rbac_policy",
    "trunk",
)
# Neutron's quota range: -1 to its DB_INTEGER_MAX_VALUE.
QUOTA_UPDATE = obj(
    {r: {"type": "integer", "minimum": -1, "maximum": 2**31 - 1} for r in QUOTA_RESOURCES} | {"force": BOOLEAN}
)

TAGS_REPLACE = obj({"tags": TAGS}, ["tags"])

AGENT_UPDATE = obj({"admin_state_up": BOOLEAN, "description": DESCRIPTION})

_prefixlen: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 128}
SUBNETPOOL_CREATE = obj(
    {
        "name": string(255, 1),
        "description": DESCRIPTION,
        **_owner,
        "prefixes": {"type": "array", "items": IP_TEXT, "minItems": 1},
        "default_prefixlen": _prefixlen,
        "min_prefixlen": _prefixlen,
        "max_prefixlen": _prefixlen,
        "shared": BOOLEAN,
        "is_default": BOOLEAN,
        "default_quota": {"type": ["integer", "null"], "minimum": 0},
        # Address scopes are not built: only "none" is accepted.
        "address_scope_id": {"type": "null"},
        "tags": TAGS,
    },
    ["name", "prefixes"],
)
SUBNETPOOL_UPDATE = obj(
    {
        k: SUBNETPOOL_CREATE["properties"][k]
        for k in (
            "name",
            "description",
            "prefixes",
            "default_prefixlen",
            "min_prefixlen",
            "max_prefixlen",
            "is_default",
            "default_quota",
            "address_scope_id",
        )
    }
)
