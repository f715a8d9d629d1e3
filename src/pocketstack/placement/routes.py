"""Placement's route table (paths relative to the /placement mount)."""

from __future__ import annotations

from pocketstack.placement.handlers import (
    aggregates,
    allocation_candidates,
    allocations,
    inventories,
    reshaper,
    resource_classes,
    resource_providers,
    root,
    traits,
    usages,
)
from pocketstack.web.routing import Route

RP = "/resource_providers/{uuid}"

ROUTES: list[Route] = [
    Route("GET", "/", root.versions, auth=False),
    Route("GET", "/resource_providers", resource_providers.list_providers),
    Route("POST", "/resource_providers", resource_providers.create),
    Route("GET", RP, resource_providers.show),
    Route("PUT", RP, resource_providers.update),
    Route("DELETE", RP, resource_providers.delete),
    Route("GET", f"{RP}/inventories", inventories.list_inventories),
    Route("PUT", f"{RP}/inventories", inventories.replace_inventories),
    Route("POST", f"{RP}/inventories", inventories.create_inventory),
    Route("DELETE", f"{RP}/inventories", inventories.delete_inventories),
    Route("GET", f"{RP}/inventories/{{resource_class}}", inventories.show_inventory),
    Route("PUT", f"{RP}/inventories/{{resource_class}}", inventories.update_inventory),
    Route("DELETE", f"{RP}/inventories/{{resource_class}}", inventories.delete_inventory),
    Route("GET", f"{RP}/usages", usages.for_provider),
    Route("GET", f"{RP}/allocations", allocations.for_provider),
    Route("GET", f"{RP}/aggregates", aggregates.show),
    Route("PUT", f"{RP}/aggregates", aggregates.put),
    Route("GET", f"{RP}/traits", traits.for_provider),
    Route("PUT", f"{RP}/traits", traits.set_for_provider),
    Route("DELETE", f"{RP}/traits", traits.delete_for_provider),
    Route("GET", "/allocations/{consumer_uuid}", allocations.show),
    Route("PUT", "/allocations/{consumer_uuid}", allocations.put),
    Route("DELETE", "/allocations/{consumer_uuid}", allocations.delete),
    Route("POST", "/allocations", allocations.post),
    Route("GET", "/allocation_candidates", allocation_candidates.list_candidates),
    Route("POST", "/reshaper", reshaper.reshape),
    Route("GET", "/usages", usages.for_project),
    Route("GET", "/resource_classes", resource_classes.list_classes),
    Route("POST", "/resource_classes", resource_classes.create),
    Route("GET", "/resource_classes/{name}", resource_classes.show),
    Route("PUT", "/resource_classes/{name}", resource_classes.put),
    Route("DELETE", "/resource_classes/{name}", resource_classes.delete),
    Route("GET", "/traits", traits.list_traits),
    Route("GET", "/traits/{name}", traits.show),
    Route("PUT", "/traits/{name}", traits.put),
    Route("DELETE", "/traits/{name}", traits.delete),
]
