"""Server actions that involve the server's image: createImage (a snapshot uploaded to
the image service) and rebuild (the server's disks made again from an image).

createImage, as Nova: the API creates the queued image (owner: the server's project;
the instance image's boot properties inherited; image_type=snapshot, instance_uuid,
base_image_ref, user_id and the request's metadata added), sets task_state
image_snapshot and casts the snapshot to the server's agent; it answers 202 with the
image's URL in Location (and ``{"image_id"}`` from 2.45). The agent fills the image.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.compute import disk_config, states
from pocketstack.compute.api import policy, schemas, views
from pocketstack.compute.api.common import at_least, base_url, canonical_access_ips, service
from pocketstack.compute.api.handlers import servers
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions, instances, keypairs
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

SNAPSHOT_STATES = (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED)
REBUILD_STATES = (states.ACTIVE, states.STOPPED, states.ERROR)
# Instance-image properties a snapshot does not inherit: they describe the old image
# (or are recomputed for the new one), as Nova's non-inheritable properties.
NOT_INHERITED = {
    "image_type",
    "instance_uuid",
    "base_image_ref",
    "user_id",
    "owner_id",
    "image_location",
    "image_state",
    "block_device_mapping",
    "bdm_v2",
    "root_device_name",
    "cache_in_nova",
    # Glance's own attributes, which a volume's image metadata may carry along (a
    # volume-backed server's), and the volume's record of its source image.
    "id",
    "status",
    "created_at",
    "updated_at",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "visibility",
    "protected",
    "os_hidden",
    "file",
    "schema",
    "self",
    "locations",
    "direct_url",
    "tags",
    "stores",
    "name",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "image_id",
    "image_name",
}


def _volume_backed(inst: Instance) -> bool:
    return any(
        b.get("boot_index") == 0 and b.get("destination_type") == "volume" for b in inst.block_device_mapping or []
    )


def refuse(inst: Instance, action: str) -> Conflict:
    return Conflict(
        f"Cannot '{action}' instance {inst.uuid} while it is in vm_state {inst.vm_state}"
        + (f" and task_state {inst.task_state}" if inst.task_state else "")
    )


async def begin_task(
    request: Request, uuid: str, action: str, allowed: tuple[str, ...], task: str, changes: dict[str, Any] | None = None
) -> str:
    """Check the state again, set the task (and ``changes``: columns), atomically; the
    vm_state it had."""
    ctx = request.context
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {uuid} could not be found.")
        if row.locked and not ctx.is_admin:
            raise Conflict(f"Instance {uuid} is locked")
        if row.vm_state not in allowed or row.task_state is not None:
            raise refuse(row, action)
        row.task_state = task
        for column, value in (changes or {}).items():
            setattr(row, column, value)
        actions.start_action(s, uuid, action, ctx.to_dict())
        return row.vm_state


async def image_with_task(
    request: Request, inst: Instance, body: dict[str, Any], action: str, allowed: tuple[str, ...], task: str
) -> dict[str, Any]:
    """Create the queued image a snapshot will fill, then start ``task`` on the server;
    if another task got there first, no image is left behind."""
    svc, ctx = service(request), request.context
    image: dict[str, Any] = await svc.images.create(body, ctx.auth_token)
    try:
        await begin_task(request, inst.uuid, action, allowed, task)
    except Exception:
        with contextlib.suppress(Exception):
            await svc.images.delete(image["id"], ctx.auth_token, None)
        raise
    return image


def snapshot_body(
    inst: Instance, name: str, metadata: dict[str, str], user_id: str, caller_project: str
) -> dict[str, Any]:
    """The image record of a snapshot of ``inst`` (before its data exists)."""
    meta = inst.image_meta or {}
    props = {
        k: str(v)
        for k, v in (meta.get("properties") or {}).items()
        if k not in NOT_INHERITED and not k.startswith(("os_glance", "img_signature")) and v is not None
    }
    for key in ("kernel_id", "ramdisk_id"):
        if meta.get(key):
            props[key] = str(meta[key])
    props.update(
        {"image_type": "snapshot", "instance_uuid": inst.uuid, "base_image_ref": inst.image_ref, "user_id": user_id}
    )
    props.update(metadata)
    return {
        **props,
        "name": name,
        "owner": inst.project_id,
        # An admin's snapshot of another project's server: that project must see it.
        "visibility": "private" if caller_project == inst.project_id else "shared",
        "min_ram": int(meta.get("min_ram") or 0),
        "min_disk": int(meta.get("min_disk") or 0),
    }


async def create_image(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:servers:create_image")
    data = validate(schemas.CREATE_IMAGE, args)
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in SNAPSHOT_STATES or inst.task_state is not None or not inst.host:
        raise refuse(inst, "createImage")
    if _volume_backed(inst):
        image_id = await _snapshot_volume_backed(request, inst, data)
        return _image_created(request, image_id)
    body = snapshot_body(inst, data["name"], dict(data.get("metadata") or {}), str(ctx.user_id), str(ctx.project_id))
    image = await image_with_task(request, inst, body, "createImage", SNAPSHOT_STATES, states.IMAGE_SNAPSHOT)
    await svc.compute_api.snapshot_instance(ctx, str(inst.host), instance_uuid=inst.uuid, image_id=image["id"])
    return _image_created(request, image["id"])


def _image_created(request: Request, image_id: str) -> Response:
    root = base_url(request).removesuffix("/compute")
    headers = [("location", f"{root}/image/v2/images/{image_id}")]
    if at_least(request, 45):
        return json_response({"image_id": image_id}, 202, headers=headers)
    return empty(202, headers=headers)


async def _no_bytes() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an (empty) async generator


async def _snapshot_volume_backed(request: Request, inst: Instance, data: dict[str, Any]) -> str:
    """createImage of a server that boots from a volume, as Nova's snapshot_volume_backed:
    a snapshot (force) of each of its volumes through the volume API, and an image with
    no data of its own (size 0, active) whose ``block_device_mapping`` property (JSON,
    ``bdm_v2``) maps each snapshot back to a volume: booting that image makes volumes
    from the snapshots. The snapshots become available on their own (the hypervisor
    takes those of attached volumes); the image's id is the answer."""
    ctx = request.context
    svc = service(request)
    volumes = VolumeClient(svc.runtime)
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        if row.vm_state not in SNAPSHOT_STATES or row.task_state is not None:
            raise refuse(row, "createImage")
        bdms = [dict(b) for b in row.block_device_mapping or [] if b.get("volume_id")]
        actions.start_action(s, inst.uuid, "createImage", ctx.to_dict())
    bdms.sort(key=lambda b: (b.get("boot_index") is None, b.get("boot_index") or 0, b.get("device") or ""))
    made: list[str] = []
    mappings: list[dict[str, Any]] = []
    image: dict[str, Any] | None = None
    try:
        for bdm in bdms:
            volume = await volumes.get_volume(bdm["volume_id"], ctx.auth_token)
            body = {"snapshot": {"volume_id": bdm["volume_id"], "force": True, "name": f"snapshot for {data['name']}"}}
            snap = (await volumes.for_user("POST", "/snapshots", ctx.auth_token, body))["snapshot"]
            made.append(snap["id"])
            mappings.append(
                {
                    "source_type": "snapshot",
                    "destination_type": "volume",
                    "snapshot_id": snap["id"],
                    "volume_id": None,
                    "image_id": None,
                    "volume_size": int(volume.get("size") or bdm.get("volume_size") or 1),
                    "boot_index": bdm.get("boot_index"),
                    "device_name": bdm.get("device"),
                    "delete_on_termination": bool(bdm.get("delete_on_termination")),
                    "volume_type": bdm.get("volume_type"),
                    "guest_format": bdm.get("guest_format"),
                    "tag": bdm.get("tag"),
                    "disk_bus": None,
                    "device_type": None,
                    "no_device": None,
                }
            )
        record = snapshot_body(
            inst, data["name"], dict(data.get("metadata") or {}), str(ctx.user_id), str(ctx.project_id)
        )
        meta = inst.image_meta or {}
        record.update(
            {
                "disk_format": meta.get("disk_format") or "raw",
                "container_format": meta.get("container_format") or "bare",
                "bdm_v2": "True",
                "root_device_name": "/dev/vda",
                "block_device_mapping": json.dumps(mappings),
            }
        )
        image = await svc.images.create(record, ctx.auth_token)
        await svc.images.upload(image["id"], _no_bytes(), 0, ctx.auth_token, None)
    except Exception:
        # Nothing half made is left: the snapshots taken so far and the image go.
        for snapshot_id in made:
            with contextlib.suppress(Exception):
                await volumes.for_user("DELETE", f"/snapshots/{snapshot_id}", ctx.auth_token)
        if image is not None:
            with contextlib.suppress(Exception):
                await svc.images.delete_for_user(image["id"], ctx.auth_token)
        raise
    return str(image["id"])


