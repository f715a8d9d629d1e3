"""Placement's policy rules: its names and its secure-RBAC defaults (Placement's
"Placement Policies" reference).

Placement is an internal API: nova, neutron and operators call it with admin or
service tokens; only a project's usages are open to that project's readers.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault

ADMIN_OR_SERVICE = "rule:admin_or_service_api"

_BASE = [
    RuleDefault("admin_api", "role:admin", "Default rule for most placement APIs."),
    RuleDefault("service_api", "role:service", "Default rule for service-to-service placement APIs."),
    RuleDefault("admin_or_service_api", "role:admin or role:service", "Default rule for most placement APIs."),
    RuleDefault("project_reader_api", "role:reader and project_id:%(project_id)s", "Project level reader APIs."),
    RuleDefault(
        "admin_or_project_reader_or_service_api",
        "role:admin or rule:project_reader_api or role:service",
        "Default rule for project level reader APIs.",
    ),
]


def _api(name: str, description: str, *operations: str, check: str = ADMIN_OR_SERVICE) -> RuleDefault:
    return RuleDefault(f"placement:{name}", check, description, operations)


RP = "/resource_providers/{uuid}"

RULES = [
    *_BASE,
    _api("resource_providers:list", "List resource providers.", "GET /resource_providers"),
    _api("resource_providers:create", "Create resource provider.", "POST /resource_providers"),
    _api("resource_providers:show", "Show resource provider.", f"GET {RP}"),
    _api("resource_providers:update", "Update resource provider.", f"PUT {RP}"),
    _api("resource_providers:delete", "Delete resource provider.", f"DELETE {RP}"),
    _api("resource_classes:list", "List resource classes.", "GET /resource_classes"),
    _api("resource_classes:create", "Create resource class.", "POST /resource_classes"),
    _api("resource_classes:show", "Show resource class.", "GET /resource_classes/{name}"),
    _api("resource_classes:update", "Update resource class.", "PUT /resource_classes/{name}"),
    _api("resource_classes:delete", "Delete resource class.", "DELETE /resource_classes/{name}"),
    _api("resource_providers:inventories:list", "List resource provider inventories.", f"GET {RP}/inventories"),
    _api("resource_providers:inventories:create", "Create one resource provider inventory.", f"POST {RP}/inventories"),
    _api(
        "resource_providers:inventories:show",
        "Show resource provider inventory.",
        f"GET {RP}/inventories/{{resource_class}}",
    ),
    _api(
        "resource_providers:inventories:update",
        "Update resource provider inventory.",
        f"PUT {RP}/inventories",
        f"PUT {RP}/inventories/{{resource_class}}",
    ),
    _api(
        "resource_providers:inventories:delete",
        "Delete resource provider inventory.",
        f"DELETE {RP}/inventories",
        f"DELETE {RP}/inventories/{{resource_class}}",
    ),
    _api("resource_providers:aggregates:list", "List resource provider aggregates.", f"GET {RP}/aggregates"),
    _api("resource_providers:aggregates:update", "Update resource provider aggregates.", f"PUT {RP}/aggregates"),
    _api("resource_providers:usages", "List resource provider usages.", f"GET {RP}/usages"),
    _api(
        "usages",
        "List total resource usages for a given project.",
        "GET /usages",
        check="rule:admin_or_project_reader_or_service_api",
    ),
    _api("traits:list", "List traits.", "GET /traits"),
    _api("traits:show", "Show trait.", "GET /traits/{name}"),
    _api("traits:update", "Update trait.", "PUT /traits/{name}"),
    _api("traits:delete", "Delete trait.", "DELETE /traits/{name}"),
    _api("resource_providers:traits:list", "List resource provider traits.", f"GET {RP}/traits"),
    _api("resource_providers:traits:update", "Update resource provider traits.", f"PUT {RP}/traits"),
    _api("resource_providers:traits:delete", "Delete resource provider traits.", f"DELETE {RP}/traits"),
    _api("allocations:manage", "Manage allocations.", "POST /allocations"),
    _api("allocations:list", "List allocations.", "GET /allocations/{consumer_uuid}"),
    _api("allocations:update", "Update allocations.", "PUT /allocations/{consumer_uuid}"),
    _api("allocations:delete", "Delete allocations.", "DELETE /allocations/{consumer_uuid}"),
    _api("resource_providers:allocations:list", "List resource provider allocations.", f"GET {RP}/allocations"),
    _api("allocation_candidates:list", "List allocation candidates.", "GET /allocation_candidates"),
    _api("reshaper:reshape", "Reshape Inventory and Allocations.", "POST /reshaper"),
]
