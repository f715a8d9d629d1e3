"""Traits (standard and CUSTOM_*) and the traits of each provider."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import names, providers, standard
from pocketstack.placement.objects.tables import RP_TRAIT, TRAIT


async def list_traits(
    session: AsyncSession, *, in_names: list[str] | None, startswith: str | None, associated: bool | None
) -> list[str]:
    stmt = select(TRAIT.c.name)
    if in_names is not None:
        stmt = stmt.where(TRAIT.c.name.in_(in_names))
    if startswith is not None:
        stmt = stmt.where(TRAIT.c.name.startswith(startswith, autoescape=True))
    linked = exists().where(RP_TRAIT.c.trait_id == TRAIT.c.id)
    if associated is True:
        stmt = stmt.where(linked)
    elif associated is False:
        stmt = stmt.where(~linked)
    return list((await session.execute(stmt.order_by(TRAIT.c.name))).scalars())


async def exists_(session: AsyncSession, name: str) -> bool:
    return bool(await session.scalar(select(exists().where(TRAIT.c.name == name))))


async def create(session: AsyncSession, name: str) -> bool:
    """Create a custom trait; False if it already existed."""
    if not standard.is_custom(name):
        raise e.Invalid(
            f"The trait {name} is invalid: custom traits must start with CUSTOM_ and contain only "
            "upper case letters, digits and underscores."
        )
    if await exists_(session, name):
        return False
    try:
        async with session.begin_nested():
            await session.execute(insert(TRAIT).values(name=name, created_at=utcnow()))
    except IntegrityError:
        return False
    return True


async def delete_trait(session: AsyncSession, name: str) -> None:
    row = (await session.execute(select(TRAIT.c.id).where(TRAIT.c.name == name))).first()
    if row is None:
        raise e.NotFound(f"No such trait(s): {name}.")
    if name in standard.TRAITS or not standard.is_custom(name):
        raise e.Invalid(f"Cannot delete standard trait {name}.")
    if await session.scalar(select(exists().where(RP_TRAIT.c.trait_id == row.id))):
        raise e.Conflict(f"The trait {name} is in use by a resource provider.")
    await session.execute(delete(TRAIT).where(TRAIT.c.id == row.id))


async def of_provider(session: AsyncSession, provider_id: int) -> list[str]:
    rows = await session.execute(
        select(TRAIT.c.name)
        .join(RP_TRAIT, RP_TRAIT.c.trait_id == TRAIT.c.id)
        .where(RP_TRAIT.c.resource_provider_id == provider_id)
        .order_by(TRAIT.c.name)
    )
    return list(rows.scalars())


async def of_providers(session: AsyncSession, provider_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for start in range(0, len(provider_ids), 5000):
        rows = await session.execute(
            select(RP_TRAIT.c.resource_provider_id, TRAIT.c.name)
            .join(TRAIT, RP_TRAIT.c.trait_id == TRAIT.c.id)
            .where(RP_TRAIT.c.resource_provider_id.in_(provider_ids[start : start + 5000]))
        )
        for rp, name in rows:
            out.setdefault(rp, set()).add(name)
    return out


async def set_provider_traits(
    session: AsyncSession, provider: providers.Provider, generation: int | None, wanted: list[str]
) -> None:
    await providers.bump(session, provider, generation)
    ids = await names.trait_ids(session, wanted)
    await session.execute(delete(RP_TRAIT).where(RP_TRAIT.c.resource_provider_id == provider.id))
    if ids:
        await session.execute(
            insert(RP_TRAIT), [{"resource_provider_id": provider.id, "trait_id": t} for t in sorted(ids.values())]
        )
