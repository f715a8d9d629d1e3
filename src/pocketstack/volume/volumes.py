"""Volumes: create (empty, from image, snapshot or volume), list, show, update, delete,
extend, bootable flag, metadata, status reset. The API writes the row and casts the
work to the volume manager; the manager moves the status on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import asc, desc, false, select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.volume import groups, quotas, states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.listing import Page, compare, paginate
from pocketstack.volume.models import Attachment, Snapshot, Volume
from pocketstack.volume.records import VolumeRecord, load, record, records, volume_row

GiB = 1024**3
SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at", "availability_zone", "bootable", "project_id")
# Image record fields that are not image properties (everything else is copied into
# volume_image_metadata, so kernel_id, ramdisk_id, hw_* travel with a boot volume).
_IMAGE_CORE = {
    "id", "name", "status", "visibility", "protected", "tags", "owner", "created_at", "updated_at", "file",
    "schema", "self", "os_hidden", "os_hash_algo", "os_hash_value", "virtual_size", "direct_url", "locations",
    "stores", "size", "checksum", "min_disk", "min_ram", "container_format", "disk_format",
}  # fmt: skip


@dataclass
class CreateRequest:
    size: int | None = None
    name: str | None = None
    description: str | None = None
    volume_type: str | None = None
    availability_zone: str | None = None
    image_ref: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    bootable: bool | None = None
    multiattach: bool = False
    group_id: str | None = None


def image_metadata(image: dict[str, Any]) -> dict[str, str]:
    meta = {
        "image_id": image["id"],
        "image_name": image.get("name") or "",
        "checksum": image.get("checksum") or "",
        "container_format": image.get("container_format") or "",
        "disk_format": image.get("disk_format") or "",
        "min_disk": str(image.get("min_disk") or 0),
        "min_ram": str(image.get("min_ram") or 0),
        "size": str(image.get("size") or 0),
    }
    for key, value in image.items():
        if key not in _IMAGE_CORE and isinstance(value, (str, int, float, bool)):
            meta[key] = str(value)
    return meta


async def _check_image(deps: VolumeDeps, ctx: RequestContext, image_ref: str, size: int | None) -> dict[str, Any]:
    try:
        image = await deps.images.get(image_ref, ctx.auth_token or "")
    except NotFound:
        raise Invalid(f"Invalid image identifier or unable to access requested image: {image_ref}.") from None
    if image.get("status") != "active":
        raise Invalid(f"Image {image_ref} is not active.")
    if image.get("disk_format") in ("aki", "ari"):
        raise Invalid(f"Image {image_ref} is a {image['disk_format']} (kernel/ramdisk) image: it cannot be a volume.")
    if size is None:
        raise Invalid("Invalid input received: a size is required when creating a volume from an image.")
    min_disk = int(image.get("min_disk") or 0)
    if size < min_disk:
        raise Invalid(f"Volume size {size}GB cannot be smaller than the image minDisk size {min_disk}GB.")
    needed = max(int(image.get("size") or 0), int(image.get("virtual_size") or 0))
    if needed > size * GiB:
        raise Invalid(f"Size of specified image {-(-needed // GiB)}GB is larger than volume size {size}GB.")
    return image


async def create(
    deps: VolumeDeps, ctx: RequestContext, req: CreateRequest, *, for_restore: bool = False
) -> VolumeRecord:
    """Write the row and cast the create; ``for_restore``: the row only, in
    ``restoring-backup`` (the restore of a backup makes the data)."""
    sources = [x for x in (req.image_ref, req.snapshot_id, req.source_volid) if x]
    if len(sources) > 1:
        raise Invalid("Invalid input received: only one of imageRef, snapshot_id and source_volid may be given.")
    zone = req.availability_zone or deps.cfg.availability_zone
    if zone != deps.cfg.availability_zone:
        raise Invalid(f"Invalid input received: Availability zone '{zone}' is invalid.")
    image: dict[str, Any] | None = None
    if req.image_ref:
        image = await _check_image(deps, ctx, req.image_ref, req.size)
    async with deps.db.writer() as s:
        size = req.size
        inherit_type: str | None = None
        source_bootable: bool | None = None
        # A copy of a volume made from an image carries that image's metadata (as in Cinder).
        inherit_image: dict[str, str] = {}
        if req.snapshot_id:
            snap = await s.get(Snapshot, req.snapshot_id)
            if snap is None or not (ctx.is_admin or snap.project_id == ctx.project_id):
                raise NotFound(f"Snapshot {req.snapshot_id} could not be found.")
            if snap.status != states.SNAP_AVAILABLE:
                raise Invalid(f"Invalid snapshot: Originating snapshot status must be available, not {snap.status}.")
            size = snap.size if size is None else size
            if size < snap.size:
                raise Invalid(
                    f"Invalid input received: Volume size '{size}'GB cannot be smaller than the snapshot size "
                    f"{snap.size}GB. They must be >= original snapshot size."
                )
            inherit_type = snap.volume_type_id
            origin = await s.get(Volume, snap.volume_id)
            if origin is not None:
                inherit_image = dict(origin.image_metadata or {})
                source_bootable = origin.bootable
        if req.source_volid:
            src = await s.get(Volume, req.source_volid)
            if src is None or not (ctx.is_admin or src.project_id == ctx.project_id):
                raise NotFound(f"Volume {req.source_volid} could not be found.")
            if src.status not in (states.AVAILABLE, states.IN_USE):
                raise Invalid(f"Invalid volume: Source volume status must be available or in-use, not {src.status}.")
            size = src.size if size is None else size
            if size < src.size:
                raise Invalid(
                    f"Invalid input received: Volume size '{size}'GB cannot be smaller than the source volume "
                    f"size {src.size}GB. They must be >= original volume size."
                )
            inherit_type = src.volume_type_id
            source_bootable = src.bootable
            inherit_image = dict(src.image_metadata or {})
        if size is None:
            raise Invalid("Invalid input received: the volume size is required.")
        if req.volume_type:
            vtype = await types.find(s, ctx, req.volume_type)
        elif inherit_type:
            vtype = await types.get(s, ctx, inherit_type, deps.cfg.default_type)
        else:
            vtype = await types.default(s, deps.cfg.default_type, ctx.project_id)
        type_zones = (vtype.extra_specs or {}).get("RESKEY:availability_zones")
        if type_zones and zone not in [z.strip() for z in type_zones.split(",")]:
            raise Invalid(
                f"Invalid volume type: Volume type is only supported in these availability zones: {type_zones}"
            )
        if req.group_id:
            groups.check_member(await groups.get(s, ctx, req.group_id), vtype.id)
        if vtype.encryption:
            raise Invalid(
                f"Invalid volume type: volumes of the encrypted type {vtype.name} need a key manager, "
                "which this cloud does not have."
            )
        delta = quotas.Delta(1, 0, size, vtype.name, volume_size=size)
        await quotas.check(deps.db, s, deps.cfg, ctx.project_id or "", delta)
        bootable = bool(req.bootable) if req.bootable is not None else image is not None
        if source_bootable is not None and req.bootable is None:
            bootable = source_bootable
        vol = Volume(
            project_id=ctx.project_id or "",
            user_id=ctx.user_id or "",
            name=req.name,
            description=req.description,
            size=size,
            status=states.RESTORING_BACKUP if for_restore else states.CREATING,
            attach_status=states.ATTACH_DETACHED,
            volume_type_id=vtype.id,
            availability_zone=zone,
            bootable=bootable,
            multiattach=req.multiattach or vtype.extra_specs.get("multiattach") == "<is> True",
            metadata_=dict(req.metadata),
            image_metadata=image_metadata(image) if image else inherit_image,
            snapshot_id=req.snapshot_id,
            source_volid=req.source_volid,
            image_id=image["id"] if image else None,
            host=deps.volume_host,
            provider_location={},
            group_id=req.group_id,
        )
        s.add(vol)
        await s.flush()
        rec = VolumeRecord(vol, vtype.name, [])
    if for_restore:
        return rec
    await deps.rpcapi.create_volume(
        ctx,
        volume_id=vol.id,
        image={"id": image["id"], "disk_format": image.get("disk_format") or "raw"} if image else None,
    )
    return rec


async def list_volumes(
    deps: VolumeDeps, ctx: RequestContext, filters: dict[str, Any], page: Page, all_projects: bool
) -> tuple[list[VolumeRecord], str | None, int]:
    query = select(Volume)
    if not (ctx.is_admin and all_projects):
        query = query.where(Volume.project_id == ctx.project_id)
    elif "project_id" in filters:
        query = query.where(Volume.project_id == filters["project_id"])
    if filters.get("none"):
        query = query.where(false())
    for key in ("name", "status", "availability_zone", "group_id", "size"):
        if key in filters:
            query = query.where(getattr(Volume, key) == filters[key])
    for key, value in (filters.get("like") or {}).items():
        query = query.where(getattr(Volume, key).contains(value, autoescape=True))
    for key in ("created_at", "updated_at"):
        for op, when in filters.get(key) or []:
            query = query.where(compare(getattr(Volume, key), op, when))
    if "bootable" in filters:
        query = query.where(Volume.bootable.is_(filters["bootable"]))
    async with deps.db.reader() as s:
        if "volume_type" in filters:
            try:
                vtype = await types.find(s, ctx, filters["volume_type"])
            except NotFound:
                return [], None, 0
            query = query.where(Volume.volume_type_id == vtype.id)
        for key, direction in page.sort:
            column = getattr(Volume, key)
            query = query.order_by(asc(column) if direction == "asc" else desc(column))
        rows = list(await s.scalars(query))
        wanted = filters.get("metadata") or {}
        if wanted:
            rows = [v for v in rows if all((v.metadata_ or {}).get(k) == val for k, val in wanted.items())]
        count = len(rows)
        rows, next_marker = paginate(rows, page, "volumes")
        return await records(s, rows), next_marker, count


async def show(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> VolumeRecord:
    async with deps.db.reader() as s:
        return await load(s, ctx, volume_id)


async def update(deps: VolumeDeps, ctx: RequestContext, volume_id: str, changes: dict[str, Any]) -> VolumeRecord:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if "name" in changes:
            vol.name = changes["name"]
        if "description" in changes:
            vol.description = changes["description"]
        if "metadata" in changes:
            vol.metadata_ = dict(changes["metadata"])
        await s.flush()
        return await record(s, vol)


async def delete(deps: VolumeDeps, ctx: RequestContext, volume_id: str, *, cascade: bool, force: bool) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        attachments = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        if vol.group_id and not force:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} is in group {vol.group_id}: remove it from the group "
                "or delete the group with its volumes."
            )
        if not force:
            if vol.status not in states.DELETABLE or attachments:
                raise Invalid(
                    f"Invalid volume: Volume {vol.id} status must be available or error or error_extending, "
                    f"and must not be attached (it is {vol.status}"
                    f"{', attached' if attachments else ''})."
                )
        elif vol.status == states.DELETING:
            # A force delete takes any other status, creating too: the manager drops what a
            # create still in progress makes once it sees the volume is going.
            raise Invalid(f"Invalid volume: Volume {vol.id} is already being deleted.")
        snaps = list(await s.scalars(select(Snapshot).where(Snapshot.volume_id == vol.id)))
        if snaps and not cascade:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} still has {len(snaps)} dependent snapshots; "
                "delete them first or use cascade."
            )
        for snap in snaps:
            if snap.status not in (states.SNAP_AVAILABLE, states.SNAP_ERROR):
                raise Invalid(f"Invalid snapshot: Snapshot {snap.id} is {snap.status}; it cannot be deleted now.")
            snap.status = states.SNAP_DELETING
        for att in attachments:
            await s.delete(att)
        vol.status = states.DELETING
        vol.attach_status = states.ATTACH_DETACHED
    await deps.rpcapi.delete_volume(ctx, volume_id=volume_id)


async def extend(deps: VolumeDeps, ctx: RequestContext, volume_id: str, new_size: int, *, online: bool) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        allowed = (states.AVAILABLE, states.IN_USE) if online else (states.AVAILABLE,)
        if vol.status not in allowed:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} status must be {' or '.join(allowed)} to extend, "
                f"currently {vol.status}."
            )
        if new_size <= vol.size:
            raise Invalid(
                f"Invalid input received: New size for extend must be greater than current size. "
                f"(current: {vol.size}, extended: {new_size})."
            )
        vtype = await types.get(s, ctx, vol.volume_type_id, deps.cfg.default_type)
        delta = quotas.Delta(0, 0, new_size - vol.size, vtype.name, volume_size=new_size)
        await quotas.check(deps.db, s, deps.cfg, vol.project_id, delta)
        vol.previous_status = vol.status
        vol.previous_size = vol.size
        vol.size = new_size
        vol.status = states.EXTENDING
    await deps.rpcapi.extend_volume(ctx, volume_id=volume_id, new_size=new_size)


async def extend_completion(deps: VolumeDeps, ctx: RequestContext, volume_id: str, *, error: bool) -> None:
    """Compute grew an attached volume for the backend (or failed): the manager settles it."""
    async with deps.db.reader() as s:
        vol = await volume_row(s, ctx, volume_id)
    if vol.status != states.EXTENDING:
        raise Invalid(f"Invalid volume: Volume {vol.id} status must be extending, currently {vol.status}.")
    await deps.rpcapi.extend_volume_completion(ctx, volume_id=volume_id, error=error)


async def set_bootable(deps: VolumeDeps, ctx: RequestContext, volume_id: str, bootable: bool) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status in (states.CREATING, states.DELETING, states.DOWNLOADING):
            raise Invalid(f"Invalid volume: Volume {vol.id} is {vol.status}; try again when it is done.")
        vol.bootable = bootable


async def reset_status(deps: VolumeDeps, ctx: RequestContext, volume_id: str, values: dict[str, Any]) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if "status" in values:
            if values["status"] not in states.VOLUME_STATUSES:
                raise Invalid(f"Invalid input received: Invalid volume status {values['status']!r}.")
            vol.status = values["status"]
        if "attach_status" in values:
            if values["attach_status"] not in (states.ATTACH_ATTACHED, states.ATTACH_DETACHED):
                raise Invalid(f"Invalid input received: Invalid attach status {values['attach_status']!r}.")
            vol.attach_status = values["attach_status"]
            if values["attach_status"] == states.ATTACH_DETACHED:
                for att in await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)):
                    await s.delete(att)


# --- metadata ---------------------------------------------------------------------------
async def metadata(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> dict[str, str]:
    async with deps.db.reader() as s:
        return dict((await volume_row(s, ctx, volume_id)).metadata_ or {})


async def set_metadata(
    deps: VolumeDeps, ctx: RequestContext, volume_id: str, items: dict[str, str], *, replace: bool
) -> dict[str, str]:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        vol.metadata_ = dict(items) if replace else {**(vol.metadata_ or {}), **items}
        return dict(vol.metadata_)


async def delete_metadata_key(deps: VolumeDeps, ctx: RequestContext, volume_id: str, key: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        current = dict(vol.metadata_ or {})
        if key not in current:
            raise NotFound(f"Volume {volume_id} has no metadata with key {key}.")
        del current[key]
        vol.metadata_ = current


async def summary(deps: VolumeDeps, ctx: RequestContext, all_projects: bool) -> tuple[int, int, dict[str, list[str]]]:
    """Count and total size of the caller's volumes (every project's for an admin with
    all_tenants), and each metadata key with its distinct values."""
    query = select(Volume)
    if not (ctx.is_admin and all_projects):
        query = query.where(Volume.project_id == ctx.project_id)
    async with deps.db.reader() as s:
        rows = list(await s.scalars(query))
    metadata: dict[str, list[str]] = {}
    for vol in rows:
        for key, value in (vol.metadata_ or {}).items():
            values = metadata.setdefault(key, [])
            if value not in values:
                values.append(value)
    return len(rows), sum(v.size for v in rows), metadata


async def retype(deps: VolumeDeps, ctx: RequestContext, volume_id: str, new_type: str) -> None:
    """Give a volume another type. One backend serves every type here, so no data moves
    (Cinder's driver-side retype); the per-type quotas follow the volume."""
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        try:
            vtype = await types.find(s, RequestContext.internal(), new_type)
        except NotFound:
            raise Invalid(f"Invalid input received: Invalid volume_type passed: {new_type}.") from None
        if vol.status not in (states.AVAILABLE, states.IN_USE) or vtype.id == vol.volume_type_id:
            raise Invalid(
                "Invalid volume: Retype needs volume to be in available or in-use state, not be part of an "
                "active migration or a consistency group, requested type has to be different that the one "
                f"from the volume, but current status is {vol.status}."
            )
        multiattach = (vtype.extra_specs or {}).get("multiattach") == "<is> True"
        if multiattach != vol.multiattach and vol.status != states.AVAILABLE:
            raise Invalid(
                "Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only "
                f"allowed on available volumes, the specified volume however currently has a status of: {vol.status}."
            )
        delta = quotas.Delta(1, 0, vol.size, vtype.name, type_only=True)
        await quotas.check(deps.db, s, deps.cfg, vol.project_id, delta)
        vol.volume_type_id = vtype.id
        vol.multiattach = multiattach


async def set_image_metadata(
    deps: VolumeDeps, ctx: RequestContext, volume_id: str, items: dict[str, str]
) -> dict[str, str]:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        vol.image_metadata = {**(vol.image_metadata or {}), **items}
        return dict(vol.image_metadata)


async def unset_image_metadata(deps: VolumeDeps, ctx: RequestContext, volume_id: str, key: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        current = dict(vol.image_metadata or {})
        if key not in current:
            raise NotFound(f"Glance metadata for volume/snapshot {volume_id} cannot be found (key {key}).")
        del current[key]
        vol.image_metadata = current


async def revert(deps: VolumeDeps, ctx: RequestContext, volume_id: str, snapshot_id: str) -> None:
    """Put the volume back as it was at its latest snapshot (3.40; Cinder's rules)."""
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        query = select(Snapshot).where(Snapshot.volume_id == vol.id).order_by(desc(Snapshot.created_at))
        latest = await s.scalar(query.limit(1))
        if latest is None:
            raise Invalid(f"Invalid input received: Volume {vol.id} doesn't have any snapshots.")
        if snapshot_id != latest.id:
            raise Invalid(
                f"Invalid input received: Specified snapshot {snapshot_id} is None or not the latest one of "
                f"volume {vol.id}."
            )
        if vol.size != latest.size:
            raise Invalid(
                f"Invalid input received: Can't revert volume {vol.id} to its latest snapshot {latest.id}. "
                "The volume size must be equal to the snapshot size."
            )
        if vol.status != states.AVAILABLE:
            raise Conflict(
                f"Can't revert volume {vol.id} to its latest snapshot {latest.id}. Volume's status must be 'available'."
            )
        if latest.status != states.SNAP_AVAILABLE:
            raise Conflict(
                f"Can't revert volume {vol.id} to its latest snapshot {latest.id}. Snapshot's status must be "
                f"'available'."
            )
        vol.status = states.REVERTING
        latest.status = states.SNAP_RESTORING
    await deps.rpcapi.revert_to_snapshot(ctx, volume_id=volume_id, snapshot_id=snapshot_id)


async def reimage(deps: VolumeDeps, ctx: RequestContext, volume_id: str, image_ref: str, reserved_ok: bool) -> None:
    """Write an image over the volume (3.68; Nova uses it to rebuild a volume-backed
    server, with ``reimage_reserved``)."""
    async with deps.db.reader() as s:
        vol = await volume_row(s, ctx, volume_id)
    image = await _check_image(deps, ctx, image_ref, vol.size)
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        attached = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        if len(attached) > 1:
            raise Conflict("Cannot re-image a volume which is attached to more than one server.")
        allowed = (states.AVAILABLE, states.ERROR, states.RESERVED) if reserved_ok else (states.AVAILABLE, states.ERROR)
        if vol.status not in allowed:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} status must be {' or '.join(allowed)}, but current status is "
                f"{vol.status}."
            )
        if await s.scalar(select(Snapshot.id).where(Snapshot.volume_id == vol.id).limit(1)):
            # Writing over the file would lose a qcow2 volume's internal snapshots.
            raise Invalid(f"Invalid volume: Volume {vol.id} has snapshots; delete them before re-imaging it.")
        vol.previous_status = vol.status
        vol.status = states.DOWNLOADING
    await deps.rpcapi.reimage(
        ctx,
        volume_id=volume_id,
        image={"id": image["id"], "disk_format": image.get("disk_format") or "raw"},
        image_metadata=image_metadata(image),
    )
