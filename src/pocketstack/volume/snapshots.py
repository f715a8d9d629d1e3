"""Snapshots: point-in-time copies of a volume, made by the manager on the backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import asc, desc, false, select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import quotas, states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.listing import Page, paginate
from pocketstack.volume.models import Snapshot, Volume
from pocketstack.volume.records import snapshot_row, volume_row

SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at", "volume_id", "project_id")


async def create(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    name: str | None,
    description: str | None,
    metadata: dict[str, str],
    *,
    force: bool,
) -> Snapshot:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status == states.IN_USE and not force:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} is in-use; snapshotting an attached volume needs force=True."
            )
        if vol.status not in (states.AVAILABLE, states.IN_USE):
            raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or in-use, not {vol.status}.")
        vtype = await types.get(s, ctx, vol.volume_type_id, deps.cfg.default_type)
        await quotas.check(deps.db, s, deps.cfg, vol.project_id, quotas.Delta(0, 1, vol.size, vtype.name))
        snap = Snapshot(
            project_id=vol.project_id,
            user_id=ctx.user_id or "",
            volume_id=vol.id,
            volume_type_id=vol.volume_type_id,
            name=name,
            description=description,
            size=vol.size,
            status=states.SNAP_CREATING,
            progress="0%",
            metadata_=dict(metadata),
            provider_location={},
        )
        s.add(snap)
        await s.flush()
    await deps.rpcapi.create_snapshot(ctx, snapshot_id=snap.id)
    return snap


async def list_snapshots(
    deps: VolumeDeps, ctx: RequestContext, filters: dict[str, Any], page: Page, all_projects: bool
) -> tuple[list[Snapshot], str | None, int]:
    query = select(Snapshot)
    if not (ctx.is_admin and all_projects):
        query = query.where(Snapshot.project_id == ctx.project_id)
    elif "project_id" in filters:
        query = query.where(Snapshot.project_id == filters["project_id"])
    if filters.get("none"):
        query = query.where(false())
    for key in ("name", "status", "volume_id"):
        if key in filters:
            query = query.where(getattr(Snapshot, key) == filters[key])
    for key, direction in page.sort:
        column = getattr(Snapshot, key)
        query = query.order_by(asc(column) if direction == "asc" else desc(column))
    async with deps.db.reader() as s:
        rows = list(await s.scalars(query))
    wanted = filters.get("metadata") or {}
    if wanted:
        rows = [r for r in rows if all((r.metadata_ or {}).get(k) == v for k, v in wanted.items())]
    count = len(rows)
    rows, next_marker = paginate(rows, page, "snapshots")
    return rows, next_marker, count


async def show(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str) -> Snapshot:
    async with deps.db.reader() as s:
        return await snapshot_row(s, ctx, snapshot_id)


async def update(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, changes: dict[str, Any]) -> Snapshot:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        for key in ("name", "description"):
            if key in changes:
                setattr(snap, key, changes[key])
        if "metadata" in changes:
            snap.metadata_ = dict(changes["metadata"])
        await s.flush()
        return snap


async def delete(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, *, force: bool = False) -> None:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        if snap.group_snapshot_id and not force:
            raise Invalid(
                f"Invalid snapshot: Snapshot {snap.id} is part of group snapshot {snap.group_snapshot_id}; "
                "delete the group snapshot."
            )
        # An admin's force delete takes a snapshot in any status (also one stuck deleting).
        if not force and snap.status not in (states.SNAP_AVAILABLE, states.SNAP_ERROR):
            raise Invalid(
                f"Invalid snapshot: Snapshot {snap.id} status must be available or error, currently {snap.status}."
            )
        snap.status = states.SNAP_DELETING
    await deps.rpcapi.delete_snapshot(ctx, snapshot_id=snapshot_id)


async def reset_status(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, status: str) -> None:
    if status not in states.SNAPSHOT_STATUSES:
        raise Invalid(f"Invalid input received: Invalid snapshot status {status!r}.")
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        snap.status = status


# The status moves Nova may report for a snapshot it takes (os-update_snapshot_status).
_UPDATE_MOVES = {
    states.SNAP_CREATING: (states.SNAP_CREATING, states.SNAP_AVAILABLE, states.SNAP_ERROR),
    states.SNAP_DELETING: (states.SNAP_DELETING, states.SNAP_ERROR_DELETING),
}


async def update_status(
    deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, status: str, progress: str | None
) -> None:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        allowed = _UPDATE_MOVES.get(snap.status, ())
        if status not in allowed:
            raise Invalid(
                f"Invalid input received: Snapshot status {snap.status} not allowed for update_snapshot_status "
                f"to {status}."
            )
        snap.status = status
        if progress is not None:
            snap.progress = progress


async def set_metadata(
    deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, items: dict[str, str], *, replace: bool
) -> dict[str, str]:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        snap.metadata_ = dict(items) if replace else {**(snap.metadata_ or {}), **items}
        return dict(snap.metadata_)


async def delete_metadata_key(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str, key: str) -> None:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        current = dict(snap.metadata_ or {})
        if key not in current:
            raise NotFound(f"Snapshot {snapshot_id} has no metadata with key {key}.")
        del current[key]
        snap.metadata_ = current


async def volume_of(deps: VolumeDeps, snapshot: Snapshot) -> Volume | None:
    async with deps.db.reader() as s:
        return await s.get(Volume, snapshot.volume_id)


# --- manage / unmanage ----------------------------------------------------------------------
async def unmanage(deps: VolumeDeps, ctx: RequestContext, snapshot_id: str) -> None:
    async with deps.db.writer() as s:
        snap = await snapshot_row(s, ctx, snapshot_id, lock=True)
        if snap.status not in (states.SNAP_AVAILABLE, states.SNAP_ERROR):
            raise Invalid(f"Invalid snapshot: Snapshot {snap.id} status must be available or error, not {snap.status}.")
        if snap.group_snapshot_id:
            raise Invalid(f"Invalid snapshot: Snapshot {snap.id} is part of group snapshot {snap.group_snapshot_id}.")
        snap.status = states.SNAP_UNMANAGING
    await deps.rpcapi.unmanage_snapshot(ctx, snapshot_id=snapshot_id)


async def manage(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    source_name: str,
    name: str | None,
    description: str | None,
    metadata: dict[str, str],
) -> Snapshot:
    """Adopt a snapshot the backend holds for the volume (the manager finds it)."""
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status not in (states.AVAILABLE, states.IN_USE):
            raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or in-use, not {vol.status}.")
        vtype = await types.get(s, ctx, vol.volume_type_id, deps.cfg.default_type)
        await quotas.check(deps.db, s, deps.cfg, vol.project_id, quotas.Delta(0, 1, vol.size, vtype.name))
        snap = Snapshot(
            project_id=vol.project_id,
            user_id=ctx.user_id or "",
            volume_id=vol.id,
            volume_type_id=vol.volume_type_id,
            name=name,
            description=description,
            size=vol.size,
            status=states.SNAP_MANAGING,
            progress="0%",
            metadata_=dict(metadata),
            provider_location={},
        )
        s.add(snap)
        await s.flush()
    await deps.rpcapi.manage_existing_snapshot(ctx, snapshot_id=snap.id, name=source_name)
    return snap


async def manageable(deps: VolumeDeps) -> list[dict[str, Any]]:
    async with deps.db.reader() as s:
        in_use = [dict(x.provider_location or {}) for x in await s.scalars(select(Snapshot))]
    found: list[dict[str, Any]] = await deps.rpcapi.get_manageable_snapshots(
        RequestContext.internal(), timeout=30, in_use=in_use
    )
    return found
