"""Volume groups (3.13+): a group has a group type and the volume types its volumes
may have; volumes join at create (``group_id``) or by update (add/remove), and leave
with the group's delete (``delete-volumes``) or a remove. A volume in a group is not
deleted on its own. New groups may be made from another group (3.14: each volume
cloned). Nothing on the backend is per group, so a group is available at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import group_types, quotas, states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.models import Attachment, Group, GroupSnapshot, GroupType, Volume

AVAILABLE = "available"
DELETING = "deleting"
STATUSES = ("creating", "available", "deleting", "error", "error_deleting", "updating", "in-use", "deleted")


async def get(s: AsyncSession, ctx: RequestContext, group_id: str) -> Group:
    group = await s.get(Group, group_id)
    if group is None or not (ctx.is_admin or group.project_id == ctx.project_id):
        raise NotFound(f"Group {group_id} could not be found.")
    return group


async def volumes_of(s: AsyncSession, group_id: str) -> list[Volume]:
    return list(await s.scalars(select(Volume).where(Volume.group_id == group_id).order_by(Volume.created_at)))


async def _group_type(s: AsyncSession, ctx: RequestContext, ident: str) -> GroupType:
    row = await s.get(GroupType, ident)
    if row is None:
        row = await s.scalar(select(GroupType).where(GroupType.name == ident))
    if row is None:
        raise NotFound(f"Group type {ident} could not be found.")
    return await group_types.get(s, ctx, row.id)


async def create(
    deps: VolumeDeps,
    ctx: RequestContext,
    name: str | None,
    description: str | None,
    group_type: str,
    volume_types: list[str],
    zone: str | None,
    *,
    source_group_id: str | None = None,
    group_snapshot_id: str | None = None,
) -> Group:
    zone = zone or deps.cfg.availability_zone
    if zone != deps.cfg.availability_zone:
        raise Invalid(f"Invalid input received: Availability zone '{zone}' is invalid.")
    async with deps.db.writer() as s:
        gtype = await _group_type(s, ctx, group_type)
        await quotas.check(deps.db, s, deps.cfg, ctx.project_id or "", quotas.Delta(groups=1))
        type_ids = []
        for ident in volume_types:
            try:
                type_ids.append((await types.find(s, ctx, ident)).id)
            except NotFound:
                raise Invalid(f"Invalid input received: volume type {ident} could not be found.") from None
        group = Group(
            project_id=ctx.project_id or "",
            user_id=ctx.user_id or "",
            name=name,
            description=description,
            status=AVAILABLE,
            availability_zone=zone,
            group_type_id=gtype.id,
            volume_type_ids=type_ids,
            source_group_id=source_group_id,
            group_snapshot_id=group_snapshot_id,
        )
        s.add(group)
        await s.flush()
        return group


def check_member(group: Group, volume_type_id: str) -> None:
    """Whether a volume of this type may be made in (or join) the group."""
    if group.status != AVAILABLE:
        raise Invalid(
            f"Invalid group: Group {group.id} status must be available, but current status is {group.status}."
        )
    if volume_type_id not in (group.volume_type_ids or []):
        raise Invalid(
            f"Invalid volume type: the volume's type {volume_type_id} is not one of group {group.id}'s types."
        )


async def list_groups(deps: VolumeDeps, ctx: RequestContext, all_projects: bool) -> list[Group]:
    query = select(Group).order_by(Group.created_at.desc(), Group.id)
    if not (ctx.is_admin and all_projects):
        query = query.where(Group.project_id == ctx.project_id)
    async with deps.db.reader() as s:
        return list(await s.scalars(query))


def _ids(raw: str | None) -> list[str]:
    return [x.strip() for x in (raw or "").split(",") if x.strip()]


async def update(
    deps: VolumeDeps, ctx: RequestContext, group_id: str, changes: dict[str, Any], add: str | None, remove: str | None
) -> None:
    async with deps.db.writer() as s:
        group = await get(s, ctx, group_id)
        if group.status != AVAILABLE:
            raise Invalid(f"Invalid group: Group {group.id} status must be available to update, not {group.status}.")
        for vid in _ids(add):
            vol = await s.get(Volume, vid)
            if vol is None or vol.project_id != group.project_id:
                raise Invalid(f"Invalid volume: Cannot add volume {vid} to group {group.id}: it could not be found.")
            if vol.group_id and vol.group_id != group.id:
                raise Invalid(f"Invalid volume: Volume {vid} is already in group {vol.group_id}.")
            if vol.status not in (states.AVAILABLE, states.IN_USE):
                raise Invalid(
                    f"Invalid volume: Volume {vid} must be available or in-use to join a group, not {vol.status}."
                )
            check_member(group, vol.volume_type_id)
            vol.group_id = group.id
        for vid in _ids(remove):
            vol = await s.get(Volume, vid)
            if vol is None or vol.group_id != group.id:
                raise Invalid(f"Invalid volume: Volume {vid} is not in group {group.id}.")
            vol.group_id = None
        for key in ("name", "description"):
            if key in changes:
                setattr(group, key, changes[key])


async def delete(deps: VolumeDeps, ctx: RequestContext, group_id: str, delete_volumes: bool) -> list[str]:
    """Remove the group; returns the volumes to delete with it (already marked deleting)."""
    async with deps.db.writer() as s:
        group = await get(s, ctx, group_id)
        members = await volumes_of(s, group.id)
        if await s.scalar(select(GroupSnapshot.id).where(GroupSnapshot.group_id == group.id).limit(1)):
            raise Invalid(f"Invalid group: Group {group.id} has existing snapshots; delete them first.")
        if members and not delete_volumes:
            raise Invalid(
                f"Invalid group: Group {group.id} still contains volumes. The delete-volumes flag is required to "
                "delete it."
            )
        for vol in members:
            attached = await s.scalar(select(Attachment.id).where(Attachment.volume_id == vol.id).limit(1))
            if attached or vol.status not in states.DELETABLE:
                raise Invalid(f"Invalid volume: Volume {vol.id} in group {group.id} is {vol.status} or attached.")
        for vol in members:
            vol.status = states.DELETING
            vol.group_id = None
        await s.delete(group)
        return [v.id for v in members]


async def reset_status(deps: VolumeDeps, ctx: RequestContext, group_id: str, status: str) -> None:
    if status not in STATUSES:
        raise Invalid(f"Invalid input received: Invalid group status {status!r}.")
    async with deps.db.writer() as s:
        group = await get(s, ctx, group_id)
        group.status = status
