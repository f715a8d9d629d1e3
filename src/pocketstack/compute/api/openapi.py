"""The request bodies of the compute API (Nova v2.1; the legacy /v2 routes take the same
bodies), for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.compute.api import schemas
from pocketstack.compute.api.handlers import server_actions
from pocketstack.compute.api.handlers.aggregates import CREATE, HOST, METADATA, UPDATE
from pocketstack.compute.api.handlers.assisted_snapshots import CREATE_SCHEMA
from pocketstack.compute.api.handlers.volume_attachments import ATTACH_SCHEMA, UPDATE_SCHEMA
from pocketstack.compute.api.handlers.volumes import SNAPSHOT_CREATE, VOLUME_CREATE
from pocketstack.web.openapi import UNCHECKED, RequestBodies, Responses, any_of, one_action

# The actions server_actions.action dispatches (their arguments are checked there).
SERVER_ACTIONS = (
    *server_actions.POWER,
    *server_actions.MOVES,
    "os-getConsoleOutput",
    "reboot",
    "lock",
    "unlock",
    "injectNetworkInfo",
    "restore",
    "forceDelete",
    "addFloatingIp",
    "removeFloatingIp",
    "addSecurityGroup",
    "removeSecurityGroup",
    "os-resetState",
    "createImage",
    "rebuild",
    "trigger_crash_dump",
    "rescue",
    "unrescue",
    "createBackup",
)

_BODIES: RequestBodies = {
    ("POST", "/v2.1/flavors"): schemas.FLAVOR_CREATE,
    ("PUT", "/v2.1/flavors/{flavor_id}"): schemas.FLAVOR_UPDATE,
    ("POST", "/v2.1/flavors/{flavor_id}/action"): any_of(schemas.FLAVOR_ACCESS_ADD, schemas.FLAVOR_ACCESS_REMOVE),
    ("POST", "/v2.1/flavors/{flavor_id}/os-extra_specs"): schemas.EXTRA_SPECS,
    ("PUT", "/v2.1/images/{image_id}/metadata"): schemas.METADATA_BODY,
    ("POST", "/v2.1/images/{image_id}/metadata"): schemas.METADATA_BODY,
    ("PUT", "/v2.1/images/{image_id}/metadata/{key}"): schemas.META_ITEM_BODY,
    ("POST", "/v2.1/os-volumes"): VOLUME_CREATE,
    ("POST", "/v2.1/os-snapshots"): SNAPSHOT_CREATE,
    ("POST", "/v2.1/os-keypairs"): schemas.KEYPAIR_CREATE,
    ("PUT", "/v2.1/os-quota-sets/{project_id}"): schemas.QUOTA_UPDATE,
    ("PUT", "/v2.1/os-quota-class-sets/{class_name}"): schemas.QUOTA_UPDATE,
    ("POST", "/v2.1/servers"): schemas.SERVER_CREATE,
    ("PUT", "/v2.1/servers/{server_id}"): schemas.SERVER_UPDATE,
    ("PUT", "/v2.1/servers/{server_id}/metadata"): schemas.METADATA_BODY,
    ("POST", "/v2.1/servers/{server_id}/metadata"): schemas.METADATA_BODY,
    ("PUT", "/v2.1/servers/{server_id}/metadata/{key}"): schemas.META_ITEM_BODY,
    ("POST", "/v2.1/servers/{server_id}/os-interface"): schemas.INTERFACE_ATTACH,
    ("PUT", "/v2.1/os-services/{service_id}"): schemas.SERVICE_UPDATE,
    ("POST", "/v2.1/os-server-groups"): schemas.SERVER_GROUP_CREATE,
    ("POST", "/v2.1/os-server-external-events"): schemas.EXTERNAL_EVENTS,
    ("POST", "/v2.1/servers/{server_id}/os-volume_attachments"): ATTACH_SCHEMA,
    ("PUT", "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}"): UPDATE_SCHEMA,
    ("POST", "/v2.1/os-assisted-volume-snapshots"): CREATE_SCHEMA,
    ("POST", "/v2.1/os-aggregates"): CREATE,
    ("PUT", "/v2.1/os-aggregates/{aggregate_id}"): UPDATE,
    ("POST", "/v2.1/os-aggregates/{aggregate_id}/action"): any_of(HOST, METADATA),
    ("PUT", "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}"): UNCHECKED,  # flavors.extra_spec_update
    ("POST", "/v2.1/os-security-groups"): UNCHECKED,  # security_groups.create
    ("PUT", "/v2.1/os-security-groups/{group_id}"): UNCHECKED,  # security_groups.update
    ("POST", "/v2.1/os-security-group-rules"): UNCHECKED,  # security_groups.rule_create
    ("POST", "/v2.1/os-floating-ips"): UNCHECKED,  # floating_ips.create
    ("PUT", "/v2.1/servers/{server_id}/tags"): UNCHECKED,  # server_tags.replace
    ("POST", "/v2.1/servers/{server_id}/action"): one_action(SERVER_ACTIONS),
    ("PUT", "/v2.1/os-hosts/{host_name}"): UNCHECKED,  # hosts.os_host_update
}


# The legacy /v2 endpoint serves every /v2.1 call.
REQUEST_BODIES: RequestBodies = {
    **_BODIES,
    **{(method, "/v2" + pattern[len("/v2.1") :]): body for (method, pattern), body in _BODIES.items()},
}

# Nova answers external events none of whose servers exist with a 404 carrying the
# events and their codes, not a fault.
_EVENTS = {
    "type": "object",
    "required": ["events"],
    "properties": {"events": {"type": "array", "items": {"type": "object", "required": ["name", "code"]}}},
}
RESPONSES: Responses = {
    (method, prefix + "/os-server-external-events"): {
        "404": {"description": "No event's server exists", "content": {"application/json": {"schema": _EVENTS}}}
    }
    for method in ("POST",)
    for prefix in ("/v2.1", "/v2")
}
