"""JSON shapes of volumes, snapshots, types and attachments, per microversion."""

from __future__ import annotations

import uuid
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


def volume_attachment(att: Attachment, ctx: RequestContext) -> dict[str, Any]:
    # Cinder names the attached host only to admins and services (glance's cinder store
    # needs it for multiattach); a project member sees null.
    trusted = ctx.is_admin or "service" in ctx.roles or "service" in ctx.service_roles
    return {
        "server_id": att.instance_uuid,
        "attachment_id": att.id,
        "attached_at": iso_nozone(att.attach_time),
        "host_name": att.attached_host if trusted else None,
        "volume_id": att.volume_id,
        "device": att.mountpoint,
        "id": att.volume_id,
    }


def volume(
    rec: VolumeRecord, base: str, ctx: RequestContext, version: Version, *, extended: bool = True
) -> dict[str, Any]:
    """A volume's detail view; ``extended`` adds what Cinder's volume extensions add to
    show and list/detail only (not to create and update): tenant, host, migration
    attributes and the image metadata."""
    vol = rec.volume
    body: dict[str, Any] = {
        "id": vol.id,
        "name": vol.name,
        "description": vol.description,
        "size": vol.size,
        "status": states.SHOWN.get(vol.status, vol.status),
        "availability_zone": vol.availability_zone,
        "created_at": iso_nozone(vol.created_at),
        "updated_at": iso_nozone(vol.updated_at),
        "attachments": [volume_attachment(a, ctx) for a in rec.attachments if a.status == states.ATTACH_ATTACHED],
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
    }
    if ctx.is_admin:
        body["migration_status"] = None
    if extended:
        body["os-vol-tenant-attr:tenant_id"] = vol.project_id
        if ctx.is_admin:
            body["os-vol-host-attr:host"] = vol.host
            body["os-vol-mig-status-attr:migstat"] = None
            body["os-vol-mig-status-attr:name_id"] = None
        if vol.image_metadata:
            body["volume_image_metadata"] = dict(vol.image_metadata)
    if version >= Version(3, 13):
        body["group_id"] = vol.group_id
    if version >= Version(3, 21) and ctx.is_admin:
        body["provider_id"] = None
    if version >= Version(3, 48):
        # Not iSCSI: no shared targets to lock on the connecting host.
        body["shared_targets"] = False
        body["service_uuid"] = service_uuid(vol.host)
    if version >= Version(3, 61) and ctx.is_admin:
        body["cluster_name"] = None
    if version >= Version(3, 63):
        body["volume_type_id"] = vol.volume_type_id
    if version >= Version(3, 65):
        body["consumes_quota"] = True
    return body


def service_uuid(host: str | None) -> str | None:
    """The uuid of the cinder-volume service of ``host@backend[#pool]`` (stable per host)."""
    if not host:
        return None
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "pocketstack-cinder-volume:" + host.partition("#")[0]))


def snapshot_summary(snap: Snapshot) -> dict[str, Any]:
    return {
        "id": snap.id,
        "name": snap.name,
        "description": snap.description,
        "volume_id": snap.volume_id,
        "size": snap.size,
        "status": states.SNAP_SHOWN.get(snap.status, snap.status),
        "created_at": iso_nozone(snap.created_at),
        "updated_at": iso_nozone(snap.updated_at),
        "metadata": dict(snap.metadata_ or {}),
    }


def snapshot(snap: Snapshot, version: Version, *, extended: bool = True) -> dict[str, Any]:
    """A snapshot's detail view; ``extended`` (show and list/detail, not create and
    update) adds the os-extended-snapshot-attributes."""
    body = snapshot_summary(snap)
    if extended:
        body["os-extended-snapshot-attributes:progress"] = snap.progress
        body["os-extended-snapshot-attributes:project_id"] = snap.project_id
    if version >= Version(3, 14):
        body["group_snapshot_id"] = snap.group_snapshot_id
    if version >= Version(3, 41):
        body["user_id"] = snap.user_id
    if version >= Version(3, 65):
        body["consumes_quota"] = True
    return body


# Extra specs every reader may see (Cinder's user-visible list); the rest name backend
# details and are for admins.
USER_VISIBLE_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")


def volume_type(vtype: VolumeType, ctx: RequestContext, *, manage: str | None = None) -> dict[str, Any]:
    """A volume type as GET shows it; ``manage`` is "create" or "update" for the answers
    of those calls (Cinder's types-manage view: every extra spec, no QoS id, and the
    access flag on create only)."""
    specs = dict(vtype.extra_specs or {})
    body: dict[str, Any] = {
        "id": vtype.id,
        "name": vtype.name,
        "description": vtype.description,
        "is_public": vtype.is_public,
    }
    if manage is not None:
        body["extra_specs"] = specs
        if manage == "create":
            body["os-volume-type-access:is_public"] = vtype.is_public
        return body
    body["extra_specs"] = specs if ctx.is_admin else {k: v for k, v in specs.items() if k in USER_VISIBLE_SPECS}
    if ctx.is_admin:
        body["qos_specs_id"] = vtype.qos_specs_id
    body["os-volume-type-access:is_public"] = vtype.is_public
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
