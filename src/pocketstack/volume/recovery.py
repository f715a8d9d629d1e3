"""The volume manager's start-up recovery: rows a previous process left in a transitional
status on this host (a crash mid-operation) are settled, so nothing stays "creating"
forever: interrupted creates err and their data goes, deletes and unmanages are
finished, extends redone, uploads and restores given back, backups settled."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.volume import backup_jobs, states
from pocketstack.volume.models import Backup, Snapshot, Volume

if TYPE_CHECKING:
    from pocketstack.volume.manager import VolumeManager

log = logging.getLogger(__name__)


async def _drop_partial_snapshot(m: VolumeManager, snap: Snapshot) -> None:
    """What a snapshot interrupted mid-create may have left: a copy file, or an internal
    snapshot in its volume's file (made, but not yet recorded on the row)."""
    location = dict(snap.provider_location or {})
    vol = await m._volume(snap.volume_id)
    try:
        info = m.backend.assisted_snapshot(snap.id, vol.provider_location or {}) if vol else None
    except PocketError:
        info = None
    if info is not None and info["type"] == "internal" and not location:
        location = {"path": info["path"], "format": "qcow2", "internal": info["name"]}
    try:
        await m.backend.delete_snapshot(snap.id, location)
    except Exception as exc:
        # E.g. the volume is attached (QEMU holds the file): left for a later delete.
        log.warning("snapshot %s: could not remove what an interrupted create left: %s", snap.id, exc)


async def recover(m: VolumeManager) -> dict[str, int]:
    """Settle what a previous process left half-done on this host; counts per outcome."""
    ctx = RequestContext.internal()
    done = {"error": 0, "deleted": 0, "restored": 0}
    async with m.db.reader() as s:
        vols = list(
            await s.scalars(select(Volume).where(Volume.host == m.host, Volume.status.in_(states.TRANSITIONAL)))
        )
        snaps = list(
            await s.scalars(
                select(Snapshot).where(
                    Snapshot.status.in_(
                        (
                            states.SNAP_CREATING,
                            states.SNAP_DELETING,
                            states.SNAP_RESTORING,
                            states.SNAP_MANAGING,
                            states.SNAP_UNMANAGING,
                        )
                    )
                )
            )
        )
    for vol in vols:
        if vol.status == states.DOWNLOADING and vol.previous_status:
            # A re-image (a create has no previous status): the old data is still
            # whole (the new image is swapped in only once written); keep it.
            await m._set(vol.id, status=states.ERROR, status_reason="re-image interrupted by a restart")
            done["error"] += 1
        elif vol.status in (states.CREATING, states.DOWNLOADING):
            await m.backend.delete(vol.id, vol.provider_location or {})
            await m._set(
                vol.id, status=states.ERROR, status_reason="create interrupted by a restart of the volume service"
            )
            done["error"] += 1
        elif vol.status == states.DELETING:
            await m.delete_volume(ctx, vol.id)
            done["deleted"] += 1
        elif vol.status == states.EXTENDING:
            # The extend may or may not have reached the file: redo it (idempotent).
            await m.extend_volume(ctx, vol.id, vol.size)
            done["restored"] += 1
        elif vol.status == states.MANAGING:
            # The backend may or may not have adopted it: never delete what may be user data.
            await m._set(vol.id, status=states.ERROR_MANAGING, status_reason="manage interrupted by a restart")
            done["error"] += 1
        elif vol.status == states.UNMANAGING:
            await m.unmanage_volume(ctx, vol.id)
            done["deleted"] += 1
        elif vol.status == states.REVERTING:
            # The data may be half put back: the volume is in doubt, its snapshot intact.
            await m._set(vol.id, status=states.ERROR, status_reason="revert interrupted by a restart")
            done["error"] += 1
        elif vol.status == states.UPLOADING:
            await m._set(
                vol.id,
                status=vol.previous_status or states.AVAILABLE,
                status_reason="upload interrupted by a restart of the volume service",
            )
            done["restored"] += 1
    for snap in snaps:
        if snap.status == states.SNAP_RESTORING:
            await m._set_snapshot(snap.id, status=states.SNAP_AVAILABLE)
        elif snap.status == states.SNAP_MANAGING:
            # Never drop what may be user data: the adoption is just not done.
            await m._set_snapshot(snap.id, status=states.SNAP_ERROR, status_reason="manage interrupted")
            done["error"] += 1
        elif snap.status == states.SNAP_UNMANAGING:
            await m.unmanage_snapshot(ctx, snap.id)
            done["deleted"] += 1
        elif snap.status == states.SNAP_CREATING:
            await _drop_partial_snapshot(m, snap)
            await m._set_snapshot(snap.id, status=states.SNAP_ERROR, status_reason="interrupted by a restart")
            done["error"] += 1
        else:
            await m.delete_snapshot(ctx, snap.id)
            done["deleted"] += 1
    await _recover_backups(m, ctx, done)
    if any(done.values()):
        log.info("volume manager %s recovered: %s", m.host, done)
    return done


async def _recover_backups(m: VolumeManager, ctx: RequestContext, done: dict[str, int]) -> None:
    """A backup or restore cut short: the backup errs (a restore's backup is intact),
    the volume goes back (or, half restored, to error); deletes are finished."""
    async with m.db.reader() as s:
        rows = list(await s.scalars(select(Backup).where(Backup.status.in_(("creating", "restoring", "deleting")))))
        busy = list(
            await s.scalars(select(Volume).where(Volume.status.in_((states.BACKING_UP, states.RESTORING_BACKUP))))
        )
    for backup in rows:
        if backup.status == "deleting":
            await m.delete_backup(ctx, backup.id)
            done["deleted"] += 1
        else:
            status = "error" if backup.status == "creating" else "available"
            await backup_jobs.set_backup(m, backup.id, status=status, fail_reason="interrupted by a restart")
            done["error"] += 1
    for vol in busy:
        if vol.status == states.RESTORING_BACKUP:
            await m._set(vol.id, status=states.ERROR, status_reason="restore interrupted by a restart")
        else:
            await m._set(vol.id, status=states.AVAILABLE)
