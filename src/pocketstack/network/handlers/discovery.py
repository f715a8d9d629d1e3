"""Version discovery and the extension list clients probe before using a feature."""

from __future__ import annotations

from pocketstack.network import faults
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import many
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

_UPDATED = "2026-11-01T00:00:00-00:00"

# (alias, name, description) of every extension this service implements.
EXTENSIONS = [
    ("security-group", "security-group", "The security groups extension."),
    (
        "router",
        "Neutron L3 Router",
        "Router abstraction for basic L3 forwarding between L2 Neutron networks and "
        "access to external networks via a NAT gateway.",
    ),
    (
        "ext-gw-mode",
        "Neutron L3 Configurable external gateway mode",
        "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway",
    ),
    ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
    ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP."),
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
    ("port-security", "Port Security", "Provides port security"),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
    ("quotas", "Quota management support", "Expose functions for quotas management per project"),
    ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
    (
        "standard-attr-tag",
        "Tag support for resources with standard attribute",
        "Enables to set tag on resources with standard attribute.",
    ),
    ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
    (
        "standard-attr-timestamp",
        "Resource timestamps",
        "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.",
    ),
    (
        "standard-attr-revisions",
        "Resource revision numbers",
        "This extension will display the revision number of neutron resources.",
    ),
    (
        "network-ip-availability",
        "Network IP Availability",
        "Provides IP availability data for each network and subnet.",
    ),
    (
        "ip-substring-filtering",
        "IP address substring filtering",
        "Provides IP address substring filtering when listing ports",
    ),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("auto-allocated-topology", "Auto Allocated Topology Services", "Auto Allocated Topology Services."),
    ("network_availability_zone", "Network Availability Zone", "Availability zone support for network."),
    ("filter-validation", "Filter parameters validation", "Provides validation on filter parameters."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is enabled."),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
    ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource"),
    ("stateful-security-group", "Stateful security group", "Extension adding a stateful attribute to security groups."),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("agent", "agent", "The agent management extension."),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"),
    (
        "service-type",
        "Neutron Service Type Management",
        "API for retrieving service providers for Neutron advanced services",
    ),
    ("availability_zone", "Availability Zone", "The availability zone extension."),
    (
        "subnet-external-network",
        "Subnet External Network",
        "Informs if the subnet is associated to an external network.",
    ),
]


def _extension(alias: str, name: str, description: str) -> dict[str, object]:
    return {"alias": alias, "name": name, "description": description, "updated": _UPDATED, "links": []}


async def versions(deps: Deps, request: Request) -> Response:
    href = f"{request.base_url}/v2.0/"
    return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": href}]}]})


async def resources(deps: Deps, request: Request) -> Response:
    base = f"{request.base_url}/v2.0"
    names = [
        ("network", "networks"),
        ("subnet", "subnets"),
        ("port", "ports"),
        ("router", "routers"),
        ("floatingip", "floatingips"),
        ("security_group", "security-groups"),
        ("security_group_rule", "security-group-rules"),
        ("quota", "quotas"),
        ("agent", "agents"),
        ("availability_zone", "availability_zones"),
        ("service_provider", "service-providers"),
        ("subnetpool", "subnetpools"),
    ]
    return json_response(
        {
            "resources": [
                {"name": n, "collection": c, "links": [{"rel": "self", "href": f"{base}/{c}"}]} for n, c in names
            ]
        }
    )


async def extensions(deps: Deps, request: Request) -> Response:
    return json_response({"extensions": [_extension(*e) for e in EXTENSIONS]})


async def extension(deps: Deps, request: Request) -> Response:
    alias = request.path_params["alias"]
    for ext in EXTENSIONS:
        if ext[0] == alias:
            return json_response({"extension": _extension(*ext)})
    raise faults.not_found_text("ExtensionNotFound", f"Extension with alias {alias} does not exist")


async def service_providers(deps: Deps, request: Request) -> Response:
    """No advanced service (VPN, load balancer, router flavors) has providers to choose
    from here: an empty list, as Neutron with none configured."""
    return many(request, "service_providers", "ServiceProvider", [])
