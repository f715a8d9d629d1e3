"""Group types (3.11+): name, description, public flag and group specs. Groups
themselves are not built yet, so no group type is ever in use."""

from __future__ import annotations

from sqlalchemy import asc, desc, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, NotFound
from pocketstack.db.models import same_name
from pocketstack.volume.models import GroupType

SORT_KEYS = ("id", "name", "description", "created_at", "is_public")


async def get(s: AsyncSession, ctx: RequestContext, group_type_id: str) -> GroupType:
    row = await s.get(GroupType, group_type_id)
    if row is None or not (ctx.is_admin or row.is_public):
        raise NotFound(f"Group type {group_type_id} could not be found.")
    return row


async def list_all(
    s: AsyncSession, ctx: RequestContext, is_public: bool | None, sort: list[tuple[str, str]]
) -> list[GroupType]:
    query = select(GroupType)
    if not ctx.is_admin:
        query = query.where(GroupType.is_public.is_(True))
    elif is_public is not None:
        query = query.where(GroupType.is_public.is_(is_public))
    for key, direction in sort:
        column = getattr(GroupType, key)
        query = query.order_by(asc(column) if direction == "asc" else desc(column))
    return list(await s.scalars(query))


async def _check_name(s: AsyncSession, name: str, ignore: str | None = None) -> None:
    query = select(GroupType).where(same_name(GroupType.name, name))
    found = await s.scalar(query)
    if found is not None and found.id != ignore:
        raise Conflict(f"Group Type {name} already exists.")


async def create(
    s: AsyncSession, name: str, description: str | None, is_public: bool, specs: dict[str, str]
) -> GroupType:
    await _check_name(s, name)
    row = GroupType(name=name, description=description, is_public=is_public, group_specs=specs)
    s.add(row)
    await s.flush()
    return row


async def update(
    s: AsyncSession, row: GroupType, name: str | None, description: str | None, is_public: bool | None
) -> None:
    if name is not None:
        await _check_name(s, name, ignore=row.id)
        row.name = name
    if description is not None:
        row.description = description
    if is_public is not None:
        row.is_public = is_public
    await s.flush()
