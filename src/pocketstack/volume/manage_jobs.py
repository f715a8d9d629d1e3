"""The volume manager's manage and unmanage work: a backend file (or internal snapshot)
adopted as a volume (or snapshot) row, or given up by it; each moves the row out of its
``managing``/``unmanaging`` status (the manager's RPC methods call these)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.volume import states
from pocketstack.volume.backup_jobs import failure_reason
from pocketstack.volume.models import Snapshot, Volume

if TYPE_CHECKING:
    from pocketstack.volume.manager import VolumeManager

log = logging.getLogger(__name__)


async def manage_existing(m: VolumeManager, ctx: RequestContext, volume_id: str, name: str) -> None:
    vol = await m._volume(volume_id)
    if vol is None or vol.status != states.MANAGING:
        return
    try:
        location, size = await m.backend.manage_existing(volume_id, name)
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("volume %s: manage of %s failed", volume_id, name)
        await m._set(volume_id, status=states.ERROR_MANAGING, status_reason=f"manage failed: {failure_reason(exc)}")
        return
    await m._set(volume_id, status=states.AVAILABLE, provider_location=location, size=size, status_reason=None)


async def unmanage_volume(m: VolumeManager, ctx: RequestContext, volume_id: str) -> None:
    vol = await m._volume(volume_id)
    if vol is None or vol.status != states.UNMANAGING:
        return
    try:
        await m.backend.unmanage(volume_id, vol.provider_location or {})
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("volume %s: unmanage failed", volume_id)
        await m._set(volume_id, status=states.ERROR, status_reason=f"unmanage failed: {failure_reason(exc)}")
        return
    async with m.db.writer() as s:
        row = await s.get(Volume, volume_id)
        if row is not None:
            await s.delete(row)


async def manage_existing_snapshot(m: VolumeManager, ctx: RequestContext, snapshot_id: str, name: str) -> None:
    async with m.db.reader() as s:
        snap = await s.get(Snapshot, snapshot_id)
        vol = await s.get(Volume, snap.volume_id) if snap is not None else None
    if snap is None or vol is None or snap.status != states.SNAP_MANAGING:
        return
    try:
        location, size = await m.backend.manage_existing_snapshot(
            snapshot_id, name, vol.id, vol.provider_location or {}
        )
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("snapshot %s: manage of %s failed", snapshot_id, name)
        await m._set_snapshot(
            snapshot_id, status=states.SNAP_ERROR, status_reason=f"manage failed: {failure_reason(exc)}"
        )
        return
    await m._set_snapshot(
        snapshot_id, status=states.SNAP_AVAILABLE, progress="100%", provider_location=location, size=size
    )


async def unmanage_snapshot(m: VolumeManager, ctx: RequestContext, snapshot_id: str) -> None:
    async with m.db.reader() as s:
        snap = await s.get(Snapshot, snapshot_id)
    if snap is None or snap.status != states.SNAP_UNMANAGING:
        return
    try:
        await m.backend.unmanage_snapshot(snapshot_id, snap.provider_location or {})
    except Exception as exc:
        if not isinstance(exc, PocketError):
            log.exception("snapshot %s: unmanage failed", snapshot_id)
        await m._set_snapshot(
            snapshot_id, status=states.SNAP_ERROR, status_reason=f"unmanage failed: {failure_reason(exc)}"
        )
        return
    async with m.db.writer() as s:
        row = await s.get(Snapshot, snapshot_id)
        if row is not None:
            await s.delete(row)
