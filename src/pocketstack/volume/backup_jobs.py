"""The volume manager's backup work: a volume (or a snapshot, through a temporary volume)
copied into the backup store, a backup restored into a volume, a backup's data deleted
once no other backup record shares it. Each moves the backup row (and the volume's)
out of its transitional status; the manager's RPC methods call these."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound, PocketError
from pocketstack.volume import states
from pocketstack.volume.models import Backup, Snapshot, Volume

if TYPE_CHECKING:
    from pocketstack.volume.manager import VolumeManager

log = logging.getLogger(__name__)


def failure_reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"


async def set_backup(m: VolumeManager, backup_id: str, **values: Any) -> None:
    async with m.db.writer() as s:
        row = await s.get(Backup, backup_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)


async def create_backup(m: VolumeManager, ctx: RequestContext, backup_id: str) -> None:
    async with m.db.reader() as s:
        backup = await s.get(Backup, backup_id)
        vol = await s.get(Volume, backup.volume_id) if backup is not None else None
    if backup is None or vol is None or backup.status != "creating" or m.backups is None:
        return
    try:
        if backup.snapshot_id:
            await _backup_snapshot(m, backup)
        else:
            # An attached volume is read as it is (crash-consistent, as a forced backup).
            data = m.backend.read(vol.id, vol.provider_location or {})
            await m.backups.write(backup.data_key or backup_id, data)
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("backup %s of %s failed", backup_id, vol.id)
        await set_backup(m, backup_id, status="error", fail_reason=failure_reason(exc))
    else:
        await set_backup(m, backup_id, status="available", fail_reason=None)
    if backup.snapshot_id:
        await m._set_snapshot(backup.snapshot_id, status=states.SNAP_AVAILABLE)
    else:
        await m._set(vol.id, status=backup.volume_previous_status or states.AVAILABLE)


async def _backup_snapshot(m: VolumeManager, backup: Backup) -> None:
    """A snapshot is read through a temporary volume made from it (Cinder's way too)."""
    assert m.backups is not None and backup.snapshot_id
    async with m.db.reader() as s:
        snap = await s.get(Snapshot, backup.snapshot_id)
    if snap is None:
        raise NotFound(f"Snapshot {backup.snapshot_id} is gone")
    temp = f"backup-{backup.id}"
    location = await m.backend.create_from_snapshot(temp, snap.size, snap.id, snap.provider_location or {})
    try:
        await m.backups.write(backup.data_key or backup.id, m.backend.read(temp, location))
    finally:
        await m.backend.delete(temp, location)


async def restore_backup(m: VolumeManager, ctx: RequestContext, backup_id: str, volume_id: str, new: bool) -> None:
    async with m.db.reader() as s:
        backup = await s.get(Backup, backup_id)
        vol = await s.get(Volume, volume_id)
    if backup is None or vol is None or vol.status != states.RESTORING_BACKUP or m.backups is None:
        return
    try:
        data = m.backups.read(backup.data_key or backup_id)
        location = await m.backend.create_from_image(volume_id, vol.size, data, "raw")
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("restore of backup %s into %s failed", backup_id, volume_id)
        await m._set(volume_id, status=states.ERROR, status_reason=f"restore failed: {failure_reason(exc)}")
        await set_backup(m, backup_id, status="available")
        return
    meta = backup.volume_meta or {}
    # As Cinder: the volume gets the backed-up volume's metadata, image metadata and flag.
    await m._set(
        volume_id,
        status=states.AVAILABLE,
        provider_location=location,
        previous_status=None,
        metadata_={**dict(vol.metadata_ or {}), **dict(meta.get("metadata") or {})},
        image_metadata=dict(meta.get("image_metadata") or vol.image_metadata or {}),
        bootable=bool(meta.get("bootable", vol.bootable)),
    )
    await set_backup(m, backup_id, status="available")


async def delete_backup(m: VolumeManager, ctx: RequestContext, backup_id: str) -> None:
    async with m.db.reader() as s:
        backup = await s.get(Backup, backup_id)
    if backup is None or backup.status != "deleting" or m.backups is None:
        return
    key = backup.data_key or backup_id
    async with m.db.reader() as s:
        # An imported record may share the data: it goes with the last backup using it.
        sharing = select(Backup.id).where(Backup.id != backup_id, (Backup.data_key == key) | (Backup.id == key))
        shared = await s.scalar(sharing.limit(1))
    if shared is None:
        m.backups.delete(key)
    async with m.db.writer() as s:
        row = await s.get(Backup, backup_id)
        if row is not None:
            await s.delete(row)
