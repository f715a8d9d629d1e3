"""JSON shapes of volumes, snapshots, types and attachments, per microversion."""

from __future__ import annotations

from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import states
from pocketstack.volume.models import Attachment, Snapshot, VolumeType
from pocketstack.volume.records import VolumeRecord
from pocketstack.web.microversion import Version


def _links(base: str, collection: str, ident: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{base}/v3/{collection}/{ident}"},
        {"rel": "bookmark", "href": f"{base}/{collection}/{ident}"},
    ]


def volume_summary(rec: VolumeRecord, base: str) -> dict[str, Any]:
    vol = rec.volume
    return {"id": vol.id, "name": vol.name, "links": _links(base, "volumes", vol.id)}


def volume_attachment(att: Attachment) -> dict[str, Any]:
    return {
        "server_id": att.instance_uuid,
        "attachment_id": att.id,
        "attached_at": iso_nozone(att.attach_time),
        "host_name": att.attached_host,
        "volume_id": att.volume_id,
        "device": att.mountpoint,
        "id": att.volume_id,
    }


def volume(rec: VolumeRecord, base: str, ctx: RequestContext, version: Version) -> dict[str, Any]:
    vol = rec.volume
    body: dict[str, Any] = {
        "id": vol.id,
        "name": vol.name,
        "description": vol.description,
        "size": vol.size,
        "status": vol.status,
        "availability_zone": vol.availability_zone,
        "created_at": iso_nozone(vol.created_at),
        "updated_at": iso_nozone(vol.updated_at),
        "attachments": [volume_attachment(a) for a in rec.attachments if a.status == states.ATTACH_ATTACHED],
        "bootable": "true" if vol.bootable else "false",
        "encrypted": False,
        "multiattach": vol.multiattach,
        "metadata": dict(vol.metadata_ or {}),
        "links": _links(base, "volumes", vol.id),
        "snapshot_id": vol.snapshot_id,
        "source_volid": vol.source_volid,
        "user_id": vol.user_id,
        "volume_type": rec.type_name,
        "replication_status": None,
        "consistencygroup_id": None,
        "os-vol-tenant-attr:tenant_id": vol.project_id,
        "os-vol-mig-status-attr:migstat": None,
        "os-vol-mig-status-attr:name_id": None,
    }
    if vol.image_metadata:
        body["volume_image_metadata"] = dict(vol.image_metadata)
    if ctx.is_admin:
        body["os-vol-host-attr:host"] = vol.host
    if version >= Version(3, 13):
        body["group_id"] = None
    if version >= Version(3, 21):
        body["provider_id"] = None
    if version >= Version(3, 48):
        body["service_uuid"] = None
        body["shared_targets"] = False
    if version >= Version(3, 61) and ctx.is_admin:
        body["cluster_name"] = None
    if version >= Version(3, 63):
        body["volume_type_id"] = vol.volume_type_id
    if version >= Version(3, 65):
        body["consumes_quota"] = True
    return body


def snapshot(snap: Snapshot, version: Version) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": snap.id,
        "name": snap.name,
        "description": snap.description,
        "volume_id": snap.volume_id,
        "size": snap.size,
        "status": snap.status,
        "created_at": iso_nozone(snap.created_at),
        "updated_at": iso_nozone(snap.updated_at),
        "metadata": dict(snap.metadata_ or {}),
        "os-extended-snapshot-attributes:progress": snap.progress,
        "os-extended-snapshot-attributes:project_id": snap.project_id,
    }
    if version >= Version(3, 14):
        body["group_snapshot_id"] = None
    if version >= Version(3, 41):
        body["user_id"] = snap.user_id
    if version >= Version(3, 65):
        body["consumes_quota"] = True
    return body


def volume_type(vtype: VolumeType, ctx: RequestContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": vtype.id,
        "name": vtype.name,
        "description": vtype.description,
        "is_public": vtype.is_public,
        "os-volume-type-access:is_public": vtype.is_public,
        "qos_specs_id": None,
    }
    # Cinder shows extra specs to admins only (they may name backend details).
    body["extra_specs"] = dict(vtype.extra_specs or {}) if ctx.is_admin else {}
    return body


def attachment_summary(att: Attachment) -> dict[str, Any]:
    return {"id": att.id, "status": att.status, "instance": att.instance_uuid, "volume_id": att.volume_id}


def attachment(att: Attachment) -> dict[str, Any]:
    return {
        **attachment_summary(att),
        "attached_at": iso_nozone(att.attach_time),
        "detached_at": None,
        "attach_mode": att.attach_mode,
        "connection_info": att.connection_info or {},
    }
