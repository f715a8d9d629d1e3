"""Volume backups: a full copy of a volume's data in the backup store (Cinder's posix
driver's idea; an "incremental" backup is accepted and linked to its parent, but its data
is stored whole), restored into a new or an existing volume. The API moves the statuses
and casts the copy to the volume manager, which holds the backend.

Statuses: creating -> available (or error); restoring -> available; deleting -> gone.
The volume is ``backing-up`` (or ``restoring-backup``) meanwhile, then back to what it was.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import asc, desc, select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.volume import quotas, states, volumes
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.listing import Page, paginate
from pocketstack.volume.models import Attachment, Backup, Snapshot
from pocketstack.volume.records import VolumeRecord, volume_row

CREATING = "creating"
AVAILABLE = "available"
DELETING = "deleting"
RESTORING = "restoring"
ERROR = "error"
STATUSES = (CREATING, AVAILABLE, DELETING, RESTORING, ERROR, "error_deleting")
SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at", "volume_id")
CONTAINER = "volumebackups"


async def get(s: Any, ctx: RequestContext, backup_id: str) -> Backup:
    row = await s.get(Backup, backup_id)
    if row is None or not (ctx.is_admin or row.project_id == ctx.project_id):
        raise NotFound(f"Backup {backup_id} could not be found.")
    found: Backup = row
    return found


async def create(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    *,
    name: str | None,
    description: str | None,
    incremental: bool,
    force: bool,
    snapshot_id: str | None,
    metadata: dict[str, str],
    container: str | None = None,
) -> Backup:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        snap = None
        if snapshot_id:
            snap = await s.get(Snapshot, snapshot_id)
            if snap is None or snap.volume_id != vol.id:
                raise NotFound(f"Snapshot {snapshot_id} could not be found.")
            if snap.status != states.SNAP_AVAILABLE:
                raise Invalid(f"Invalid snapshot: Snapshot {snap.id} status must be available, not {snap.status}.")
        elif vol.status == states.IN_USE and not force:
            raise Invalid(f"Invalid volume: Volume {vol.id} is in-use; a backup of it needs force=True.")
        if snap is None and vol.status not in (states.AVAILABLE, states.IN_USE):
            raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or in-use, not {vol.status}.")
        parent = None
        if incremental:
            query = (
                select(Backup)
                .where(Backup.volume_id == vol.id, Backup.status == AVAILABLE)
                .order_by(desc(Backup.created_at))
            )
            parent = await s.scalar(query.limit(1))
            if parent is None:
                raise Invalid("Invalid backup: No backups available to do an incremental backup.")
        await quotas.check(deps.db, s, deps.cfg, vol.project_id, quotas.Delta(backups=1, backup_gigabytes=vol.size))
        backup = Backup(
            project_id=vol.project_id,
            user_id=ctx.user_id or "",
            volume_id=vol.id,
            name=name,
            description=description,
            status=CREATING,
            size=vol.size,
            availability_zone=vol.availability_zone,
            container=container or CONTAINER,
            is_incremental=incremental,
            volume_meta={
                "metadata": dict(vol.metadata_ or {}),
                "image_metadata": dict(vol.image_metadata or {}),
                "bootable": vol.bootable,
            },
            parent_id=parent.id if parent else None,
            metadata_=dict(metadata),
            volume_previous_status=vol.status,
            data_timestamp=utcnow(),
        )
        backup.snapshot_id = snapshot_id
        s.add(backup)
        if snap is not None:
            # From a snapshot: the volume is left alone, the snapshot is read.
            snap.status = states.SNAP_BACKING_UP
            backup.volume_previous_status = None
        else:
            vol.status = states.BACKING_UP
        await s.flush()
    await deps.rpcapi.create_backup(ctx, backup_id=backup.id)
    return backup


async def list_backups(
    deps: VolumeDeps, ctx: RequestContext, filters: dict[str, str], page: Page, all_projects: bool
) -> tuple[list[Backup], str | None, int]:
    query = select(Backup)
    if not (ctx.is_admin and all_projects):
        query = query.where(Backup.project_id == ctx.project_id)
    for key in ("name", "status", "volume_id"):
        if key in filters:
            query = query.where(getattr(Backup, key) == filters[key])
    for key, direction in page.sort:
        column = getattr(Backup, key)
        query = query.order_by(asc(column) if direction == "asc" else desc(column))
    async with deps.db.reader() as s:
        rows = list(await s.scalars(query))
    count = len(rows)
    rows, next_marker = paginate(rows, page, "backups")
    return rows, next_marker, count


async def has_dependents(s: Any, backup: Backup) -> bool:
    return bool(await s.scalar(select(Backup.id).where(Backup.parent_id == backup.id).limit(1)))


async def delete(deps: VolumeDeps, ctx: RequestContext, backup_id: str, *, force: bool) -> None:
    async with deps.db.writer() as s:
        backup = await get(s, ctx, backup_id)
        allowed = (AVAILABLE, ERROR) + ((CREATING, RESTORING, "error_deleting") if force else ())
        if backup.status not in allowed:
            raise Invalid(f"Invalid backup: Backup status must be available or error, not {backup.status}.")
        if await has_dependents(s, backup):
            raise Invalid("Invalid backup: Incremental backups exist for this backup.")
        backup.status = DELETING
    await deps.rpcapi.delete_backup(ctx, backup_id=backup_id)


async def update(deps: VolumeDeps, ctx: RequestContext, backup_id: str, changes: dict[str, Any]) -> Backup:
    async with deps.db.writer() as s:
        backup = await get(s, ctx, backup_id)
        for key in ("name", "description"):
            if key in changes:
                setattr(backup, key, changes[key])
        if "metadata" in changes:
            backup.metadata_ = dict(changes["metadata"])
        await s.flush()
        return backup


async def reset_status(deps: VolumeDeps, ctx: RequestContext, backup_id: str, status: str) -> None:
    if status not in (AVAILABLE, ERROR):
        raise Invalid(f"Invalid input received: Invalid backup status {status!r}; use available or error.")
    async with deps.db.writer() as s:
        (await get(s, ctx, backup_id)).status = status


async def restore(
    deps: VolumeDeps, ctx: RequestContext, backup_id: str, volume_id: str | None, name: str | None
) -> tuple[Backup, str, str | None]:
    """Restore into ``volume_id`` (or a new volume of the backup's size); returns the
    backup, the volume id and its name."""
    async with deps.db.reader() as s:
        backup = await get(s, ctx, backup_id)
    if backup.status != AVAILABLE:
        raise Invalid(f"Invalid backup: Backup status must be available, not {backup.status}.")
    if volume_id is None:
        rec: VolumeRecord = await volumes.create(
            deps,
            ctx,
            volumes.CreateRequest(size=backup.size, name=name or f"restore_backup_{backup.id}"),
            for_restore=True,
        )
        volume_id = rec.volume.id
        target_new = True
    else:
        target_new = False
    async with deps.db.writer() as s:
        backup = await get(s, ctx, backup_id)
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if not target_new:
            attached = await s.scalar(select(Attachment.id).where(Attachment.volume_id == vol.id).limit(1))
            if vol.status != states.AVAILABLE or attached:
                raise Invalid(f"Invalid volume: Volume to be restored to must be available, not {vol.status}.")
            if vol.size < backup.size:
                raise Invalid(
                    f"Invalid volume: volume size {vol.size} is too small to restore backup of size {backup.size}."
                )
            if await s.scalar(select(Snapshot.id).where(Snapshot.volume_id == vol.id).limit(1)):
                raise Invalid(f"Invalid volume: Volume {vol.id} has snapshots; a restore would lose them.")
            vol.previous_status = vol.status
            vol.status = states.RESTORING_BACKUP
        if backup.status != AVAILABLE:
            raise Invalid(f"Invalid backup: Backup status must be available, not {backup.status}.")
        backup.status = RESTORING
        name_out = vol.name
    # The manager writes the backup's data as the volume's (a new volume's file is made so).
    await deps.rpcapi.restore_backup(ctx, backup_id=backup_id, volume_id=volume_id, new=target_new)
    return backup, volume_id, name_out


SERVICE = "cinder.backup.drivers.posix.PosixBackupDriver"
_RECORD_FIELDS = (
    "id", "volume_id", "name", "description", "size", "availability_zone", "container", "is_incremental", "volume_meta",
)  # fmt: skip


async def export_record(deps: VolumeDeps, ctx: RequestContext, backup_id: str) -> dict[str, str]:
    """The record an admin keeps to import the backup again (after a database loss)."""
    async with deps.db.reader() as s:
        backup = await get(s, ctx, backup_id)
    if backup.status != AVAILABLE:
        raise Invalid(f"Invalid backup: Backup status must be available, not {backup.status}.")
    record = {k: getattr(backup, k) for k in _RECORD_FIELDS}
    record["data_key"] = backup.data_key or backup.id
    return {"backup_service": SERVICE, "backup_url": base64.b64encode(json.dumps(record).encode()).decode()}


async def import_record(deps: VolumeDeps, ctx: RequestContext, service: str, url: str) -> Backup:
    if service != SERVICE:
        raise Invalid(f"Invalid input received: Unsupported backup service {service!r}.")
    try:
        record = json.loads(base64.b64decode(url, validate=True))
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise ValueError
        size = int(record.get("size") or 0)
    except (ValueError, TypeError):
        raise Invalid("Invalid input received: Can't parse backup record.") from None
    key = str(record.get("data_key") or record["id"])
    # The data lives with the volume manager's backup store.
    present = await deps.rpcapi.backup_data_exists(ctx, timeout=10, key=key)
    async with deps.db.writer() as s:
        if await s.get(Backup, record["id"]) is not None:
            raise Invalid(f"Invalid backup: Backup {record['id']} already exists in database.")
        backup = Backup(
            id=record["id"],
            # As Cinder: the imported backup belongs to the importer.
            project_id=ctx.project_id or "",
            user_id=ctx.user_id or "",
            volume_id=str(record.get("volume_id") or ""),
            name=record.get("name"),
            description=record.get("description"),
            status=AVAILABLE if present else ERROR,
            size=size,
            availability_zone=str(record.get("availability_zone") or deps.cfg.availability_zone),
            container=record.get("container"),
            is_incremental=bool(record.get("is_incremental")),
            volume_meta=record.get("volume_meta") if isinstance(record.get("volume_meta"), dict) else None,
            data_key=key,
            metadata_={},
        )
        s.add(backup)
        await s.flush()
        return backup
