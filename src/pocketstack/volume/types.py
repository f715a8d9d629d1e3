"""Volume types: name, description, public or private (with project access), extra specs;
one of them is the default, used when a create names no type."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.db import Database
from pocketstack.db.models import same_name
from pocketstack.volume.models import DefaultType, Volume, VolumeType

DEFAULT_DESCRIPTION = "Default Volume Type"


async def ensure_default(db: Database, name: str) -> None:
    async with db.writer() as s:
        if await s.scalar(select(VolumeType).where(VolumeType.name == name)) is None:
            s.add(VolumeType(name=name, description=DEFAULT_DESCRIPTION, is_public=True, extra_specs={}))


def visible(ctx: RequestContext, vtype: VolumeType) -> bool:
    return ctx.is_admin or vtype.is_public or (ctx.project_id or "") in (vtype.projects or [])


async def get(s: AsyncSession, ctx: RequestContext, ident: str, default_name: str) -> VolumeType:
    """By id, or ``default`` for the default type."""
    vtype: VolumeType | None
    if ident == "default":
        vtype = await default(s, default_name, ctx.project_id)
    else:
        vtype = await s.get(VolumeType, ident)
    if vtype is None or not visible(ctx, vtype):
        raise NotFound(f"Volume type {ident} could not be found.")
    return vtype


async def find(s: AsyncSession, ctx: RequestContext, name_or_id: str) -> VolumeType:
    """For a volume create: a type named or with that id (Cinder takes either)."""
    vtype = await s.get(VolumeType, name_or_id)
    if vtype is None:
        vtype = await s.scalar(select(VolumeType).where(VolumeType.name == name_or_id))
    if vtype is None or not visible(ctx, vtype):
        raise NotFound(f"Volume type with name {name_or_id} could not be found.")
    return vtype


async def default(s: AsyncSession, name: str, project_id: str | None = None) -> VolumeType:
    """The project's default type (3.62 overrides), else the cloud's."""
    if project_id:
        override = await s.get(DefaultType, project_id)
        if override is not None:
            found = await s.get(VolumeType, override.volume_type_id)
            if found is not None:
                return found
    vtype = await s.scalar(select(VolumeType).where(VolumeType.name == name))
    if vtype is None:
        raise NotFound(f"Default volume type {name} could not be found.")
    return vtype


async def list_types(s: AsyncSession, ctx: RequestContext, is_public: bool | None) -> list[VolumeType]:
    query = select(VolumeType).order_by(VolumeType.name)
    if not ctx.is_admin:
        # Few types exist; private ones are filtered here rather than with JSON SQL.
        return [t for t in await s.scalars(query) if visible(ctx, t)]
    rows = list(await s.scalars(query))
    if is_public is not None:
        rows = [t for t in rows if t.is_public == is_public]
    return rows


async def create(
    s: AsyncSession, name: str, description: str | None, is_public: bool, extra_specs: dict[str, str]
) -> VolumeType:
    if await s.scalar(select(VolumeType).where(same_name(VolumeType.name, name))) is not None:
        raise Conflict(f"Volume Type {name} already exists.")
    vtype = VolumeType(name=name, description=description, is_public=is_public, extra_specs=extra_specs, projects=[])
    s.add(vtype)
    await s.flush()
    return vtype


async def delete(s: AsyncSession, vtype: VolumeType, default_name: str) -> None:
    if vtype.name == default_name:
        raise Invalid(f"Default volume type {vtype.name} can not be deleted.")
    if await s.scalar(select(DefaultType.project_id).where(DefaultType.volume_type_id == vtype.id).limit(1)):
        raise Invalid(f"Volume type {vtype.id} is the default volume type of a project; unset that first.")
    in_use = await s.scalar(select(func.count(Volume.id)).where(Volume.volume_type_id == vtype.id))
    if in_use:
        raise Invalid(f"Target volume type {vtype.id} is still in use.")
    await s.delete(vtype)


async def set_project_default(s: AsyncSession, project_id: str, type_ident: str) -> DefaultType:
    try:
        vtype = await find(s, RequestContext.internal(), type_ident)
    except NotFound:
        raise Invalid(f"Invalid input received: Volume type {type_ident} could not be found.") from None
    row = await s.get(DefaultType, project_id)
    if row is None:
        row = DefaultType(project_id=project_id, volume_type_id=vtype.id)
        s.add(row)
    else:
        row.volume_type_id = vtype.id
    await s.flush()
    return row
