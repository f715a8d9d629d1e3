"""Resource providers: trees (parent/root), names, generations."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import filters
from pocketstack.placement.objects.tables import ALLOC, INV, RP

PARENT = RP.alias("parent")
ROOT = RP.alias("root")

CONCURRENT = "placement.concurrent_update"


@dataclass
class Provider:
    id: int
    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None
    root_provider_uuid: str
    root_id: int
    updated_at: dt.datetime | None


@dataclass
class ProviderQuery:
    name: str | None = None
    uuid: str | None = None
    in_tree: str | None = None
    resources: dict[int, int] = field(default_factory=dict)
    traits: filters.TraitFilter = field(default_factory=filters.TraitFilter)
    aggregates: filters.AggregateFilter = field(default_factory=filters.AggregateFilter)


def _select() -> Any:
    return select(
        RP.c.id,
        RP.c.uuid,
        RP.c.name,
        RP.c.generation,
        PARENT.c.uuid,
        ROOT.c.uuid,
        RP.c.root_provider_id,
        RP.c.updated_at,
    ).select_from(
        RP.outerjoin(PARENT, RP.c.parent_provider_id == PARENT.c.id).outerjoin(ROOT, RP.c.root_provider_id == ROOT.c.id)
    )


def _row(row: Any) -> Provider:
    return Provider(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])


async def get(session: AsyncSession, uuid: str) -> Provider:
    row = (await session.execute(_select().where(RP.c.uuid == uuid))).first()
    if row is None:
        raise e.NotFound(f"No resource provider with uuid {uuid} found")
    return _row(row)


async def find(session: AsyncSession, uuids: list[str]) -> dict[str, Provider]:
    if not uuids:
        return {}
    rows = await session.execute(_select().where(RP.c.uuid.in_(sorted(set(uuids)))))
    return {p.uuid: p for p in map(_row, rows)}


async def by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Provider]:
    out: dict[int, Provider] = {}
    for start in range(0, len(ids), 5000):
        rows = await session.execute(_select().where(RP.c.id.in_(ids[start : start + 5000])))
        out.update((p.id, p) for p in map(_row, rows))
    return out


async def in_trees(session: AsyncSession, root_ids: list[int]) -> list[Provider]:
    rows = await session.execute(_select().where(RP.c.root_provider_id.in_(root_ids)))
    return [_row(r) for r in rows]


async def list_(session: AsyncSession, q: ProviderQuery) -> list[Provider]:
    stmt = _select()
    if q.name is not None:
        stmt = stmt.where(RP.c.name == q.name)
    if q.uuid is not None:
        stmt = stmt.where(RP.c.uuid == q.uuid)
    if q.in_tree is not None:
        tree = select(RP.c.root_provider_id).where(RP.c.uuid == q.in_tree).scalar_subquery()
        stmt = stmt.where(RP.c.root_provider_id == tree)
    for class_id, amount in sorted(q.resources.items()):
        stmt = stmt.where(filters.has_capacity(RP.c.id, class_id, amount))
    for clause in filters.traits_clause(RP.c.id, q.traits):
        stmt = stmt.where(clause)
    for clause in filters.aggregates_clause(RP.c.id, RP.c.root_provider_id, q.aggregates):
        stmt = stmt.where(clause)
    rows = await session.execute(stmt.order_by(RP.c.id))
    return [_row(r) for r in rows]


async def create(session: AsyncSession, name: str, uuid: str | None, parent_uuid: str | None) -> Provider:
    uuid = uuid or str(uuidlib.uuid4())
    parent: Provider | None = None
    if parent_uuid is not None:
        if parent_uuid == uuid:
            raise e.Invalid("Resource provider cannot be its own parent.")
        parent = await _parent(session, parent_uuid)
    taken = (
        await session.execute(select(RP.c.uuid, RP.c.name).where((RP.c.uuid == uuid) | (RP.c.name == name)))
    ).first()
    if taken is not None:
        if taken[0] == uuid:
            raise e.Conflict(f"Conflicting resource provider uuid: {uuid} already exists.")
        raise e.Conflict(f"Conflicting resource provider name: {name} already exists.", kind="placement.duplicate_name")
    now = utcnow()
    try:
        async with session.begin_nested():
            result = await session.execute(
                insert(RP).values(
                    uuid=uuid,
                    name=name,
                    generation=0,
                    created_at=now,
                    updated_at=now,
                    parent_provider_id=parent.id if parent else None,
                    root_provider_id=parent.root_id if parent else None,
                )
            )
            new_id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
            if parent is None:
                await session.execute(update(RP).where(RP.c.id == new_id).values(root_provider_id=new_id))
    except IntegrityError:
        raise e.Conflict(
            f"Conflicting resource provider name: {name} already exists.", kind="placement.duplicate_name"
        ) from None
    return await get(session, uuid)


async def _parent(session: AsyncSession, parent_uuid: str) -> Provider:
    try:
        return await get(session, parent_uuid)
    except e.NotFound:
        raise e.Invalid(f"parent provider UUID {parent_uuid} does not exist.") from None


async def update_provider(
    session: AsyncSession, uuid: str, name: str, parent_uuid: str | None, *, parent_given: bool, may_reparent: bool
) -> Provider:
    """Rename and (re)parent a provider. Before 1.37 a parent can be set once, never changed."""
    provider = await get(session, uuid)
    values: dict[str, Any] = {"name": name}
    if parent_given and parent_uuid != provider.parent_provider_uuid:
        if not may_reparent and provider.parent_provider_uuid is not None:
            raise e.Invalid("re-parenting a provider is not currently allowed.")
        if not may_reparent and parent_uuid is None:
            raise e.Invalid("un-parenting a provider is not currently allowed.")
        await _reparent(session, provider, parent_uuid)
    if name != provider.name:
        clash = await session.scalar(select(exists().where(RP.c.name == name, RP.c.id != provider.id)))
        if clash:
            raise e.Conflict(
                f"Conflicting resource provider name: {name} already exists.", kind="placement.duplicate_name"
            )
        await session.execute(update(RP).where(RP.c.id == provider.id).values(values))
    return await get(session, uuid)


async def _reparent(session: AsyncSession, provider: Provider, parent_uuid: str | None) -> None:
    new_parent = await _parent(session, parent_uuid) if parent_uuid else None
    subtree = await descendants(session, provider.id)
    if new_parent is not None and (new_parent.id in subtree or new_parent.id == provider.id):
        raise e.Invalid("creating loop in the provider tree is not allowed.")
    new_root = new_parent.root_id if new_parent else provider.id
    await session.execute(
        update(RP)
        .where(RP.c.id == provider.id)
        .values(parent_provider_id=new_parent.id if new_parent else None, updated_at=utcnow())
    )
    await session.execute(update(RP).where(RP.c.id.in_([provider.id, *subtree])).values(root_provider_id=new_root))


async def descendants(session: AsyncSession, provider_id: int) -> set[int]:
    """Every provider below ``provider_id`` (one query per level of the tree)."""
    found: set[int] = set()
    level = [provider_id]
    while level:
        rows = await session.execute(select(RP.c.id).where(RP.c.parent_provider_id.in_(level)))
        level = [r for (r,) in rows if r not in found]
        found.update(level)
    return found


async def delete_provider(session: AsyncSession, uuid: str) -> None:
    provider = await get(session, uuid)
    if await session.scalar(select(exists().where(ALLOC.c.resource_provider_id == provider.id))):
        raise e.Conflict(
            f"Unable to delete resource provider {uuid}: Resource provider has allocations.",
            kind="placement.resource_provider.inuse",
        )
    if await session.scalar(select(exists().where(RP.c.parent_provider_id == provider.id))):
        raise e.Conflict(
            f"Unable to delete parent resource provider {uuid}: It has child resource providers.",
            kind="placement.resource_provider.cannot_delete_parent",
        )
    await session.execute(delete(INV).where(INV.c.resource_provider_id == provider.id))
    await session.execute(delete(RP).where(RP.c.id == provider.id))


async def bump(session: AsyncSession, provider: Provider, expected: int | None) -> int:
    """Increment the generation; with ``expected``, only if it still has that value (409 otherwise)."""
    stmt = update(RP).where(RP.c.id == provider.id)
    if expected is not None:
        if expected != provider.generation:
            raise conflict(provider.uuid)
        stmt = stmt.where(RP.c.generation == expected)
    result = await session.execute(stmt.values(generation=RP.c.generation + 1, updated_at=utcnow()))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise conflict(provider.uuid)
    provider.generation += 1
    return provider.generation


async def bump_many(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(update(RP).where(RP.c.id.in_(sorted(ids))).values(generation=RP.c.generation + 1))


def conflict(uuid: str) -> e.Conflict:
    return e.Conflict(
        f"resource provider generation conflict: the provider {uuid} was changed by another request; "
        "refresh and try again.",
        kind=CONCURRENT,
    )
