"""Allocation writes, with a one-shot path for the most common one: a new consumer's
claim (``PUT /allocations/{consumer}`` from the scheduler) on SQLite.

That path is four statements in the writer transaction, each one aiosqlite hop and none
a read before a write:

1. insert the consumer unless it exists (``INSERT ... SELECT ... WHERE NOT EXISTS
   ... RETURNING id``); if it exists, nothing was written and the general path runs;
2. per provider, one UPDATE moves ``used`` for every class, its WHERE holding the
   whole check (inventory exists, capacity, min/max unit, step size) so it is atomic
   with the write; ``RETURNING`` says which classes passed;
3. the allocation rows, in one ``executemany``;
4. the providers' generations.

Only when a check fails does it read, to raise the same error the general path would;
the writer transaction then rolls everything back. PostgreSQL and MariaDB (no UPDATE
... RETURNING) and every other write use :func:`allocations.replace`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.timeutils import utcnow
from pocketstack.db import fastsql
from pocketstack.placement.objects import allocations, names
from pocketstack.placement.objects.allocations import ConsumerWrite

_NEW_CONSUMER = (
    "INSERT INTO placement_consumers "
    "(uuid, project_id, user_id, consumer_type, generation, created_at, updated_at) "
    "SELECT :uuid, :project_id, :user_id, :consumer_type, 1, :now, :now "
    "WHERE NOT EXISTS (SELECT 1 FROM placement_consumers WHERE uuid = :uuid) RETURNING id"
)
_ALLOCATION = (
    "INSERT INTO placement_allocations (consumer_id, resource_provider_id, resource_class_id, used, created_at) "
    "VALUES (:consumer, :rp, :rc, :used, :now)"
)


async def write(session: AsyncSession, writes: list[ConsumerWrite]) -> None:
    """Replace the allocations of the consumers in ``writes`` (see the module docstring)."""
    if len(writes) == 1 and fastsql.is_sqlite(session) and await _new_consumer(session, writes[0]):
        return
    await allocations.replace(session, writes)


def _usage_update(classes: dict[int, str]) -> str:
    """The capacity-checked UPDATE of one provider's inventories for these class ids.

    Class ids are inlined (ints), amounts are parameters ``:a<class id>``.
    """
    amount = " ".join(f"WHEN {int(c)} THEN :a{int(c)}" for c in classes)
    fits = " OR ".join(
        f"(resource_class_id = {int(c)} AND (total - reserved) * allocation_ratio - used >= :a{int(c)} "
        f"AND min_unit <= :a{int(c)} AND max_unit >= :a{int(c)} AND :a{int(c)} % step_size = 0)"
        for c in classes
    )
    return (
        f"UPDATE placement_inventories SET used = used + CASE resource_class_id {amount} END, updated_at = :now "
        "WHERE resource_provider_id = (SELECT id FROM placement_resource_providers WHERE uuid = :rp) "
        f"AND ({fits}) RETURNING resource_provider_id, resource_class_id"
    )


async def _new_consumer(session: AsyncSession, w: ConsumerWrite) -> bool:
    """Claim for a consumer that does not exist yet; False (nothing written) if it exists."""
    if not w.allocations or (w.check_generation and w.consumer_generation is not None):
        return False
    wanted = {rc for resources in w.allocations.values() for rc in resources}
    class_ids = names.cached_class_ids(session, wanted)
    if class_ids is None:
        return False  # a custom or unknown class: the general path names the problem
    now = fastsql.timestamp(session, utcnow())
    created = await fastsql.rows(
        session,
        _NEW_CONSUMER,
        {
            "uuid": w.consumer_uuid,
            "project_id": w.project_id,
            "user_id": w.user_id,
            "consumer_type": w.consumer_type,
            "now": now,
        },
    )
    if not created:
        return False
    consumer_id = created[0][0]
    rows: list[dict[str, object]] = []
    provider_ids: list[int] = []
    for rp_uuid, resources in sorted(w.allocations.items()):
        by_id = {class_ids[rc]: rc for rc in resources}
        params: dict[str, object] = {f"a{class_ids[rc]}": n for rc, n in resources.items()}
        params.update(rp=rp_uuid, now=now)
        moved = await fastsql.rows(session, _usage_update(by_id), params)
        if len(moved) != len(by_id):
            await _raise_why(session, w, rp_uuid, list(resources))
        rp_id = moved[0][0]
        provider_ids.append(rp_id)
        rows += [
            {"consumer": consumer_id, "rp": rp_id, "rc": class_ids[rc], "used": n, "now": now}
            for rc, n in resources.items()
        ]
    await fastsql.many(session, _ALLOCATION, rows)
    await fastsql.rows(
        session,
        "UPDATE placement_resource_providers SET generation = generation + 1 "
        f"WHERE id IN ({fastsql.id_list(sorted(provider_ids))}) RETURNING id",
    )
    return True


async def _raise_why(session: AsyncSession, w: ConsumerWrite, rp_uuid: str, classes: list[str]) -> None:
    """The error the general path gives for this write (a check in the UPDATE failed)."""
    rp_uuids = sorted(w.allocations)
    found, limits = await allocations.providers_with_inventory(session, rp_uuids)
    allocations.missing_provider(rp_uuids, found)
    await allocations.check_limits(session, [w], found, limits)
    raise allocations.over_capacity(rp_uuid, classes)
