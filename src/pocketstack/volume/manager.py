"""The volume manager (topic ``volume.<host>``): does the backend work the API casts.

Each method moves a row out of its transitional status: creating/downloading ->
available or error, deleting -> gone or error_deleting, extending -> back (or
error_extending), uploading -> back. ``recover`` runs at start-up and settles rows a
previous process left in a transitional status (a crash mid-operation), so nothing
stays "creating" forever.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound, PocketError
from pocketstack.common.timeutils import iso
from pocketstack.db import Database
from pocketstack.volume import (
    assisted,
    backup_jobs,
    compute_events,
    group_snapshots,
    manage_jobs,
    messages,
    recovery,
    scheduler,
    states,
)
from pocketstack.volume.backends.base import BackendFull, VolumeBackend
from pocketstack.volume.backup_store import BackupStore
from pocketstack.volume.images import ImageClient
from pocketstack.volume.models import Attachment, Snapshot, Volume, VolumeType

log = logging.getLogger(__name__)


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"


class VolumeManager:
    def __init__(
        self,
        host: str,
        db: Database,
        backend: VolumeBackend,
        bus: Bus,
        images: ImageClient,
        backups: BackupStore | None = None,
    ) -> None:
        self.host = host
        self.db = db
        self.backend = backend
        self.bus = bus
        self.images = images
        self.backups = backups

    # --- helpers --------------------------------------------------------------------------
    async def _volume(self, volume_id: str) -> Volume | None:
        async with self.db.reader() as s:
            return await s.get(Volume, volume_id)

    async def _set(self, volume_id: str, **values: Any) -> None:
        async with self.db.writer() as s:
            vol = await s.get(Volume, volume_id)
            if vol is not None:
                for key, value in values.items():
                    setattr(vol, key, value)

    async def _set_snapshot(self, snapshot_id: str, **values: Any) -> None:
        async with self.db.writer() as s:
            snap = await s.get(Snapshot, snapshot_id)
            if snap is not None:
                for key, value in values.items():
                    setattr(snap, key, value)

    async def _notify(self, ctx: RequestContext, event: str, volume_id: str, **extra: Any) -> None:
        """Cinder's volume usage payload (the volume as it is now, read after the change),
        with ``extra`` (a reason, the new size) on top."""
        payload: dict[str, Any] = {"volume_id": volume_id}
        vol = await self._volume(volume_id)
        if vol is not None:
            payload.update(
                tenant_id=vol.project_id,
                user_id=vol.user_id,
                display_name=vol.name,
                volume_type=vol.volume_type_id,
                size=vol.size,
                status=vol.status,
                availability_zone=vol.availability_zone,
                host=vol.host,
                snapshot_id=vol.snapshot_id,
                created_at=iso(vol.created_at),
                metadata=dict(vol.metadata_ or {}),
            )
        await self.bus.notify(event, {**payload, **extra}, ctx.to_dict(), publisher_id=f"volume.{self.host}")

    # --- create ---------------------------------------------------------------------------
    async def create_volume(self, ctx: RequestContext, volume_id: str, image: dict[str, Any] | None = None) -> None:
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.CREATING:
            return
        await self._notify(ctx, "volume.create.start", volume_id)
        if await self._no_valid_backend(ctx, vol):
            return
        try:
            if image is not None:
                await self._set(volume_id, status=states.DOWNLOADING)
                location = await self.backend.create_from_image(
                    volume_id, vol.size, self.images.data(image["id"]), image.get("disk_format") or "raw"
                )
            elif vol.snapshot_id:
                async with self.db.reader() as s:
                    snap = await s.get(Snapshot, vol.snapshot_id)
                if snap is None:
                    raise NotFound(f"Snapshot {vol.snapshot_id} is gone")
                location = await self.backend.create_from_snapshot(
                    volume_id, vol.size, snap.id, snap.provider_location or {}
                )
            elif vol.source_volid:
                source = await self._volume(vol.source_volid)
                if source is None:
                    raise NotFound(f"Source volume {vol.source_volid} is gone")
                location = await self.backend.clone(volume_id, vol.size, source.id, source.provider_location or {})
            else:
                location = await self.backend.create(volume_id, vol.size)
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: create failed", volume_id)
            await self._set(volume_id, status=states.ERROR, status_reason=f"create failed: {_reason(exc)}")
            if isinstance(exc, BackendFull) and image is not None:
                # The user learns why from the messages API, as from Cinder.
                async with self.db.writer() as s:
                    messages.record(s, vol.project_id, ctx.request_id, volume_id,
                                    messages.COPY_IMAGE_TO_VOLUME, messages.NOT_ENOUGH_SPACE_FOR_IMAGE)  # fmt: skip
            await self._notify(ctx, "volume.create.error", volume_id, reason=_reason(exc))
            return
        async with self.db.writer() as s:
            row = await s.get(Volume, volume_id)
            if row is None or row.status not in (states.CREATING, states.DOWNLOADING):
                # Deleted (or reset) while it was being made: do not leave the data behind.
                await self.backend.delete(volume_id, location)
                return
            row.provider_location = location
            row.status = states.AVAILABLE
            row.status_reason = None
        await self._notify(ctx, "volume.create.end", volume_id)

    async def _no_valid_backend(self, ctx: RequestContext, vol: Volume) -> bool:
        """The scheduler's capabilities filter: a type this backend cannot satisfy puts the
        volume in error with a user message, as Cinder's "no valid backend"."""
        async with self.db.reader() as s:
            vtype = await s.get(VolumeType, vol.volume_type_id)
        specs = dict(vtype.extra_specs or {}) if vtype is not None else {}
        if not specs:
            return False
        cap = self.backend.capacity()
        why = scheduler.unmet(
            scheduler.capabilities(self.backend.name, cap.total_gb, cap.free_gb, cap.allocated_gb), specs
        )
        if why is None:
            return False
        reason = f"No valid backend was found: the volume type needs {why}"
        async with self.db.writer() as s:
            row = await s.get(Volume, vol.id)
            if row is None or row.status != states.CREATING:
                return True
            row.status = states.ERROR
            row.status_reason = reason
            messages.record(
                s,
                row.project_id,
                ctx.request_id,
                row.id,
                messages.SCHEDULE_ALLOCATE_VOLUME,
                messages.NO_BACKEND_AVAILABLE,
            )
        await self._notify(ctx, "volume.create.error", vol.id, reason=reason)
        return True

    # --- delete ---------------------------------------------------------------------------
    async def delete_volume(self, ctx: RequestContext, volume_id: str) -> None:
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.DELETING:
            return
        await self._notify(ctx, "volume.delete.start", volume_id)
        try:
            async with self.db.reader() as s:
                snaps = list(await s.scalars(select(Snapshot).where(Snapshot.volume_id == volume_id)))
            for snap in snaps:
                await self.backend.delete_snapshot(snap.id, snap.provider_location or {})
                async with self.db.writer() as s:
                    snap_row = await s.get(Snapshot, snap.id)
                    if snap_row is not None:
                        await s.delete(snap_row)
            await self.backend.delete(volume_id, vol.provider_location or {})
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: delete failed", volume_id)
            await self._set(volume_id, status=states.ERROR_DELETING, status_reason=f"delete failed: {_reason(exc)}")
            return
        async with self.db.writer() as s:
            row = await s.get(Volume, volume_id)
            if row is not None:
                await s.delete(row)
        await self._notify(ctx, "volume.delete.end", volume_id)

    # --- extend ---------------------------------------------------------------------------
    async def extend_volume(self, ctx: RequestContext, volume_id: str, new_size: int) -> None:
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.EXTENDING:
            return
        location = vol.provider_location or {}
        online = vol.previous_status == states.IN_USE
        try:
            by_host = online and await self.backend.extend_by_host(volume_id, location, new_size)
            if not by_host:
                await self.backend.extend(volume_id, location, new_size)
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: extend failed", volume_id)
            await self._extend_failed(vol, f"extend failed: {_reason(exc)}")
            return
        if by_host:
            # The QEMU process holding the file grows it (block_resize); the volume stays
            # extending until compute reports (os-extend_volume_completion).
            if not await compute_events.volume_extended(self.images.runtime, volume_id, await self._servers(volume_id)):
                await self._extend_failed(vol, "extend failed: compute could not be told to grow the attached volume")
            return
        await self._set(volume_id, status=vol.previous_status or states.AVAILABLE, previous_size=None, size=new_size)
        await self._notify(ctx, "volume.resize.end", volume_id, size=new_size)
        if online:
            # Online extend: the hypervisor holding the volume must re-read its size.
            await compute_events.volume_extended(self.images.runtime, volume_id, await self._servers(volume_id))

    async def extend_volume_completion(self, ctx: RequestContext, volume_id: str, error: bool) -> None:
        """Compute grew (or failed to grow) an attached volume the backend left to it."""
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.EXTENDING:
            return
        if error:
            await self._extend_failed(vol, "extend failed: compute could not grow the attached volume")
            return
        self.backend.extended(volume_id, vol.provider_location or {}, vol.size)
        await self._set(volume_id, status=vol.previous_status or states.IN_USE, previous_size=None, status_reason=None)
        await self._notify(ctx, "volume.resize.end", volume_id, size=vol.size)

    async def _extend_failed(self, vol: Volume, reason: str) -> None:
        await self._set(
            vol.id,
            status=states.ERROR_EXTENDING,
            size=vol.previous_size or vol.size,
            previous_size=None,
            status_reason=reason,
        )

    async def _servers(self, volume_id: str) -> list[str]:
        async with self.db.reader() as s:
            servers = await s.scalars(select(Attachment.instance_uuid).where(Attachment.volume_id == volume_id))
            return sorted({sid for sid in servers if sid})

    # --- manage / unmanage (manage_jobs.py) ---------------------------------------------------
    async def manage_existing(self, ctx: RequestContext, volume_id: str, name: str) -> None:
        await manage_jobs.manage_existing(self, ctx, volume_id, name)

    async def unmanage_volume(self, ctx: RequestContext, volume_id: str) -> None:
        await manage_jobs.unmanage_volume(self, ctx, volume_id)

    async def manage_existing_snapshot(self, ctx: RequestContext, snapshot_id: str, name: str) -> None:
        await manage_jobs.manage_existing_snapshot(self, ctx, snapshot_id, name)

    async def unmanage_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        await manage_jobs.unmanage_snapshot(self, ctx, snapshot_id)

    async def get_manageable(self, ctx: RequestContext, managed: list[str]) -> list[dict[str, Any]]:
        return await self.backend.manageable(set(managed))

    async def get_manageable_snapshots(self, ctx: RequestContext, in_use: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await self.backend.manageable_snapshots(in_use)

    # --- backups (backup_jobs.py) -------------------------------------------------------------
    async def create_backup(self, ctx: RequestContext, backup_id: str) -> None:
        await backup_jobs.create_backup(self, ctx, backup_id)

    async def restore_backup(self, ctx: RequestContext, backup_id: str, volume_id: str, new: bool) -> None:
        await backup_jobs.restore_backup(self, ctx, backup_id, volume_id, new)

    async def delete_backup(self, ctx: RequestContext, backup_id: str) -> None:
        await backup_jobs.delete_backup(self, ctx, backup_id)

    async def backup_data_exists(self, ctx: RequestContext, key: str) -> bool:
        return self.backups is not None and self.backups.exists(key)

    # --- reimage ----------------------------------------------------------------------------
    async def reimage(
        self, ctx: RequestContext, volume_id: str, image: dict[str, Any], image_metadata: dict[str, str]
    ) -> None:
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.DOWNLOADING:
            return
        try:
            location = await self.backend.create_from_image(
                volume_id, vol.size, self.images.data(image["id"]), image.get("disk_format") or "raw"
            )
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: re-image with %s failed", volume_id, image["id"])
            await self._set(volume_id, status=states.ERROR, status_reason=f"re-image failed: {_reason(exc)}")
            return
        # Back where it was (a reserved volume stays reserved for the server rebuilding on it).
        back = states.RESERVED if vol.previous_status == states.RESERVED else states.AVAILABLE
        await self._set(
            volume_id,
            status=back,
            previous_status=None,
            provider_location=location,
            image_metadata=image_metadata,
            image_id=image["id"],
            bootable=True,
            status_reason=None,
        )

    # --- revert -----------------------------------------------------------------------------
    async def revert_to_snapshot(self, ctx: RequestContext, volume_id: str, snapshot_id: str) -> None:
        async with self.db.reader() as s:
            vol = await s.get(Volume, volume_id)
            snap = await s.get(Snapshot, snapshot_id)
        if vol is None or snap is None or vol.status != states.REVERTING:
            return
        await self._notify(ctx, "volume.revert.start", volume_id, snapshot_id=snapshot_id)
        try:
            await self.backend.revert(volume_id, vol.provider_location or {}, snapshot_id, snap.provider_location or {})
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: revert to %s failed", volume_id, snapshot_id)
            # As Cinder: the volume's data is in doubt, the snapshot is intact.
            await self._set(volume_id, status=states.ERROR, status_reason=f"revert failed: {_reason(exc)}")
            await self._set_snapshot(snapshot_id, status=states.SNAP_AVAILABLE)
            return
        await self._set(volume_id, status=states.AVAILABLE, status_reason=None)
        await self._set_snapshot(snapshot_id, status=states.SNAP_AVAILABLE)
        await self._notify(ctx, "volume.revert.end", volume_id, snapshot_id=snapshot_id)

    # --- snapshots ------------------------------------------------------------------------
    async def create_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        async with self.db.reader() as s:
            snap = await s.get(Snapshot, snapshot_id)
            vol: Volume | None = None
            if snap is not None:
                vol = await s.get(Volume, snap.volume_id)
        if snap is None or vol is None or snap.status != states.SNAP_CREATING:
            return
        volume_location = vol.provider_location or {}
        try:
            info = self.backend.assisted_snapshot(snapshot_id, volume_location) if vol.status == states.IN_USE else None
            if info is not None:
                # The VM's QEMU has the file open (and locked) and the guest writes to it:
                # it takes the snapshot (internal) or makes the point-in-time copy (backup).
                try:
                    await assisted.create(self.images.runtime, vol.id, snapshot_id, info)
                    location = await self.backend.snapshot_taken(snapshot_id, vol.id, volume_location, info)
                except BaseException:
                    self.backend.snapshot_abandoned(snapshot_id, info)
                    raise
            else:
                location = await self.backend.create_snapshot(snapshot_id, vol.id, volume_location)
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("snapshot %s: create failed", snapshot_id)
            await self._set_snapshot(snapshot_id, status=states.SNAP_ERROR, status_reason=_reason(exc))
            await self._settle_group_snapshot(snap.group_snapshot_id)
            return
        await self._set_snapshot(snapshot_id, status=states.SNAP_AVAILABLE, progress="100%", provider_location=location)
        await self._settle_group_snapshot(snap.group_snapshot_id)

    async def _settle_group_snapshot(self, group_snapshot_id: str | None) -> None:
        if group_snapshot_id:
            async with self.db.writer() as s:
                await group_snapshots.settle(s, group_snapshot_id)

    async def delete_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        async with self.db.reader() as s:
            snap = await s.get(Snapshot, snapshot_id)
            vol = await s.get(Volume, snap.volume_id) if snap is not None else None
        if snap is None or snap.status != states.SNAP_DELETING:
            return
        location = snap.provider_location or {}
        try:
            if location.get("internal") and vol is not None and vol.status == states.IN_USE:
                await assisted.delete(self.images.runtime, vol.id, snapshot_id, str(location["internal"]))
                self.backend.snapshot_removed(snapshot_id, location)
            else:
                await self.backend.delete_snapshot(snapshot_id, location)
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("snapshot %s: delete failed", snapshot_id)
            await self._set_snapshot(snapshot_id, status=states.SNAP_ERROR_DELETING, status_reason=_reason(exc))
            await self._settle_group_snapshot(snap.group_snapshot_id)
            return
        async with self.db.writer() as s:
            row = await s.get(Snapshot, snapshot_id)
            if row is not None:
                await s.delete(row)
                await s.flush()
        await self._settle_group_snapshot(snap.group_snapshot_id)

    # --- connections (calls: the API waits) ------------------------------------------------
    async def initialize_connection(
        self, ctx: RequestContext, volume_id: str, connector: dict[str, Any]
    ) -> dict[str, Any]:
        vol = await self._volume(volume_id)
        if vol is None:
            raise NotFound(f"Volume {volume_id} could not be found.")
        return await self.backend.connection_info(volume_id, vol.provider_location or {}, connector)

    async def terminate_connection(self, ctx: RequestContext, volume_id: str, connector: dict[str, Any]) -> None:
        # File and fake backends keep no per-host export: nothing to tear down.
        return None

    async def get_capacity(self, ctx: RequestContext) -> dict[str, Any]:
        cap = self.backend.capacity()
        return {
            "backend": self.backend.name,
            "total_gb": cap.total_gb,
            "allocated_gb": cap.allocated_gb,
            "free_gb": cap.free_gb,
        }

    # --- upload to image ------------------------------------------------------------------
    async def upload_image(self, ctx: RequestContext, volume_id: str, image_id: str, disk_format: str = "raw") -> None:
        vol = await self._volume(volume_id)
        if vol is None or vol.status != states.UPLOADING:
            return
        back = vol.previous_status or states.AVAILABLE
        try:
            data = self.backend.read(volume_id, vol.provider_location or {}, disk_format)
            await self.images.upload(image_id, data, ctx.auth_token)
        except Exception as exc:
            if not isinstance(exc, PocketError):
                log.exception("volume %s: upload to image %s failed", volume_id, image_id)
            await self._set(volume_id, status=back, status_reason=f"upload to image failed: {_reason(exc)}")
            try:
                await self.images.delete(image_id, ctx.auth_token)
            except Exception:
                log.warning("volume %s: could not remove the failed image %s", volume_id, image_id)
            return
        await self._set(volume_id, status=back, previous_status=None)

    # --- start-up (recovery.py) -----------------------------------------------------------------
    async def recover(self) -> dict[str, int]:
        """Settle what a previous process left half-done on this host; counts per outcome."""
        return await recovery.recover(self)
