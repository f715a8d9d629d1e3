"""Snapshots: Cinder's volume snapshots."""

from __future__ import annotations

from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches, not_found, page, tag_set, timestamp, uuid_of
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

STATES = {"creating": "pending", "available": "completed", "error": "error", "deleting": "pending"}


async def _render(call: Call, snap: dict[str, Any], ident: str) -> dict[str, Any]:
    tags = {str(k): str(v) for k, v in (snap.get("metadata") or {}).items()}
    if snap.get("name"):
        tags["Name"] = str(snap["name"])
    status = str(snap.get("status"))
    return {
        "snapshotId": ident,
        "volumeId": await call.ids.ec2_id("volume", "vol", str(snap["volume_id"])),
        "status": STATES.get(status, "error"),
        "startTime": timestamp(snap.get("created_at")),
        "progress": "100%" if status == "available" else "0%",
        "ownerId": call.project_id,
        "volumeSize": snap.get("size"),
        "description": snap.get("description") or "",
        "encrypted": False,
        "tagSet": tag_set(tags),
    }


async def create_snapshot(call: Call) -> dict[str, Any]:
    volume_ident = call.params.require("VolumeId")
    volume = await uuid_of(call, "volume", volume_ident)
    try:
        shown = await call.api.volume.volume(volume)
    except ApiError as exc:
        raise api_error(exc, not_found("volume", volume_ident)) from None
    if str(shown.get("os-vol-tenant-attr:tenant_id", call.project_id)) != call.project_id:
        raise not_found("volume", volume_ident)
    body = {"snapshot": {"volume_id": volume, "description": call.params.get("Description") or "", "force": True}}
    try:
        snap = dict((await call.api.volume.post("/snapshots", body))["snapshot"])
    except ApiError as exc:
        raise api_error(exc, not_found("volume", volume_ident)) from None
    return await _render(call, snap, await call.ids.ec2_id("snapshot", "snap", str(snap["id"])))


async def describe_snapshots(call: Call) -> dict[str, Any]:
    wanted = {i: await uuid_of(call, "snapshot", i) for i in call.params.strings("SnapshotId")}
    snaps = await call.api.volume.snapshots()
    present = {str(s["id"]) for s in snaps}
    missing = [i for i, u in wanted.items() if u not in present]
    if missing:
        raise not_found("snapshot", ", ".join(missing))
    ids = await call.ids.ec2_ids("snapshot", "snap", sorted(present))
    filters = call.params.filters()
    out = []
    for snap in sorted(snaps, key=lambda s: str(s.get("created_at"))):
        if wanted and str(snap["id"]) not in wanted.values():
            continue
        item = await _render(call, snap, ids[str(snap["id"])])
        values = {
            "snapshot-id": [item["snapshotId"]],
            "volume-id": [item["volumeId"]],
            "status": [item["status"]],
            "owner-id": [call.project_id],
            "description": [item["description"]],
        }
        if matches(filters, values, {t["key"]: t["value"] for t in item["tagSet"] or []}):
            out.append(item)
    shown, token = page(call, out)
    return {"snapshotSet": shown, "nextToken": token}


async def delete_snapshot(call: Call) -> dict[str, Any]:
    ident = call.params.require("SnapshotId")
    uuid = await uuid_of(call, "snapshot", ident)
    try:
        snap = await call.api.volume.snapshot(uuid)
    except ApiError as exc:
        raise api_error(exc, not_found("snapshot", ident)) from None
    if str(snap.get("os-extended-snapshot-attributes:project_id", call.project_id)) != call.project_id:
        raise not_found("snapshot", ident)
    try:
        await call.api.volume.delete_snapshot(uuid)
    except ApiError as exc:
        if exc.status in (400, 409):
            raise Ec2Error("IncorrectState", exc.message) from None
        raise api_error(exc, not_found("snapshot", ident)) from None
    return {"return": True}
