"""Group snapshots (3.14+): a snapshot of every volume of a group at once. The member
snapshots are ordinary snapshots marked with the group snapshot; the manager settles
the group snapshot's status as they finish (available, or error if one failed), and
removes it once a delete has taken all of them. A member is not deleted on its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import groups, quotas, states
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.models import GroupSnapshot, Snapshot, VolumeType

CREATING = "creating"
AVAILABLE = "available"
DELETING = "deleting"
ERROR = "error"
STATUSES = (CREATING, AVAILABLE, DELETING, ERROR, "error_deleting")


async def get(s: AsyncSession, ctx: RequestContext, group_snapshot_id: str) -> GroupSnapshot:
    row = await s.get(GroupSnapshot, group_snapshot_id)
    if row is None or not (ctx.is_admin or row.project_id == ctx.project_id):
        raise NotFound(f"GroupSnapshot {group_snapshot_id} could not be found.")
    return row


async def members(s: AsyncSession, group_snapshot_id: str) -> list[Snapshot]:
    query = select(Snapshot).where(Snapshot.group_snapshot_id == group_snapshot_id).order_by(Snapshot.created_at)
    return list(await s.scalars(query))


async def list_all(deps: VolumeDeps, ctx: RequestContext, all_projects: bool) -> list[GroupSnapshot]:
    query = select(GroupSnapshot).order_by(GroupSnapshot.created_at.desc(), GroupSnapshot.id)
    if not (ctx.is_admin and all_projects):
        query = query.where(GroupSnapshot.project_id == ctx.project_id)
    async with deps.db.reader() as s:
        return list(await s.scalars(query))


async def create(
    deps: VolumeDeps, ctx: RequestContext, group_id: str, name: str | None, description: str | None
) -> GroupSnapshot:
    async with deps.db.writer() as s:
        group = await groups.get(s, ctx, group_id)
        if group.status != groups.AVAILABLE:
            raise Invalid(f"Invalid group: Group {group.id} status must be available, not {group.status}.")
        vols = await groups.volumes_of(s, group.id)
        for vol in vols:
            if vol.status not in (states.AVAILABLE, states.IN_USE):
                raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or in-use, not {vol.status}.")
        names = {t.id: t.name for t in await s.scalars(select(VolumeType))}
        for vol in vols:
            delta = quotas.Delta(0, 1, vol.size, names.get(vol.volume_type_id))
            await quotas.check(deps.db, s, deps.cfg, group.project_id, delta)
        row = GroupSnapshot(
            project_id=group.project_id,
            user_id=ctx.user_id or "",
            group_id=group.id,
            group_type_id=group.group_type_id,
            name=name,
            description=description,
            status=CREATING if vols else AVAILABLE,
        )
        s.add(row)
        await s.flush()
        snaps = [
            Snapshot(
                project_id=vol.project_id,
                user_id=ctx.user_id or "",
                volume_id=vol.id,
                volume_type_id=vol.volume_type_id,
                name=f"snapshot-{row.id}",
                description=None,
                size=vol.size,
                status=states.SNAP_CREATING,
                progress="0%",
                metadata_={},
                provider_location={},
                group_snapshot_id=row.id,
            )
            for vol in vols
        ]
        s.add_all(snaps)
        await s.flush()
    for snap in snaps:
        await deps.rpcapi.create_snapshot(ctx, snapshot_id=snap.id)
    return row


async def delete(deps: VolumeDeps, ctx: RequestContext, group_snapshot_id: str) -> None:
    async with deps.db.writer() as s:
        row = await get(s, ctx, group_snapshot_id)
        if row.status not in (AVAILABLE, ERROR):
            raise Invalid(f"Invalid group snapshot: GroupSnapshot status must be available or error, not {row.status}.")
        snaps = await members(s, row.id)
        if not snaps:
            await s.delete(row)
            return
        row.status = DELETING
        for snap in snaps:
            snap.status = states.SNAP_DELETING
    for snap in snaps:
        await deps.rpcapi.delete_snapshot(ctx, snapshot_id=snap.id)


async def reset_status(deps: VolumeDeps, ctx: RequestContext, group_snapshot_id: str, status: str) -> None:
    if status not in STATUSES:
        raise Invalid(f"Invalid input received: Invalid group snapshot status {status!r}.")
    async with deps.db.writer() as s:
        (await get(s, ctx, group_snapshot_id)).status = status


async def settle(s: AsyncSession, group_snapshot_id: str) -> None:
    """After a member snapshot finished (made, failed, or deleted): the group snapshot's
    status follows its members; a deleting one goes once they are all gone."""
    row = await s.get(GroupSnapshot, group_snapshot_id)
    if row is None:
        return
    snaps = await members(s, row.id)
    if row.status == DELETING:
        if not snaps:
            await s.delete(row)
        elif any(x.status == states.SNAP_ERROR_DELETING for x in snaps):
            row.status = "error_deleting"
    elif row.status == CREATING:
        if any(x.status == states.SNAP_ERROR for x in snaps):
            row.status = ERROR
        elif all(x.status == states.SNAP_AVAILABLE for x in snaps):
            row.status = AVAILABLE
