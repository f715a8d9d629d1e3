"""The network service's policy rules: Neutron's names and its secure-RBAC defaults
(``neutron/conf/policies``; Neutron's "Policy Reference").

Targets: a resource's own attributes (``project_id``, ``shared``, ``router:external``,
...) plus, where Neutron has them, its parent's as ``network:project_id`` (the
network of a subnet or port) and ``security_group:project_id`` (the group of a rule).

Where pocketstack differs, on purpose:
- ``get_quota`` also lets a project's readers read their own quota (Neutron before the
  ``manager`` role), as this cloud's clients expect;
- binding attributes (``binding:host_id``, ``binding:profile``) are set and shown for
  admins, the service role, and user requests a cloud service relays with its
  X-Service-Token (``relayed_by_service``: the compute agent binds a user's port that
  way); Neutron lets only the service role set ``binding:profile``.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault

BINDING = "(rule:admin_only) or (rule:service_api) or rule:relayed_by_service"
# Neutron's composed check strings, as they read once composed.
_READER = "role:reader and project_id:%(project_id)s"
_MEMBER = "role:member and project_id:%(project_id)s"


def _r(name: str, check: str, description: str, *operations: str) -> RuleDefault:
    return RuleDefault(name, check, description, operations)


RULES = [
    _r("context_is_admin", "role:admin", "Rule for cloud admin access"),
    _r("context_with_global_access", "!", "Rule for context with global access to the resources"),
    _r("service_api", "role:service", "Default rule for the service-to-service APIs"),
    _r(
        "relayed_by_service",
        "service_roles:service or service_roles:admin",
        "A user request a cloud service relays with its X-Service-Token (the compute agent binding a port)",
    ),
    _r("owner", "project_id:%(project_id)s", "Rule for resource owner access"),
    _r("admin_or_owner", "rule:context_is_admin or rule:owner", "Rule for admin or owner access"),
    _r("context_is_advsvc", "role:advsvc", "Rule for advsvc role access"),
    _r(
        "admin_or_network_owner",
        "rule:context_is_admin or project_id:%(network:project_id)s",
        "Rule for admin or network owner access",
    ),
    _r(
        "admin_owner_or_network_owner",
        "rule:owner or rule:admin_or_network_owner",
        "Rule for resource owner, admin or network owner access",
    ),
    _r("network_owner", "project_id:%(network:project_id)s", "Rule for network owner access"),
    _r("admin_only", "rule:context_is_admin", "Rule for admin-only access"),
    _r("regular_user", "", "Rule for regular user access"),
    _r("shared", "field:networks:shared=True", "Rule of shared network"),
    _r("default", "rule:admin_or_owner", "Default access rule"),
    _r(
        "admin_or_ext_parent_owner",
        "rule:context_is_admin or project_id:%(ext_parent:project_id)s",
        "Rule for common parent owner check",
    ),
    _r("ext_parent_owner", "project_id:%(ext_parent:project_id)s", "Rule for common parent owner check"),
    _r("sg_owner", "project_id:%(security_group:project_id)s", "Rule for security group owner access"),
    _r("external", "field:networks:router:external=True", "Definition of an external network"),
    _r("external_network", "field:subnets:router:external=True", "Definition of a subnet of an external network"),
    _r(
        "admin_or_sg_owner",
        "rule:context_is_admin or project_id:%(security_group:project_id)s",
        "Rule for admin or security group owner access",
    ),
    _r(
        "admin_owner_or_sg_owner",
        "rule:owner or rule:admin_or_sg_owner",
        "Rule for resource owner, admin or security group owner access",
    ),
    _r("shared_security_group", "field:security_groups:shared=True", "Definition of a shared security group"),
    _r("shared_subnetpools", "field:subnetpools:shared=True", "Definition of a shared subnet pool"),
    _r(
        "create_network",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a network",
        "POST /networks",
    ),
    _r("create_network:shared", "rule:admin_only", "Create a network (its ``shared`` attribute)", "POST /networks"),
    _r(
        "create_network:router:external",
        "rule:admin_only",
        "Create a network (its ``router:external`` attribute)",
        "POST /networks",
    ),
    _r(
        "create_network:is_default",
        "rule:admin_only",
        "Create a network (its ``is_default`` attribute)",
        "POST /networks",
    ),
    _r(
        "create_network:provider:network_type",
        "rule:admin_only",
        "Create a network (its ``provider:network_type`` attribute)",
        "POST /networks",
    ),
    _r(
        "create_network:provider:physical_network",
        "rule:admin_only",
        "Create a network (its ``provider:physical_network`` attribute)",
        "POST /networks",
    ),
    _r(
        "create_network:provider:segmentation_id",
        "rule:admin_only",
        "Create a network (its ``provider:segmentation_id`` attribute)",
        "POST /networks",
    ),
    _r(
        "get_network",
        f"(rule:admin_only) or ({_READER}) or rule:service_api"
        " or rule:shared or rule:external or rule:context_is_advsvc",
        "Get a network",
        "GET /networks",
        "GET /networks/{id}",
    ),
    _r(
        "get_network:provider:network_type",
        "rule:admin_only",
        "Get a network (its ``provider:network_type`` attribute)",
        "GET /networks",
        "GET /networks/{id}",
    ),
    _r(
        "get_network:provider:physical_network",
        "rule:admin_only",
        "Get a network (its ``provider:physical_network`` attribute)",
        "GET /networks",
        "GET /networks/{id}",
    ),
    _r(
        "get_network:provider:segmentation_id",
        "rule:admin_only",
        "Get a network (its ``provider:segmentation_id`` attribute)",
        "GET /networks",
        "GET /networks/{id}",
    ),
    _r(
        "update_network",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a network",
        "PUT /networks/{id}",
    ),
    _r("update_network:shared", "rule:admin_only", "Update a network (its ``shared`` attribute)", "PUT /networks/{id}"),
    _r(
        "update_network:router:external",
        "rule:admin_only",
        "Update a network (its ``router:external`` attribute)",
        "PUT /networks/{id}",
    ),
    _r(
        "update_network:is_default",
        "rule:admin_only",
        "Update a network (its ``is_default`` attribute)",
        "PUT /networks/{id}",
    ),
    _r(
        "update_network:provider:network_type",
        "rule:admin_only",
        "Update a network (its ``provider:network_type`` attribute)",
        "PUT /networks/{id}",
    ),
    _r(
        "update_network:provider:physical_network",
        "rule:admin_only",
        "Update a network (its ``provider:physical_network`` attribute)",
        "PUT /networks/{id}",
    ),
    _r(
        "update_network:provider:segmentation_id",
        "rule:admin_only",
        "Update a network (its ``provider:segmentation_id`` attribute)",
        "PUT /networks/{id}",
    ),
    _r(
        "delete_network",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a network",
        "DELETE /networks/{id}",
    ),
    _r(
        "create_subnet", "(rule:admin_only) or (role:member and rule:network_owner)", "Create a subnet", "POST /subnets"
    ),
    _r(
        "create_subnet:segment_id", "rule:admin_only", "Create a subnet (its ``segment_id`` attribute)", "POST /subnets"
    ),
    _r(
        "create_subnet:service_types",
        "rule:admin_only",
        "Create a subnet (its ``service_types`` attribute)",
        "POST /subnets",
    ),
    _r(
        "get_subnet",
        f"{_READER} or rule:shared or rule:external_network or (rule:admin_only)"
        " or (role:reader and rule:network_owner) or rule:service_api",
        "Get a subnet",
        "GET /subnets",
        "GET /subnets/{id}",
    ),
    _r(
        "get_subnet:segment_id",
        "rule:admin_only",
        "Get a subnet (its ``segment_id`` attribute)",
        "GET /subnets",
        "GET /subnets/{id}",
    ),
    _r(
        "update_subnet",
        "role:member and project_id:%(project_id)s or (rule:admin_only) or (role:member and rule:network_owner)",
        "Update a subnet",
        "PUT /subnets/{id}",
    ),
    _r(
        "update_subnet:segment_id",
        "rule:admin_only",
        "Update a subnet (its ``segment_id`` attribute)",
        "PUT /subnets/{id}",
    ),
    _r(
        "update_subnet:service_types",
        "rule:admin_only",
        "Update a subnet (its ``service_types`` attribute)",
        "PUT /subnets/{id}",
    ),
    _r(
        "delete_subnet",
        "role:member and project_id:%(project_id)s or (rule:admin_only) or (role:member and rule:network_owner)",
        "Delete a subnet",
        "DELETE /subnets/{id}",
    ),
    _r(
        "create_port",
        "(rule:admin_only) or (rule:service_api) or role:member and rule:network_owner or rule:shared",
        "Create a port",
        "POST /ports",
    ),
    _r(
        "create_port:mac_address",
        "(rule:admin_only) or (rule:service_api) or role:member and rule:network_owner",
        "Create a port (its ``mac_address`` attribute)",
        "POST /ports",
    ),
    _r("create_port:binding:host_id", BINDING, "Create a port (its ``binding:host_id`` attribute)", "POST /ports"),
    _r("create_port:binding:profile", BINDING, "Create a port (its ``binding:profile`` attribute)", "POST /ports"),
    _r(
        "get_port",
        f"(rule:admin_only) or (rule:service_api) or role:reader and rule:network_owner or {_READER}",
        "Get a port",
        "GET /ports",
        "GET /ports/{id}",
    ),
    _r(
        "get_port:binding:vif_type",
        BINDING,
        "Get a port (its ``binding:vif_type`` attribute)",
        "GET /ports",
        "GET /ports/{id}",
    ),
    _r(
        "get_port:binding:vif_details",
        BINDING,
        "Get a port (its ``binding:vif_details`` attribute)",
        "GET /ports",
        "GET /ports/{id}",
    ),
    _r(
        "get_port:binding:host_id",
        BINDING,
        "Get a port (its ``binding:host_id`` attribute)",
        "GET /ports",
        "GET /ports/{id}",
    ),
    _r(
        "get_port:binding:profile",
        BINDING,
        "Get a port (its ``binding:profile`` attribute)",
        "GET /ports",
        "GET /ports/{id}",
    ),
    _r(
        "update_port",
        "(rule:admin_only) or (rule:service_api) or role:member and project_id:%(project_id)s",
        "Update a port",
        "PUT /ports/{id}",
    ),
    _r(
        "update_port:mac_address",
        "(rule:admin_only) or (rule:service_api) or role:manager and rule:network_owner",
        "Update a port (its ``mac_address`` attribute)",
        "PUT /ports/{id}",
    ),
    _r("update_port:binding:host_id", BINDING, "Update a port (its ``binding:host_id`` attribute)", "PUT /ports/{id}"),
    _r("update_port:binding:profile", BINDING, "Update a port (its ``binding:profile`` attribute)", "PUT /ports/{id}"),
    _r(
        "delete_port",
        f"(rule:admin_only) or (rule:service_api) or role:member and rule:network_owner or {_MEMBER}",
        "Delete a port",
        "DELETE /ports/{id}",
    ),
    _r(
        "create_router",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a router",
        "POST /routers",
    ),
    _r(
        "create_router:external_gateway_info",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a router (its ``external_gateway_info`` attribute)",
        "POST /routers",
    ),
    _r(
        "create_router:external_gateway_info:network_id",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a router (its ``external_gateway_info:network_id`` attribute)",
        "POST /routers",
    ),
    _r(
        "create_router:external_gateway_info:enable_snat",
        "rule:admin_only",
        "Create a router (its ``external_gateway_info:enable_snat`` attribute)",
        "POST /routers",
    ),
    _r(
        "create_router:external_gateway_info:external_fixed_ips",
        "rule:admin_only",
        "Create a router (its ``external_gateway_info:external_fixed_ips`` attribute)",
        "POST /routers",
    ),
    _r(
        "get_router",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s)",
        "Get a router",
        "GET /routers",
        "GET /routers/{id}",
    ),
    _r(
        "update_router",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a router",
        "PUT /routers/{id}",
    ),
    _r(
        "update_router:external_gateway_info",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a router (its ``external_gateway_info`` attribute)",
        "PUT /routers/{id}",
    ),
    _r(
        "update_router:external_gateway_info:network_id",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a router (its ``external_gateway_info:network_id`` attribute)",
        "PUT /routers/{id}",
    ),
    _r(
        "update_router:external_gateway_info:enable_snat",
        "rule:admin_only",
        "Update a router (its ``external_gateway_info:enable_snat`` attribute)",
        "PUT /routers/{id}",
    ),
    _r(
        "update_router:external_gateway_info:external_fixed_ips",
        "rule:admin_only",
        "Update a router (its ``external_gateway_info:external_fixed_ips`` attribute)",
        "PUT /routers/{id}",
    ),
    _r(
        "delete_router",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a router",
        "DELETE /routers/{id}",
    ),
    _r(
        "add_router_interface",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Add router interface",
        "PUT /routers/{id}/add_router_interface",
    ),
    _r(
        "remove_router_interface",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Remove router interface",
        "PUT /routers/{id}/remove_router_interface",
    ),
    _r(
        "create_floatingip",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a floatingip",
        "POST /floatingips",
    ),
    _r(
        "create_floatingip:floating_ip_address",
        "(rule:admin_only) or (role:manager and project_id:%(project_id)s)",
        "Create a floatingip (its ``floating_ip_address`` attribute)",
        "POST /floatingips",
    ),
    _r(
        "get_floatingip",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s)",
        "Get a floatingip",
        "GET /floatingips",
        "GET /floatingips/{id}",
    ),
    _r(
        "update_floatingip",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a floatingip",
        "PUT /floatingips/{id}",
    ),
    _r(
        "delete_floatingip",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a floatingip",
        "DELETE /floatingips/{id}",
    ),
    _r(
        "create_security_group",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a security group",
        "POST /security-groups",
    ),
    _r(
        "get_security_group",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s) or rule:shared_security_group",
        "Get a security group",
        "GET /security-groups",
        "GET /security-groups/{id}",
    ),
    _r(
        "update_security_group",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a security group",
        "PUT /security-groups/{id}",
    ),
    _r(
        "delete_security_group",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a security group",
        "DELETE /security-groups/{id}",
    ),
    _r(
        "create_security_group_rule",
        "(rule:admin_only) or (role:member and rule:sg_owner)",
        "Create a security group rule",
        "POST /security-group-rules",
    ),
    _r(
        "get_security_group_rule",
        "(rule:admin_only) or (role:reader and rule:sg_owner)",
        "Get a security group rule",
        "GET /security-group-rules",
        "GET /security-group-rules/{id}",
    ),
    _r(
        "delete_security_group_rule",
        "(rule:admin_only) or (role:member and rule:sg_owner)",
        "Delete a security group rule",
        "DELETE /security-group-rules/{id}",
    ),
    _r(
        "create_subnetpool",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a subnetpool",
        "POST /subnetpools",
    ),
    _r(
        "create_subnetpool:shared",
        "rule:admin_only",
        "Create a subnetpool (its ``shared`` attribute)",
        "POST /subnetpools",
    ),
    _r(
        "create_subnetpool:is_default",
        "rule:admin_only",
        "Create a subnetpool (its ``is_default`` attribute)",
        "POST /subnetpools",
    ),
    _r(
        "get_subnetpool",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s) or rule:shared_subnetpools",
        "Get a subnetpool",
        "GET /subnetpools",
        "GET /subnetpools/{id}",
    ),
    _r(
        "update_subnetpool",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a subnetpool",
        "PUT /subnetpools/{id}",
    ),
    _r(
        "update_subnetpool:is_default",
        "rule:admin_only",
        "Update a subnetpool (its ``is_default`` attribute)",
        "PUT /subnetpools/{id}",
    ),
    _r(
        "delete_subnetpool",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a subnetpool",
        "DELETE /subnetpools/{id}",
    ),
    _r(
        "get_quota",
        f"(rule:admin_only) or (role:manager and project_id:%(project_id)s) or ({_READER})",
        "Get a quota",
        "GET /quotas/{project_id}",
    ),
    _r("update_quota", "rule:admin_only", "Update a quota", "PUT /quotas/{project_id}"),
    _r("delete_quota", "rule:admin_only", "Delete a quota", "DELETE /quotas/{project_id}"),
    _r("get_agent", "rule:admin_only", "Get a agent", "GET /agents/{id}"),
    _r("update_agent", "rule:admin_only", "Update a agent", "PUT /agents/{id}"),
    _r("delete_agent", "rule:admin_only", "Delete a agent", "DELETE /agents/{id}"),
    _r(
        "get_network_ip_availability",
        "(rule:admin_only) or (rule:service_api)",
        "Get a network ip availability",
        "GET /network-ip-availabilities",
        "GET /network-ip-availabilities/{id}",
    ),
    _r(
        "get_auto_allocated_topology",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s)",
        "Get a auto allocated topology",
        "GET /auto-allocated-topology/{project_id}",
    ),
    _r(
        "delete_auto_allocated_topology",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a auto allocated topology",
        "DELETE /auto-allocated-topology/{project_id}",
    ),
    _r(
        "create_network:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a network (its ``tags`` attribute)",
        "POST /networks/{id}/tags/{tag}",
    ),
    _r(
        "get_network:tags",
        f"(rule:admin_only) or ({_READER}) or rule:shared or rule:external or rule:context_is_advsvc",
        "Get a network (its ``tags`` attribute)",
        "GET /networks/{id}/tags",
    ),
    _r(
        "update_network:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a network (its ``tags`` attribute)",
        "PUT /networks/{id}/tags",
    ),
    _r(
        "delete_network:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a network (its ``tags`` attribute)",
        "DELETE /networks/{id}/tags/{tag}",
    ),
    _r(
        "create_subnet:tags",
        "role:member and project_id:%(project_id)s or (rule:admin_only) or (role:member and rule:network_owner)",
        "Create a subnet (its ``tags`` attribute)",
        "POST /subnets/{id}/tags/{tag}",
    ),
    _r(
        "get_subnet:tags",
        f"{_READER} or rule:shared or rule:external_network or (rule:admin_only)"
        " or (role:reader and rule:network_owner)",
        "Get a subnet (its ``tags`` attribute)",
        "GET /subnets/{id}/tags",
    ),
    _r(
        "update_subnet:tags",
        "role:member and project_id:%(project_id)s or (rule:admin_only) or (role:member and rule:network_owner)",
        "Update a subnet (its ``tags`` attribute)",
        "PUT /subnets/{id}/tags",
    ),
    _r(
        "delete_subnet:tags",
        "role:member and project_id:%(project_id)s or (rule:admin_only) or (role:member and rule:network_owner)",
        "Delete a subnet (its ``tags`` attribute)",
        "DELETE /subnets/{id}/tags/{tag}",
    ),
    _r(
        "create_port:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s) or rule:context_is_advsvc",
        "Create a port (its ``tags`` attribute)",
        "POST /ports/{id}/tags/{tag}",
    ),
    _r(
        "get_port:tags",
        f"rule:context_is_advsvc or (rule:admin_only) or (role:reader and rule:network_owner) or {_READER}",
        "Get a port (its ``tags`` attribute)",
        "GET /ports/{id}/tags",
    ),
    _r(
        "update_port:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s) or rule:context_is_advsvc",
        "Update a port (its ``tags`` attribute)",
        "PUT /ports/{id}/tags",
    ),
    _r(
        "delete_port:tags",
        f"rule:context_is_advsvc or {_MEMBER} or (rule:admin_only) or (role:member and rule:network_owner)",
        "Delete a port (its ``tags`` attribute)",
        "DELETE /ports/{id}/tags/{tag}",
    ),
    _r(
        "create_router:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a router (its ``tags`` attribute)",
        "POST /routers/{id}/tags/{tag}",
    ),
    _r(
        "get_router:tags",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s)",
        "Get a router (its ``tags`` attribute)",
        "GET /routers/{id}/tags",
    ),
    _r(
        "update_router:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a router (its ``tags`` attribute)",
        "PUT /routers/{id}/tags",
    ),
    _r(
        "delete_router:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a router (its ``tags`` attribute)",
        "DELETE /routers/{id}/tags/{tag}",
    ),
    _r(
        "create_floatingip:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a floatingip (its ``tags`` attribute)",
        "POST /floatingips/{id}/tags/{tag}",
    ),
    _r(
        "get_floatingip:tags",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s)",
        "Get a floatingip (its ``tags`` attribute)",
        "GET /floatingips/{id}/tags",
    ),
    _r(
        "update_floatingip:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a floatingip (its ``tags`` attribute)",
        "PUT /floatingips/{id}/tags",
    ),
    _r(
        "delete_floatingip:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a floatingip (its ``tags`` attribute)",
        "DELETE /floatingips/{id}/tags/{tag}",
    ),
    _r(
        "create_security_group:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a security group (its ``tags`` attribute)",
        "POST /security-groups/{id}/tags/{tag}",
    ),
    _r(
        "get_security_group:tags",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s) or rule:shared_security_group",
        "Get a security group (its ``tags`` attribute)",
        "GET /security-groups/{id}/tags",
    ),
    _r(
        "update_security_group:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a security group (its ``tags`` attribute)",
        "PUT /security-groups/{id}/tags",
    ),
    _r(
        "delete_security_group:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a security group (its ``tags`` attribute)",
        "DELETE /security-groups/{id}/tags/{tag}",
    ),
    _r(
        "create_subnetpool:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Create a subnetpool (its ``tags`` attribute)",
        "POST /subnetpools/{id}/tags/{tag}",
    ),
    _r(
        "get_subnetpool:tags",
        "(rule:admin_only) or (role:reader and project_id:%(project_id)s) or rule:shared_subnetpools",
        "Get a subnetpool (its ``tags`` attribute)",
        "GET /subnetpools/{id}/tags",
    ),
    _r(
        "update_subnetpool:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Update a subnetpool (its ``tags`` attribute)",
        "PUT /subnetpools/{id}/tags",
    ),
    _r(
        "delete_subnetpool:tags",
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)",
        "Delete a subnetpool (its ``tags`` attribute)",
        "DELETE /subnetpools/{id}/tags/{tag}",
    ),
]
