"""The request bodies of the placement API, for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.placement import schemas
from pocketstack.placement.versions import MAX
from pocketstack.web.openapi import RequestBodies, any_of

LATEST = int(MAX.split(".")[1])


REQUEST_BODIES: RequestBodies = {
    ("POST", "/resource_providers"): schemas.provider_create(parent=True),
    ("PUT", "/resource_providers/{uuid}"): schemas.provider_update(parent=True),
    ("PUT", "/resource_providers/{uuid}/inventories"): schemas.INVENTORIES_PUT,
    ("POST", "/resource_providers/{uuid}/inventories"): schemas.INVENTORY_POST,
    ("PUT", "/resource_providers/{uuid}/inventories/{resource_class}"): schemas.INVENTORY_PUT,
    ("PUT", "/resource_providers/{uuid}/aggregates"): any_of(schemas.PROVIDER_AGGREGATES, schemas.AGGREGATE_LIST),
    ("PUT", "/resource_providers/{uuid}/traits"): schemas.PROVIDER_TRAITS,
    ("PUT", "/allocations/{consumer_uuid}"): schemas.allocations_put(LATEST),
    ("POST", "/allocations"): schemas.allocations_post(LATEST),
    ("POST", "/reshaper"): schemas.reshaper(LATEST),
    ("POST", "/resource_classes"): schemas.RESOURCE_CLASS,
    ("PUT", "/resource_classes/{name}"): schemas.RESOURCE_CLASS,
}
