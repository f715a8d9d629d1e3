"""The request bodies of the volume API (Cinder v3; each call also under
/v3/{project_id}), for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.volume.api import schemas
from pocketstack.volume.api.handlers import volume_actions
from pocketstack.web.errors import error_schema
from pocketstack.web.openapi import UNCHECKED, RequestBodies, Responses, any_of, one_action

_BODIES: RequestBodies = {
    ("POST", "/v3/volumes"): schemas.VOLUME_CREATE,
    ("PUT", "/v3/volumes/{volume_id}"): schemas.VOLUME_UPDATE,
    ("PUT", "/v3/volumes/{volume_id}/metadata/{key}"): schemas.META_ITEM,
    ("POST", "/v3/snapshots"): schemas.SNAPSHOT_CREATE,
    ("PUT", "/v3/snapshots/{snapshot_id}"): schemas.SNAPSHOT_UPDATE,
    ("PUT", "/v3/snapshots/{snapshot_id}/metadata/{key}"): schemas.META_ITEM,
    ("POST", "/v3/types"): schemas.TYPE_CREATE,
    ("PUT", "/v3/types/{type_id}"): schemas.TYPE_UPDATE,
    ("POST", "/v3/types/{type_id}/extra_specs"): schemas.EXTRA_SPECS,
    ("POST", "/v3/types/{type_id}/encryption"): schemas.ENCRYPTION_CREATE,
    ("PUT", "/v3/types/{type_id}/encryption/{key}"): schemas.ENCRYPTION_UPDATE,
    ("PUT", "/v3/default-types/{target_project}"): schemas.DEFAULT_TYPE,
    ("POST", "/v3/qos-specs"): schemas.QOS_CREATE,
    ("PUT", "/v3/qos-specs/{qos_id}"): schemas.QOS_SET,
    ("PUT", "/v3/qos-specs/{qos_id}/delete_keys"): schemas.QOS_UNSET,
    ("POST", "/v3/group_types"): schemas.GROUP_TYPE_CREATE,
    ("PUT", "/v3/group_types/{group_type_id}"): schemas.GROUP_TYPE_UPDATE,
    ("POST", "/v3/group_types/{group_type_id}/group_specs"): schemas.GROUP_SPECS,
    ("POST", "/v3/groups"): schemas.GROUP_CREATE,
    ("POST", "/v3/groups/action"): schemas.GROUP_FROM_SRC,
    ("PUT", "/v3/groups/{group_id}"): schemas.GROUP_UPDATE,
    ("POST", "/v3/groups/{group_id}/action"): any_of(schemas.GROUP_DELETE, schemas.GROUP_RESET),
    ("POST", "/v3/os-volume-transfer"): schemas.TRANSFER_CREATE,
    ("POST", "/v3/os-volume-transfer/{transfer_id}/accept"): schemas.TRANSFER_ACCEPT,
    ("POST", "/v3/volume-transfers"): schemas.TRANSFER_CREATE,
    ("POST", "/v3/volume-transfers/{transfer_id}/accept"): schemas.TRANSFER_ACCEPT,
    ("POST", "/v3/attachments"): schemas.ATTACHMENT_CREATE,
    ("PUT", "/v3/attachments/{attachment_id}"): schemas.ATTACHMENT_UPDATE,
    ("PUT", "/v3/os-quota-sets/{target_id}"): schemas.QUOTA_UPDATE,
    ("PUT", "/v3/os-quota-class-sets/{class_name}"): schemas.QUOTA_CLASS_UPDATE,
    ("PUT", "/v3/os-services/{action}"): any_of(schemas.SERVICE_FREEZE, schemas.SERVICE_DISABLE),
    ("POST", "/v3/volumes/{volume_id}/action"): one_action(volume_actions.ACTIONS),
    ("POST", "/v3/os-volume-manage"): schemas.VOLUME_MANAGE,
    ("POST", "/v3/manageable_volumes"): schemas.VOLUME_MANAGE,
    ("POST", "/v3/os-snapshot-manage"): schemas.SNAPSHOT_MANAGE,
    ("POST", "/v3/manageable_snapshots"): schemas.SNAPSHOT_MANAGE,
    ("POST", "/v3/group_snapshots"): schemas.GROUP_SNAPSHOT_CREATE,
    ("POST", "/v3/group_snapshots/{group_snapshot_id}/action"): UNCHECKED,  # groups.gsnaps_action
    ("PUT", "/v3/clusters/{cluster}"): UNCHECKED,  # clusters.update
    ("POST", "/v3/backups"): schemas.BACKUP_CREATE,
    ("PUT", "/v3/backups/{backup_id}"): schemas.BACKUP_UPDATE,
    ("POST", "/v3/backups/{backup_id}/restore"): schemas.BACKUP_RESTORE,
    ("POST", "/v3/backups/{backup_id}/action"): one_action(["os-reset_status", "os-force_delete"]),
    ("POST", "/v3/backups/import_record"): schemas.BACKUP_IMPORT,
    ("POST", "/v3/volumes/{volume_id}/metadata"): UNCHECKED,  # volumes.metadata_create
    ("PUT", "/v3/volumes/{volume_id}/metadata"): UNCHECKED,  # volumes.metadata_replace
    ("POST", "/v3/snapshots/{snapshot_id}/action"): one_action(
        ["os-reset_status", "os-update_snapshot_status", "os-force_delete"]
    ),
    ("POST", "/v3/snapshots/{snapshot_id}/metadata"): UNCHECKED,  # snapshots.metadata_create
    ("PUT", "/v3/snapshots/{snapshot_id}/metadata"): UNCHECKED,  # snapshots.metadata_replace
    ("POST", "/v3/types/{type_id}/action"): UNCHECKED,  # types.action
    ("PUT", "/v3/types/{type_id}/extra_specs/{key}"): UNCHECKED,  # types.spec_update
    ("PUT", "/v3/group_types/{group_type_id}/group_specs/{key}"): UNCHECKED,  # groups.spec_update
    ("POST", "/v3/attachments/{attachment_id}/action"): UNCHECKED,  # attachments.action
}


REQUEST_BODIES: RequestBodies = {
    **_BODIES,
    **{(method, "/v3/{project_id}" + pattern[len("/v3") :]): body for (method, pattern), body in _BODIES.items()},
}

# As Cinder's manage: a host that is not a backend of this cloud is its 503
# ServiceUnavailable "Host '...' not found".
_HOST_NOT_FOUND = {
    "description": "The named host is not a volume backend of this cloud",
    "content": {"application/json": {"schema": error_schema("cinder", 503)[1]}},
}
_MANAGE = [
    ("POST", "/os-volume-manage"),
    ("POST", "/manageable_volumes"),
    ("GET", "/manageable_volumes"),
    ("GET", "/manageable_volumes/detail"),
    ("POST", "/os-snapshot-manage"),
    ("POST", "/manageable_snapshots"),
    ("GET", "/manageable_snapshots"),
    ("GET", "/manageable_snapshots/detail"),
]
RESPONSES: Responses = {
    (method, prefix + path): {"503": _HOST_NOT_FOUND}
    for prefix in ("/v3", "/v3/{project_id}")
    for method, path in _MANAGE
}
