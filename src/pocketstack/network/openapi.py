"""The request bodies of the network API (Neutron v2.0), for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.network import schemas
from pocketstack.web.openapi import UNCHECKED, RequestBodies, resource

REQUEST_BODIES: RequestBodies = {
    ("POST", "/v2.0/security-group-rules"): resource("security_group_rule", schemas.RULE_CREATE),
    ("PUT", "/v2.0/quotas/{project_id}"): resource("quota", schemas.QUOTA_UPDATE),
    ("PUT", "/v2.0/agents/{agent_id}"): resource("agent", schemas.AGENT_UPDATE),
    ("POST", "/v2.0/networks"): resource("network", schemas.NETWORK_CREATE),
    ("PUT", "/v2.0/networks/{network_id}"): resource("network", schemas.NETWORK_UPDATE),
    ("PUT", "/v2.0/networks/{network_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/subnets"): resource("subnet", schemas.SUBNET_CREATE),
    ("PUT", "/v2.0/subnets/{subnet_id}"): resource("subnet", schemas.SUBNET_UPDATE),
    ("PUT", "/v2.0/subnets/{subnet_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/ports"): resource("port", schemas.PORT_CREATE),
    ("PUT", "/v2.0/ports/{port_id}"): resource("port", schemas.PORT_UPDATE),
    ("PUT", "/v2.0/ports/{port_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/routers"): resource("router", schemas.ROUTER_CREATE),
    ("PUT", "/v2.0/routers/{router_id}"): resource("router", schemas.ROUTER_UPDATE),
    ("PUT", "/v2.0/routers/{router_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/floatingips"): resource("floatingip", schemas.FLOATINGIP_CREATE),
    ("PUT", "/v2.0/floatingips/{floatingip_id}"): resource("floatingip", schemas.FLOATINGIP_UPDATE),
    ("PUT", "/v2.0/floatingips/{floatingip_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/security-groups"): resource("security_group", schemas.SECURITY_GROUP_CREATE),
    ("PUT", "/v2.0/security-groups/{security_group_id}"): resource("security_group", schemas.SECURITY_GROUP_UPDATE),
    ("PUT", "/v2.0/security-groups/{security_group_id}/tags"): schemas.TAGS_REPLACE,
    ("POST", "/v2.0/subnetpools"): resource("subnetpool", schemas.SUBNETPOOL_CREATE),
    ("PUT", "/v2.0/subnetpools/{subnetpool_id}"): resource("subnetpool", schemas.SUBNETPOOL_UPDATE),
    ("PUT", "/v2.0/subnetpools/{subnetpool_id}/tags"): schemas.TAGS_REPLACE,
    ("PUT", "/v2.0/routers/{router_id}/add_router_interface"): UNCHECKED,  # routers.add_interface
    ("PUT", "/v2.0/routers/{router_id}/remove_router_interface"): UNCHECKED,  # routers.remove_interface
}
