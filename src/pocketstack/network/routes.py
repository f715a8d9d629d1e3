"""The network API's route table (Neutron v2.0)."""

from __future__ import annotations

from functools import partial
from typing import Any

from pocketstack.network.deps import Deps
from pocketstack.network.handlers import (
    agents,
    auto_allocate,
    availability,
    discovery,
    floating_ips,
    networks,
    ports,
    quotas,
    routers,
    security_groups,
    subnet_pools,
    subnets,
    tags,
)
from pocketstack.web.routing import Route

# (collection, id parameter, handler module with index/create/show/update/delete, taggable)
_CRUD: list[tuple[str, str, Any, bool]] = [
    ("networks", "network_id", networks, True),
    ("subnets", "subnet_id", subnets, True),
    ("ports", "port_id", ports, True),
    ("routers", "router_id", routers, True),
    ("floatingips", "floatingip_id", floating_ips, True),
    ("security-groups", "security_group_id", security_groups, True),
    ("subnetpools", "subnetpool_id", subnet_pools, True),
]


def routes(deps: Deps) -> list[Route]:
    def r(method: str, pattern: str, handler: Any, auth: bool = True) -> Route:
        return Route(method, pattern, partial(handler, deps), auth=auth)

    table = [
        r("GET", "/", discovery.versions, auth=False),
        r("GET", "/v2.0", discovery.resources),
        r("GET", "/v2.0/extensions", discovery.extensions),
        r("GET", "/v2.0/extensions/{alias}", discovery.extension),
        r("GET", "/v2.0/service-providers", discovery.service_providers),
        r("GET", "/v2.0/security-group-rules", security_groups.rule_index),
        r("POST", "/v2.0/security-group-rules", security_groups.rule_create),
        r("GET", "/v2.0/security-group-rules/{rule_id}", security_groups.rule_show),
        r("DELETE", "/v2.0/security-group-rules/{rule_id}", security_groups.rule_delete),
        r("PUT", "/v2.0/routers/{router_id}/add_router_interface", routers.add_interface),
        r("PUT", "/v2.0/routers/{router_id}/remove_router_interface", routers.remove_interface),
        r("GET", "/v2.0/quotas", quotas.index),
        r("GET", "/v2.0/quotas/{project_id}", quotas.show),
        r("PUT", "/v2.0/quotas/{project_id}", quotas.update),
        r("DELETE", "/v2.0/quotas/{project_id}", quotas.delete),
        r("GET", "/v2.0/quotas/{project_id}/default", quotas.defaults),
        r("GET", "/v2.0/quotas/{project_id}/details", quotas.details),
        r("GET", "/v2.0/quotas/{project_id}/details.json", quotas.details),
        r("GET", "/v2.0/network-ip-availabilities", availability.index),
        r("GET", "/v2.0/network-ip-availabilities/{network_id}", availability.show),
        r("GET", "/v2.0/auto-allocated-topology/{project_id}", auto_allocate.show),
        r("GET", "/v2.0/agents", agents.index),
        r("GET", "/v2.0/agents/{agent_id}", agents.show),
        r("PUT", "/v2.0/agents/{agent_id}", agents.update),
        r("DELETE", "/v2.0/agents/{agent_id}", agents.delete),
        r("GET", "/v2.0/availability_zones", agents.zones),
    ]
    for collection, param, module, taggable in _CRUD:
        item = f"/v2.0/{collection}/{{{param}}}"
        table += [
            r("GET", f"/v2.0/{collection}", module.index),
            r("POST", f"/v2.0/{collection}", module.create),
            r("GET", item, module.show),
            r("PUT", item, module.update),
            r("DELETE", item, module.delete),
        ]
        if taggable:
            table += [
                r("GET", f"{item}/tags", tags.index),
                r("PUT", f"{item}/tags", tags.replace),
                r("DELETE", f"{item}/tags", tags.clear),
                r("GET", f"{item}/tags/{{tag}}", tags.show),
                r("PUT", f"{item}/tags/{{tag}}", tags.add),
                r("DELETE", f"{item}/tags/{{tag}}", tags.remove),
            ]
    return table
