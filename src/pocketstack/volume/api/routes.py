"""The volume API's route table (Cinder v3, paths relative to /volume).

Every call exists twice: ``/v3/...`` (the catalog URL has no project id) and
``/v3/{project_id}/...`` (clients that build Cinder's classic URLs); the project id in
a path must be the caller's own.
"""

from __future__ import annotations

from pocketstack.volume.api.handlers import (
    attachments,
    backups,
    clusters,
    default_types,
    extensions,
    groups,
    manage,
    messages,
    pools,
    qos,
    quotas,
    resource_filters,
    services,
    snapshots,
    transfers,
    types,
    versions,
    volume_actions,
    volumes,
)
from pocketstack.web.routing import Handler, Route

TABLE: list[tuple[str, str, Handler]] = [
    # volumes
    ("GET", "/volumes", volumes.index),
    ("GET", "/volumes/detail", volumes.detail),
    ("GET", "/volumes/summary", volumes.summary),
    ("POST", "/volumes", volumes.create),
    ("GET", "/volumes/{volume_id}", volumes.show),
    ("PUT", "/volumes/{volume_id}", volumes.update),
    ("DELETE", "/volumes/{volume_id}", volumes.delete),
    ("POST", "/volumes/{volume_id}/action", volume_actions.action),
    ("GET", "/volumes/{volume_id}/metadata", volumes.metadata_index),
    ("POST", "/volumes/{volume_id}/metadata", volumes.metadata_create),
    ("PUT", "/volumes/{volume_id}/metadata", volumes.metadata_replace),
    ("GET", "/volumes/{volume_id}/metadata/{key}", volumes.metadata_show),
    ("PUT", "/volumes/{volume_id}/metadata/{key}", volumes.metadata_update),
    ("DELETE", "/volumes/{volume_id}/metadata/{key}", volumes.metadata_delete),
    # backups
    ("GET", "/backups", backups.index),
    ("GET", "/backups/detail", backups.detail),
    ("POST", "/backups", backups.create),
    ("GET", "/backups/{backup_id}", backups.show),
    ("PUT", "/backups/{backup_id}", backups.update),
    ("DELETE", "/backups/{backup_id}", backups.delete),
    ("POST", "/backups/{backup_id}/restore", backups.restore),
    ("POST", "/backups/{backup_id}/action", backups.action),
    ("GET", "/backups/{backup_id}/export_record", backups.export_record),
    ("POST", "/backups/import_record", backups.import_record),
    # manage / unmanage (admin)
    ("POST", "/os-volume-manage", manage.create),
    ("POST", "/manageable_volumes", manage.create),
    ("GET", "/manageable_volumes", manage.index),
    ("GET", "/manageable_volumes/detail", manage.detail),
    ("POST", "/os-snapshot-manage", manage.snapshot_create),
    ("POST", "/manageable_snapshots", manage.snapshot_create),
    ("GET", "/manageable_snapshots", manage.snapshot_index),
    ("GET", "/manageable_snapshots/detail", manage.snapshot_detail),
    # snapshots
    ("GET", "/snapshots", snapshots.index),
    ("GET", "/snapshots/detail", snapshots.detail),
    ("POST", "/snapshots", snapshots.create),
    ("GET", "/snapshots/{snapshot_id}", snapshots.show),
    ("PUT", "/snapshots/{snapshot_id}", snapshots.update),
    ("DELETE", "/snapshots/{snapshot_id}", snapshots.delete),
    ("POST", "/snapshots/{snapshot_id}/action", snapshots.action),
    ("GET", "/snapshots/{snapshot_id}/metadata", snapshots.metadata_index),
    ("POST", "/snapshots/{snapshot_id}/metadata", snapshots.metadata_create),
    ("PUT", "/snapshots/{snapshot_id}/metadata", snapshots.metadata_replace),
    ("GET", "/snapshots/{snapshot_id}/metadata/{key}", snapshots.metadata_show),
    ("PUT", "/snapshots/{snapshot_id}/metadata/{key}", snapshots.metadata_update),
    ("DELETE", "/snapshots/{snapshot_id}/metadata/{key}", snapshots.metadata_delete),
    # volume types
    ("GET", "/types", types.index),
    ("POST", "/types", types.create),
    ("GET", "/types/{type_id}", types.show),
    ("PUT", "/types/{type_id}", types.update),
    ("DELETE", "/types/{type_id}", types.delete),
    ("POST", "/types/{type_id}/action", types.action),
    ("GET", "/types/{type_id}/os-volume-type-access", types.access_index),
    ("GET", "/types/{type_id}/extra_specs", types.specs_index),
    ("POST", "/types/{type_id}/extra_specs", types.specs_create),
    ("GET", "/types/{type_id}/extra_specs/{key}", types.spec_show),
    ("PUT", "/types/{type_id}/extra_specs/{key}", types.spec_update),
    ("DELETE", "/types/{type_id}/extra_specs/{key}", types.spec_delete),
    ("GET", "/types/{type_id}/encryption", types.encryption_index),
    ("POST", "/types/{type_id}/encryption", types.encryption_create),
    ("GET", "/types/{type_id}/encryption/{key}", types.encryption_show),
    ("PUT", "/types/{type_id}/encryption/{key}", types.encryption_update),
    ("DELETE", "/types/{type_id}/encryption/{key}", types.encryption_delete),
    # project default types (3.62+)
    ("GET", "/default-types", default_types.index),
    ("GET", "/default-types/{target_project}", default_types.show),
    ("PUT", "/default-types/{target_project}", default_types.update),
    ("DELETE", "/default-types/{target_project}", default_types.delete),
    # QoS specs
    ("GET", "/qos-specs", qos.index),
    ("POST", "/qos-specs", qos.create),
    ("GET", "/qos-specs/{qos_id}", qos.show),
    ("PUT", "/qos-specs/{qos_id}", qos.update),
    ("DELETE", "/qos-specs/{qos_id}", qos.delete),
    ("PUT", "/qos-specs/{qos_id}/delete_keys", qos.delete_keys),
    ("GET", "/qos-specs/{qos_id}/associations", qos.associations),
    ("GET", "/qos-specs/{qos_id}/associate", qos.associate),
    ("GET", "/qos-specs/{qos_id}/disassociate", qos.disassociate),
    ("GET", "/qos-specs/{qos_id}/disassociate_all", qos.disassociate_all),
    # group types (3.11+) and groups (3.13+)
    ("GET", "/group_types", groups.types_index),
    ("POST", "/group_types", groups.types_create),
    ("GET", "/group_types/{group_type_id}", groups.types_show),
    ("PUT", "/group_types/{group_type_id}", groups.types_update),
    ("DELETE", "/group_types/{group_type_id}", groups.types_delete),
    ("GET", "/group_types/{group_type_id}/group_specs", groups.specs_index),
    ("POST", "/group_types/{group_type_id}/group_specs", groups.specs_create),
    ("GET", "/group_types/{group_type_id}/group_specs/{key}", groups.spec_show),
    ("PUT", "/group_types/{group_type_id}/group_specs/{key}", groups.spec_update),
    ("DELETE", "/group_types/{group_type_id}/group_specs/{key}", groups.spec_delete),
    ("GET", "/groups", groups.groups_index),
    ("GET", "/groups/detail", groups.groups_detail),
    ("POST", "/groups", groups.groups_create),
    ("POST", "/groups/action", groups.groups_create_from_src),
    ("GET", "/groups/{group_id}", groups.groups_show),
    ("PUT", "/groups/{group_id}", groups.groups_update),
    ("POST", "/groups/{group_id}/action", groups.groups_action),
    ("GET", "/group_snapshots", groups.gsnaps_index),
    ("GET", "/group_snapshots/detail", groups.gsnaps_detail),
    ("POST", "/group_snapshots", groups.gsnaps_create),
    ("GET", "/group_snapshots/{group_snapshot_id}", groups.gsnaps_show),
    ("DELETE", "/group_snapshots/{group_snapshot_id}", groups.gsnaps_delete),
    ("POST", "/group_snapshots/{group_snapshot_id}/action", groups.gsnaps_action),
    # volume transfers: the extension's path and the 3.55 one
    *[
        row
        for base in ("/os-volume-transfer", "/volume-transfers")
        for row in (
            ("GET", base, transfers.index),
            ("GET", base + "/detail", transfers.detail),
            ("POST", base, transfers.create),
            ("GET", base + "/{transfer_id}", transfers.show),
            ("DELETE", base + "/{transfer_id}", transfers.delete),
            ("POST", base + "/{transfer_id}/accept", transfers.accept),
        )
    ],
    # attachments (3.27+)
    ("GET", "/attachments", attachments.index),
    ("GET", "/attachments/detail", attachments.detail),
    ("POST", "/attachments", attachments.create),
    ("GET", "/attachments/{attachment_id}", attachments.show),
    ("PUT", "/attachments/{attachment_id}", attachments.update),
    ("DELETE", "/attachments/{attachment_id}", attachments.delete),
    ("POST", "/attachments/{attachment_id}/action", attachments.action),
    # quotas, limits, capacity, zones
    ("GET", "/os-quota-sets/{target_id}", quotas.show),
    ("PUT", "/os-quota-sets/{target_id}", quotas.update),
    ("DELETE", "/os-quota-sets/{target_id}", quotas.delete),
    ("GET", "/os-quota-sets/{target_id}/defaults", quotas.defaults),
    ("GET", "/os-quota-class-sets/{class_name}", quotas.class_show),
    ("PUT", "/os-quota-class-sets/{class_name}", quotas.class_update),
    ("GET", "/limits", quotas.limits),
    ("GET", "/scheduler-stats/get_pools", pools.get_pools),
    ("GET", "/capabilities/{host}", pools.capabilities),
    ("GET", "/os-availability-zone", pools.availability_zones),
    # user messages (3.3+)
    ("GET", "/messages", messages.index),
    ("GET", "/messages/{message_id}", messages.show),
    ("DELETE", "/messages/{message_id}", messages.delete),
    # services and hosts (admin), extensions
    ("GET", "/os-services", services.index),
    ("PUT", "/os-services/{action}", services.update),
    ("GET", "/os-hosts", services.hosts_index),
    ("GET", "/os-hosts/{host}", services.hosts_show),
    ("GET", "/resource_filters", resource_filters.index),
    ("GET", "/clusters", clusters.index),
    ("GET", "/clusters/detail", clusters.index),
    ("GET", "/clusters/{cluster}", clusters.show),
    ("PUT", "/clusters/{cluster}", clusters.update),
    ("GET", "/extensions", extensions.index),
    ("GET", "/extensions/{alias}", extensions.show),
]


def build() -> list[Route]:
    routes = [
        Route("GET", "/", versions.index, auth=False),
        Route("GET", "/v3", versions.show, auth=False),
        Route("GET", "/v3/", versions.show, auth=False),
    ]
    for method, path, handler in TABLE:
        routes.append(Route(method, "/v3" + path, handler))
        routes.append(Route(method, "/v3/{project_id}" + path, handler))
    return routes


ROUTES = build()
