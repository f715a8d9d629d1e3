"""Aggregates: named (by uuid) groups of providers, used by member_of filters."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.placement.objects import providers
from pocketstack.placement.objects.tables import RP_AGG


async def of_provider(session: AsyncSession, provider_id: int) -> list[str]:
    rows = await session.execute(
        select(RP_AGG.c.aggregate_uuid)
        .where(RP_AGG.c.resource_provider_id == provider_id)
        .order_by(RP_AGG.c.aggregate_uuid)
    )
    return list(rows.scalars())


async def set_aggregates(
    session: AsyncSession, provider: providers.Provider, generation: int | None, aggregates: list[str]
) -> None:
    """Replace the provider's aggregates; ``generation`` is checked when given (1.19+)."""
    await providers.bump(session, provider, generation)
    await session.execute(delete(RP_AGG).where(RP_AGG.c.resource_provider_id == provider.id))
    unique = sorted(set(aggregates))
    if unique:
        await session.execute(
            insert(RP_AGG), [{"resource_provider_id": provider.id, "aggregate_uuid": a} for a in unique]
        )
