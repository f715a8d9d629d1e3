"""Volumes: Cinder's volumes, attached through Nova. A volume's ``Name`` tag is its name,
its other tags its metadata."""

from __future__ import annotations

from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches, not_found, page, requested_tags, tag_set, timestamp, uuid_of
from pocketstack.ec2.actions.instances import owned_server
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

STATES = {
    "creating": "creating",
    "available": "available",
    "in-use": "in-use",
    "attaching": "in-use",
    "detaching": "in-use",
    "reserved": "in-use",
    "deleting": "deleting",
    "error": "error",
    "error_deleting": "error",
    "extending": "in-use",
    "downloading": "creating",
    "uploading": "in-use",
    "backing-up": "available",
    "restoring-backup": "creating",
}


async def _render(call: Call, volume: dict[str, Any], vol_id: str) -> dict[str, Any]:
    attachments = volume.get("attachments") or []
    servers = await call.ids.ec2_ids("server", "i", [str(a["server_id"]) for a in attachments if a.get("server_id")])
    status = str(volume.get("status"))
    attach_state = {"attaching": "attaching", "detaching": "detaching"}.get(status, "attached")
    snapshot = volume.get("snapshot_id")
    tags = {str(k): str(v) for k, v in (volume.get("metadata") or {}).items()}
    if volume.get("name"):
        tags["Name"] = str(volume["name"])
    return {
        "volumeId": vol_id,
        "size": volume.get("size"),
        "snapshotId": (await call.ids.ec2_id("snapshot", "snap", str(snapshot))) if snapshot else "",
        "availabilityZone": volume.get("availability_zone"),
        "status": STATES.get(status, "error"),
        "createTime": timestamp(volume.get("created_at")),
        "attachmentSet": [
            {
                "volumeId": vol_id,
                "instanceId": servers.get(str(a.get("server_id"))),
                "device": a.get("device"),
                "status": attach_state,
                "attachTime": timestamp(a.get("attached_at")),
                "deleteOnTermination": False,
            }
            for a in attachments
        ],
        "tagSet": tag_set(tags),
        "volumeType": volume.get("volume_type") or "standard",
        "encrypted": bool(volume.get("encrypted")),
        "multiAttachEnabled": bool(volume.get("multiattach")),
    }


async def create_volume(call: Call) -> dict[str, Any]:
    p = call.params
    size = p.int("Size", None, minimum=1, maximum=16384)
    snapshot = p.get("SnapshotId")
    if size is None and not snapshot:
        raise Ec2Error("MissingParameter", "The request must contain the parameter size or snapshotId")
    attrs: dict[str, Any] = {"availability_zone": p.get("AvailabilityZone")}
    if snapshot:
        attrs["snapshot_id"] = await uuid_of(call, "snapshot", snapshot)
    tags = requested_tags(call, "volume")
    name = tags.pop("Name", "")
    if tags:
        attrs["metadata"] = tags
    try:
        volume = await call.api.volume.create_volume(size or 0, name, **attrs)
    except ApiError as exc:
        if exc.status == 413 or "quota" in exc.message.lower():
            raise Ec2Error("VolumeLimitExceeded", exc.message) from None
        raise api_error(exc) from None
    vol_id = await call.ids.ec2_id("volume", "vol", str(volume["id"]))
    return await _render(call, volume, vol_id)


async def describe_volumes(call: Call) -> dict[str, Any]:
    idents = call.params.strings("VolumeId")
    wanted = {ident: await uuid_of(call, "volume", ident) for ident in idents}
    volumes = await call.api.volume.volumes()
    present = {str(v["id"]) for v in volumes}
    missing = [ident for ident, uuid in wanted.items() if uuid not in present]
    if missing:
        raise not_found("volume", ", ".join(missing))
    ids = await call.ids.ec2_ids("volume", "vol", sorted(present))
    filters = call.params.filters()
    out = []
    for volume in sorted(volumes, key=lambda v: (str(v.get("created_at")), str(v["id"]))):
        if wanted and str(volume["id"]) not in wanted.values():
            continue
        item = await _render(call, volume, ids[str(volume["id"])])
        values = {
            "volume-id": [item["volumeId"]],
            "status": [item["status"]],
            "size": [str(item["size"])],
            "availability-zone": [str(item["availabilityZone"])],
            "attachment.instance-id": [str(a["instanceId"]) for a in item["attachmentSet"]],
            "attachment.status": [a["status"] for a in item["attachmentSet"]],
            "attachment.device": [str(a["device"]) for a in item["attachmentSet"]],
            "snapshot-id": [item["snapshotId"]],
            "volume-type": [str(item["volumeType"])],
        }
        tags = {t["key"]: t["value"] for t in item["tagSet"] or []}
        if matches(filters, values, tags):
            out.append(item)
    shown, token = page(call, out)
    return {"volumeSet": shown, "nextToken": token}


async def _volume(call: Call) -> tuple[str, str, dict[str, Any]]:
    ident = call.params.require("VolumeId")
    uuid = await uuid_of(call, "volume", ident)
    try:
        volume = await call.api.volume.volume(uuid)
    except ApiError as exc:
        raise api_error(exc, not_found("volume", ident)) from None
    # An admin's key sees its own project's volumes only, as any other key.
    if volume.get("os-vol-tenant-attr:tenant_id", call.project_id) != call.project_id:
        raise not_found("volume", ident)
    return ident, uuid, volume


async def attach_volume(call: Call) -> dict[str, Any]:
    ident, uuid, volume = await _volume(call)
    instance = call.params.require("InstanceId")
    server = str((await owned_server(call, instance))["id"])
    device = call.params.get("Device")
    if volume.get("status") != "available":
        raise Ec2Error("IncorrectState", f"{ident} is not 'available'.")
    body: dict[str, Any] = {"volumeAttachment": {"volumeId": uuid}}
    if device:
        body["volumeAttachment"]["device"] = device
    try:
        answer = await call.api.compute.post(f"/servers/{server}/os-volume_attachments", body)
    except ApiError as exc:
        raise api_error(exc, not_found("server", instance)) from None
    return {
        "volumeId": ident,
        "instanceId": instance,
        "device": (answer or {}).get("volumeAttachment", {}).get("device") or device,
        "status": "attaching",
        "attachTime": timestamp(volume.get("updated_at")),
    }


async def detach_volume(call: Call) -> dict[str, Any]:
    ident, uuid, volume = await _volume(call)
    attachments = volume.get("attachments") or []
    instance = call.params.get("InstanceId")
    server = await uuid_of(call, "server", instance) if instance else None
    chosen = next((a for a in attachments if server is None or a.get("server_id") == server), None)
    if chosen is None:
        raise Ec2Error(
            "IncorrectState", f"Volume '{ident}' is not attached" + (f" to '{instance}'" if instance else "")
        )
    server_uuid = str(chosen["server_id"])
    await call.api.compute.detach_volume(server_uuid, uuid)
    return {
        "volumeId": ident,
        "instanceId": instance or await call.ids.ec2_id("server", "i", server_uuid),
        "device": chosen.get("device"),
        "status": "detaching",
        "attachTime": timestamp(chosen.get("attached_at")),
    }


async def delete_volume(call: Call) -> dict[str, Any]:
    ident, uuid, volume = await _volume(call)
    if volume.get("attachments"):
        raise Ec2Error("VolumeInUse", f"Volume {ident} is currently attached")
    try:
        await call.api.volume.delete_volume(uuid)
    except ApiError as exc:
        if exc.status in (400, 409):
            raise Ec2Error("IncorrectState", exc.message) from None
        raise api_error(exc, not_found("volume", ident)) from None
    return {"return": True}