async def create_backup(request: Request, inst: Instance, args: Any) -> Response:
    """A snapshot with image_type=backup and ``backup_type``; once it is uploaded the
    agent deletes this server's older backups of that type beyond ``rotation`` (0: all,
    this one included, as Nova)."""
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:os-create-backup")
    data = validate(schemas.CREATE_BACKUP, args)
    rotation = int(data["rotation"])
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in SNAPSHOT_STATES or inst.task_state is not None or not inst.host:
        raise refuse(inst, "createBackup")
    if _volume_backed(inst):
        raise Conflict(f"Instance {inst.uuid} boots from a volume: backups of volume-backed servers are not supported.")
    extra = {**(data.get("metadata") or {}), "image_type": "backup", "backup_type": data["backup_type"]}
    body = snapshot_body(inst, data["name"], extra, str(ctx.user_id), str(ctx.project_id))
    image = await image_with_task(request, inst, body, "createBackup", SNAPSHOT_STATES, states.IMAGE_BACKUP)
    await svc.compute_api.backup_instance(
        ctx,
        str(inst.host),
        instance_uuid=inst.uuid,
        image_id=image["id"],
        backup_type=data["backup_type"],
        rotation=rotation,
    )
    root = base_url(request).removesuffix("/compute")
    headers = [("location", f"{root}/image/v2/images/{image['id']}")] if rotation > 0 else []
    if at_least(request, 45):
        return json_response({"image_id": image["id"]}, 202, headers=headers)
    return empty(202, headers=headers)


