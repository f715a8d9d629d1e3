"""Allocations: what each consumer holds on which providers, written atomically.

A write replaces all allocations of the consumers it names. Capacity is checked by the
UPDATE that moves ``placement_inventories.used`` itself (``... WHERE used + n <=
capacity``), so two concurrent claims for the last free unit cannot both succeed, on
SQLite (writers queue) as on PostgreSQL/MariaDB (row locks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import names, providers
from pocketstack.placement.objects.filters import capacity_left
from pocketstack.placement.objects.tables import ALLOC, CONSUMER, INV, RC, RP

# Placement's stand-in for consumers written before project/user were required (< 1.8).
INCOMPLETE = "00000000-0000-0000-0000-000000000000"


@dataclass
class ConsumerWrite:
    consumer_uuid: str
    allocations: dict[str, dict[str, int]]  # provider uuid -> resource class -> amount
    project_id: str = INCOMPLETE
    user_id: str = INCOMPLETE
    consumer_type: str | None = None
    # Checked only when ``check_generation``: None means "a new consumer".
    consumer_generation: int | None = None
    check_generation: bool = False


@dataclass
class ConsumerView:
    uuid: str
    project_id: str
    user_id: str
    consumer_type: str | None
    generation: int
    allocations: dict[str, dict[str, Any]]  # provider uuid -> {"generation", "resources"}


def _unable(message: str) -> e.Conflict:
    return e.Conflict(f"Unable to allocate inventory: {message}")


async def replace(session: AsyncSession, writes: list[ConsumerWrite]) -> None:
    """Replace the allocations of every consumer in ``writes`` in one transaction.

    Kept to a handful of statements (each is a thread hop with aiosqlite): providers
    with their inventories in one query, consumers with their allocations in another,
    one conditional UPDATE per provider, then the inserts.
    """
    rp_uuids = sorted({u for w in writes for u in w.allocations})
    found, limits = await providers_with_inventory(session, rp_uuids)
    missing_provider(rp_uuids, found)
    consumers, old = await _consumers(session, [w.consumer_uuid for w in writes])
    for w in writes:
        _check_generation(w, consumers.get(w.consumer_uuid))

    delta, new_rows = await check_limits(session, writes, found, limits)
    for key, amount in old.items():
        delta[key] = delta.get(key, 0) - amount
    await _move_usage(session, delta, {rp_id: u for u, (rp_id, _) in found.items()})

    now = utcnow()
    if old:
        await session.execute(delete(ALLOC).where(ALLOC.c.consumer_id.in_([c["id"] for c in consumers.values()])))
    consumer_ids = await _save_consumers(session, writes, consumers, now)
    if new_rows:
        await session.execute(
            insert(ALLOC),
            [
                {
                    "consumer_id": consumer_ids[c],
                    "resource_provider_id": rp,
                    "resource_class_id": rc,
                    "used": n,
                    "created_at": now,
                }
                for c, rp, rc, n in new_rows
            ],
        )
    await providers.bump_many(session, sorted({rp for rp, _ in delta}))


async def check_limits(
    session: AsyncSession,
    writes: list[ConsumerWrite],
    found: dict[str, tuple[int, int]],
    limits: dict[tuple[int, str], tuple[int, int, int, int]],
) -> tuple[dict[tuple[int, int], int], list[tuple[str, int, int, int]]]:
    """Check each amount against its inventory (exists, min/max unit, step size).

    Returns the usage each (provider id, class id) gains and the allocation rows to
    insert as (consumer uuid, provider id, class id, amount).
    """
    delta: dict[tuple[int, int], int] = {}
    new_rows: list[tuple[str, int, int, int]] = []
    for w in writes:
        for rp_uuid, resources in w.allocations.items():
            rp_id, _ = found[rp_uuid]
            for rc, amount in resources.items():
                if (rp_id, rc) not in limits:
                    await names.class_ids(session, [rc])  # an unknown class is a 400
                    raise _unable(f"Inventory for '{rc}' on resource provider '{rp_uuid}' invalid.")
                class_id, lo, hi, step = limits[(rp_id, rc)]
                if amount < lo or amount > hi or amount % step:
                    raise _unable(
                        f"Unable to create allocation for '{rc}' on resource provider '{rp_uuid}'. "
                        f"The requested amount {amount} violates min_unit {lo}, max_unit {hi} or "
                        f"step_size {step}."
                    )
                delta[(rp_id, class_id)] = delta.get((rp_id, class_id), 0) + amount
                new_rows.append((w.consumer_uuid, rp_id, class_id, amount))
    return delta, new_rows


def missing_provider(rp_uuids: list[str], found: dict[str, tuple[int, int]]) -> None:
    missing = [u for u in rp_uuids if u not in found]
    if missing:
        raise e.Invalid(f"Allocation for resource provider '{missing[0]}' that does not exist.")


def over_capacity(rp_uuid: str, classes: list[str]) -> e.Conflict:
    return _unable(
        f"Unable to create allocation for '{', '.join(sorted(classes))}' on resource provider "
        f"'{rp_uuid}'. The requested amount would exceed the capacity."
    )


async def providers_with_inventory(
    session: AsyncSession, uuids: list[str]
) -> tuple[dict[str, tuple[int, int]], dict[tuple[int, str], tuple[int, int, int, int]]]:
    """{uuid: (id, generation)} and {(provider id, class name): (class id, min, max, step)}."""
    found: dict[str, tuple[int, int]] = {}
    limits: dict[tuple[int, str], tuple[int, int, int, int]] = {}
    if not uuids:
        return found, limits
    rows = await session.execute(
        select(
            RP.c.uuid,
            RP.c.id,
            RP.c.generation,
            RC.c.name,
            INV.c.resource_class_id,
            INV.c.min_unit,
            INV.c.max_unit,
            INV.c.step_size,
        )
        .select_from(
            RP.outerjoin(INV, INV.c.resource_provider_id == RP.c.id).outerjoin(RC, RC.c.id == INV.c.resource_class_id)
        )
        .where(RP.c.uuid.in_(uuids))
    )
    for uuid, rp_id, generation, rc, class_id, lo, hi, step in rows:
        found[uuid] = (rp_id, generation)
        if rc is not None:
            limits[(rp_id, rc)] = (class_id, lo, hi, step)
    return found, limits


def _check_generation(w: ConsumerWrite, existing: dict[str, Any] | None) -> None:
    if not w.check_generation:
        return
    if existing is None and w.consumer_generation is not None:
        raise e.Conflict(
            f"consumer generation conflict - expected null but got {w.consumer_generation}", kind=providers.CONCURRENT
        )
    if existing is not None and w.consumer_generation != existing["generation"]:
        given = "null" if w.consumer_generation is None else w.consumer_generation
        raise e.Conflict(
            f"consumer generation conflict - expected {existing['generation']} but got {given}",
            kind=providers.CONCURRENT,
        )


async def _consumers(
    session: AsyncSession, uuids: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[tuple[int, int], int]]:
    """The consumers that exist, and the sum of their allocations per (provider, class)."""
    rows = await session.execute(
        select(
            CONSUMER.c.id,
            CONSUMER.c.uuid,
            CONSUMER.c.generation,
            ALLOC.c.resource_provider_id,
            ALLOC.c.resource_class_id,
            ALLOC.c.used,
        )
        .select_from(CONSUMER.outerjoin(ALLOC, ALLOC.c.consumer_id == CONSUMER.c.id))
        .where(CONSUMER.c.uuid.in_(uuids))
    )
    consumers: dict[str, dict[str, Any]] = {}
    old: dict[tuple[int, int], int] = {}
    for cid, uuid, generation, rp, rc, used in rows:
        consumers[uuid] = {"id": cid, "generation": generation}
        if rp is not None:
            old[(rp, rc)] = old.get((rp, rc), 0) + used
    return consumers, old


async def _move_usage(session: AsyncSession, delta: dict[tuple[int, int], int], uuid_of: dict[int, str]) -> None:
    """Apply usage changes, one UPDATE per provider; any increase past capacity is a 409.

    The capacity test sits in the UPDATE's WHERE, so it is atomic with the write on every
    database: if fewer rows than expected match, some class would overflow.
    """
    per_rp: dict[int, dict[int, int]] = {}
    for (rp, rc), d in delta.items():
        if d:
            per_rp.setdefault(rp, {})[rc] = d
    # A fixed order keeps two transactions from locking the same rows in opposite orders.
    for rp, changes in sorted(per_rp.items()):
        amount = case({rc: d for rc, d in changes.items()}, value=INV.c.resource_class_id, else_=0)
        growing = [rc for rc, d in changes.items() if d > 0]
        stmt = update(INV).where(INV.c.resource_provider_id == rp, INV.c.resource_class_id.in_(sorted(changes)))
        if growing:
            stmt = stmt.where(or_(INV.c.resource_class_id.not_in(growing), capacity_left() >= amount))
        result = await session.execute(stmt.values(used=INV.c.used + amount))
        if growing and result.rowcount != len(changes):  # type: ignore[attr-defined]
            names_of = await names.class_names(session)
            raise over_capacity(str(uuid_of.get(rp, rp)), [names_of.get(rc, str(rc)) for rc in growing])


async def _save_consumers(
    session: AsyncSession,
    writes: list[ConsumerWrite],
    existing: dict[str, dict[str, Any]],
    now: Any,
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for w in writes:
        current = existing.get(w.consumer_uuid)
        if not w.allocations:
            # A consumer with no allocations left is forgotten, as Placement does.
            if current is not None:
                await session.execute(delete(CONSUMER).where(CONSUMER.c.id == current["id"]))
            continue
        if current is None:
            try:
                async with session.begin_nested():
                    result = await session.execute(
                        insert(CONSUMER).values(
                            uuid=w.consumer_uuid,
                            project_id=w.project_id,
                            user_id=w.user_id,
                            consumer_type=w.consumer_type,
                            generation=1,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            except IntegrityError:
                raise e.Conflict(
                    f"consumer {w.consumer_uuid} was created by another request at the same time.",
                    kind=providers.CONCURRENT,
                ) from None
            ids[w.consumer_uuid] = result.inserted_primary_key[0]  # type: ignore[attr-defined]
            continue
        values: dict[str, Any] = {
            "generation": CONSUMER.c.generation + 1,
            "updated_at": now,
            "project_id": w.project_id,
            "user_id": w.user_id,
        }
        if w.consumer_type is not None:
            values["consumer_type"] = w.consumer_type
        result = await session.execute(
            update(CONSUMER)
            .where(CONSUMER.c.id == current["id"], CONSUMER.c.generation == current["generation"])
            .values(values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise e.Conflict(f"consumer {w.consumer_uuid} was changed by another request.", kind=providers.CONCURRENT)
        ids[w.consumer_uuid] = current["id"]
    return ids


async def delete_consumer(session: AsyncSession, consumer_uuid: str) -> None:
    consumers, _ = await _consumers(session, [consumer_uuid])
    if not consumers:
        raise e.NotFound(f"No allocations for consumer '{consumer_uuid}'")
    await replace(session, [ConsumerWrite(consumer_uuid, {})])


async def for_consumer(session: AsyncSession, consumer_uuid: str) -> ConsumerView | None:
    consumer = (await session.execute(select(CONSUMER).where(CONSUMER.c.uuid == consumer_uuid))).first()
    if consumer is None:
        return None
    rows = await session.execute(
        select(RP.c.uuid, RP.c.generation, RC.c.name, ALLOC.c.used)
        .select_from(
            ALLOC.join(RP, RP.c.id == ALLOC.c.resource_provider_id).join(RC, RC.c.id == ALLOC.c.resource_class_id)
        )
        .where(ALLOC.c.consumer_id == consumer.id)
    )
    allocations: dict[str, dict[str, Any]] = {}
    for rp_uuid, generation, rc, used in rows:
        entry = allocations.setdefault(rp_uuid, {"generation": generation, "resources": {}})
        entry["resources"][rc] = entry["resources"].get(rc, 0) + used
    return ConsumerView(
        consumer.uuid, consumer.project_id, consumer.user_id, consumer.consumer_type, consumer.generation, allocations
    )


async def for_provider(session: AsyncSession, provider_id: int) -> dict[str, dict[str, int]]:
    rows = await session.execute(
        select(CONSUMER.c.uuid, RC.c.name, ALLOC.c.used)
        .select_from(
            ALLOC.join(CONSUMER, CONSUMER.c.id == ALLOC.c.consumer_id).join(RC, RC.c.id == ALLOC.c.resource_class_id)
        )
        .where(ALLOC.c.resource_provider_id == provider_id)
    )
    out: dict[str, dict[str, int]] = {}
    for consumer, rc, used in rows:
        out.setdefault(consumer, {})[rc] = out.get(consumer, {}).get(rc, 0) + used
    return out


async def provider_usages(session: AsyncSession, provider_id: int) -> dict[str, int]:
    """Usage per class of the provider's inventory (0 for classes nobody uses)."""
    rows = await session.execute(
        select(RC.c.name, INV.c.used)
        .join(RC, RC.c.id == INV.c.resource_class_id)
        .where(INV.c.resource_provider_id == provider_id)
    )
    return {name: used for name, used in rows}


async def project_usages(
    session: AsyncSession,
    project_id: str,
    user_id: str | None,
    consumer_type: str | None,
) -> dict[str, dict[str, int]]:
    """Usage by consumer type (None = no type), each with its consumer count."""
    conds = [CONSUMER.c.project_id == project_id]
    if user_id is not None:
        conds.append(CONSUMER.c.user_id == user_id)
    rows = await session.execute(
        select(CONSUMER.c.id, CONSUMER.c.consumer_type, RC.c.name, ALLOC.c.used)
        .select_from(
            ALLOC.join(CONSUMER, CONSUMER.c.id == ALLOC.c.consumer_id).join(RC, RC.c.id == ALLOC.c.resource_class_id)
        )
        .where(and_(*conds))
    )
    out: dict[str, dict[str, int]] = {}
    seen: dict[str, set[int]] = {}
    for cid, ctype, rc, used in rows:
        key = ctype or "unknown"
        if consumer_type not in (None, "all") and key != consumer_type:
            continue
        group = out.setdefault(key, {})
        group[rc] = group.get(rc, 0) + used
        seen.setdefault(key, set()).add(cid)
    for key, ids in seen.items():
        out[key]["consumer_count"] = len(ids)
    return out
