"""POST /reshaper (1.30): move inventories and the allocations on them in one step.

A compute host that splits a resource into child providers (say VGPU moving from the
root provider to one child per GPU) must change inventories and allocations together:
neither order works alone (new allocations need the new inventory; the old inventory
cannot go while allocations use it). In one transaction:

1. every named provider's generation is checked against the request (409 on mismatch);
2. the named consumers' allocations are released (their generations checked);
3. each named provider's inventory is replaced (still in use by another consumer: 409);
4. the consumers' new allocations are written with the capacity checks of any claim,
   and each consumer that existed keeps counting its generation from where it was.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.placement.objects import allocations, inventories, providers
from pocketstack.placement.objects.allocations import ConsumerWrite
from pocketstack.placement.objects.tables import CONSUMER


async def reshape(
    session: AsyncSession,
    new_inventories: dict[str, tuple[int, dict[str, inventories.Inventory]]],
    writes: list[ConsumerWrite],
) -> None:
    """``new_inventories``: provider uuid -> (its generation as the caller saw it, inventory)."""
    found = await providers.find(session, list(new_inventories))
    missing = sorted(set(new_inventories) - set(found))
    if missing:
        # The API reference lists 400 and 409 only: an unknown provider is bad input here.
        raise e.Invalid(f"Resource provider {missing[0]} in inventories not found.")
    for uuid, (generation, _) in new_inventories.items():
        if found[uuid].generation != generation:
            raise providers.conflict(uuid)
    uuids = [w.consumer_uuid for w in writes]
    before = dict(
        (await session.execute(select(CONSUMER.c.uuid, CONSUMER.c.generation).where(CONSUMER.c.uuid.in_(uuids))))
        .tuples()
        .all()
    )
    released = [
        ConsumerWrite(
            w.consumer_uuid, {}, consumer_generation=w.consumer_generation, check_generation=w.check_generation
        )
        for w in writes
    ]
    await allocations.replace(session, released)
    for uuid, (_, inventory) in new_inventories.items():
        provider = await providers.get(session, uuid)  # generation moved by the release
        await inventories.replace_all(session, provider, provider.generation, inventory)
    kept = [w for w in writes if w.allocations]
    for w in kept:
        w.check_generation = False  # checked at release; the consumer is new again now
    if kept:
        await allocations.replace(session, kept)
    for w in kept:
        if w.consumer_uuid in before:
            await session.execute(
                update(CONSUMER)
                .where(CONSUMER.c.uuid == w.consumer_uuid)
                .values(generation=before[w.consumer_uuid] + 1)
            )