RESCUABLE = (states.ACTIVE, states.STOPPED, states.ERROR)


async def rescue(request: Request, inst: Instance, args: Any) -> Response:
    """Boot from ``rescue_image_ref`` (default: the server's image) with the server's own
    root disk attached; 200 with ``adminPass``."""
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:os-rescue")
    data = validate(schemas.RESCUE, args if args is not None else {})
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in RESCUABLE or inst.task_state is not None or not inst.host:
        raise refuse(inst, "rescue")
    if _volume_backed(inst):
        raise Conflict(f"Instance {inst.uuid} boots from a volume: rescuing volume-backed servers is not supported.")
    image_ref = str(data.get("rescue_image_ref") or inst.image_ref).rstrip("/").rsplit("/", 1)[-1]
    await servers.boot_image(request, image_ref, inst.flavor)
    await begin_task(request, inst.uuid, "rescue", RESCUABLE, states.RESCUING)
    await svc.compute_api.rescue_instance(ctx, str(inst.host), instance_uuid=inst.uuid, image_ref=image_ref)
    return json_response({"adminPass": data.get("adminPass") or secrets.token_urlsafe(9)})


async def unrescue(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    policy.owner(ctx, inst.project_id, "os_compute_api:os-rescue")
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state != states.RESCUED or inst.task_state is not None:
        raise refuse(inst, "unrescue")
    await begin_task(request, inst.uuid, "unrescue", (states.RESCUED,), states.UNRESCUING)
    await service(request).compute_api.unrescue_instance(ctx, str(inst.host), instance_uuid=inst.uuid)
    return empty(202)


def _check_rebuild_versions(request: Request, data: dict[str, Any]) -> None:
    gates = {"description": 19, "key_name": 54, "user_data": 57, "trusted_image_certificates": 63, "hostname": 90}
    for key, minor in gates.items():
        if key in data and not at_least(request, minor):
            raise Invalid(
                f"Invalid input for field/attribute rebuild. Additional properties are not allowed "
                f"('{key}' was unexpected)"
            )
    if "personality" in data and at_least(request, 57):
        raise Invalid(
            "Invalid input for field/attribute rebuild. Additional properties are not allowed "
            "('personality' was unexpected)"
        )


async def rebuild(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:servers:rebuild")
    data = canonical_access_ips(validate(schemas.REBUILD, args))
    _check_rebuild_versions(request, data)
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in REBUILD_STATES or inst.task_state is not None or not inst.host:
        raise refuse(inst, "rebuild")
    if _volume_backed(inst):
        raise Conflict(f"Instance {inst.uuid} boots from a volume: rebuilding volume-backed servers is not supported.")
    image_ref = str(data["imageRef"]).rstrip("/").rsplit("/", 1)[-1]
    image_meta = await servers.boot_image(request, image_ref, inst.flavor)
    changes: dict[str, Any] = {"image_ref": image_ref, "image_meta": image_meta}
    simple = {"name": "name", "metadata": "metadata_", "description": "description", "hostname": "hostname"}
    simple.update({"accessIPv4": "access_ip_v4", "accessIPv6": "access_ip_v6"})
    for key, column in simple.items():
        if key in data:
            changes[column] = data[key]
    if "key_name" in data:
        if data["key_name"] is None:
            changes["key_name"] = changes["key_data"] = None
        else:
            try:
                pair = await keypairs.get(svc.db, inst.user_id, data["key_name"])
            except NotFound:
                raise Invalid(f"Invalid key_name provided: {data['key_name']}") from None
            changes["key_name"], changes["key_data"] = pair.name, pair.public_key
    if "user_data" in data:
        changes["user_data"] = data["user_data"]
    wanted = disk_config.requested(data)
    if wanted is not None:
        # Kept when not named (Nova); AUTO refused on an image that disables it.
        disk_config.check(wanted, image_meta, image_ref)
        changes["system_metadata"] = disk_config.stored(inst.system_metadata, wanted)
    if "metadata" in data:
        limit = (await svc.quota_limits(inst.project_id))["metadata_items"]
        if 0 <= limit < len(data["metadata"]):
            raise Forbidden(f"Quota exceeded for metadata_items: at most {limit} items")
    orig_vm_state = await begin_task(request, inst.uuid, "rebuild", REBUILD_STATES, states.REBUILDING, changes)
    await svc.compute_api.rebuild_instance(
        ctx, str(inst.host), instance_uuid=inst.uuid, image_ref=image_ref, orig_vm_state=orig_vm_state
    )
    shown = await instances.get(svc.db, ctx, inst.uuid)
    view = views.changed(request, shown, await servers.show_view(request, shown), rebuild=True)
    view["adminPass"] = data.get("adminPass") or secrets.token_urlsafe(9)
    return json_response({"server": view}, 202)
