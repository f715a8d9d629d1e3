"""Resource class and trait names <-> ids, and the standard rows every database holds."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import standard
from pocketstack.placement.objects.tables import RC, TRAIT


async def ensure_standard(session: AsyncSession) -> None:
    """Insert the standard resource classes and traits this database lacks."""
    for table, names in ((RC, standard.RESOURCE_CLASSES), (TRAIT, standard.TRAITS)):
        have = set((await session.execute(select(table.c.name))).scalars())
        missing = [n for n in names if n not in have]
        if missing:
            now = utcnow()
            try:
                async with session.begin_nested():
                    await session.execute(insert(table), [{"name": n, "created_at": now} for n in missing])
            except IntegrityError:
                # Another process seeded the same names at the same moment: theirs stand.
                pass


async def class_ids(session: AsyncSession, names: Iterable[str], *, what: str = "resource class") -> dict[str, int]:
    """Ids of the named resource classes; unknown names are a 400 naming them."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = await session.execute(select(RC.c.name, RC.c.id).where(RC.c.name.in_(wanted)))
    found = {name: id_ for name, id_ in rows}
    unknown = sorted(wanted - found.keys())
    if unknown:
        raise e.Invalid(f"Invalid {what}: unknown resource class(es): {', '.join(unknown)}")
    return found


async def class_names(session: AsyncSession) -> dict[int, str]:
    return {id_: name for id_, name in await session.execute(select(RC.c.id, RC.c.name))}


async def trait_ids(session: AsyncSession, names: Iterable[str], *, strict: bool = True) -> dict[str, int]:
    """Ids of the named traits; with ``strict`` an unknown name is a 400 naming it."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = await session.execute(select(TRAIT.c.name, TRAIT.c.id).where(TRAIT.c.name.in_(wanted)))
    found = {name: id_ for name, id_ in rows}
    unknown = sorted(wanted - found.keys())
    if unknown and strict:
        raise e.Invalid(f"No such trait(s): {', '.join(unknown)}.")
    return found
