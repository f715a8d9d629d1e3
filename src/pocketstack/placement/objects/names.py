"""Resource class and trait names <-> ids, and the standard rows every database holds.

The ids of *standard* names are cached in memory per database engine: standard classes
and traits can be neither renamed nor deleted, so a cached id never goes stale, even
with other processes writing to the same database. Custom names are always looked up.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import standard
from pocketstack.placement.objects.tables import RC, TRAIT

# engine -> table name -> standard name -> id
_STANDARD_IDS: weakref.WeakKeyDictionary[Any, dict[str, dict[str, int]]] = weakref.WeakKeyDictionary()
_STANDARD = {RC.name: frozenset(standard.RESOURCE_CLASSES), TRAIT.name: frozenset(standard.TRAITS)}


async def _ids(session: AsyncSession, table: Table, wanted: set[str]) -> dict[str, int]:
    """Ids of the names that exist: standard ones from the cache when known there."""
    bind = session.bind
    engine = getattr(bind, "sync_engine", bind)
    cache = _STANDARD_IDS.setdefault(engine, {}).setdefault(table.name, {})
    found = {n: cache[n] for n in wanted if n in cache}
    rest = wanted - found.keys()
    if rest:
        standard_names = _STANDARD[table.name]
        for name, id_ in await session.execute(select(table.c.name, table.c.id).where(table.c.name.in_(rest))):
            found[name] = id_
            if name in standard_names:
                cache[name] = id_
    return found


async def ensure_standard(session: AsyncSession) -> None:
    """Insert the standard resource classes and traits this database lacks (and cache their ids)."""
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
        await _ids(session, table, set(names))


async def class_ids(session: AsyncSession, names: Iterable[str], *, what: str = "resource class") -> dict[str, int]:
    """Ids of the named resource classes; unknown names are a 400 naming them."""
    wanted = set(names)
    if not wanted:
        return {}
    found = await _ids(session, RC, wanted)
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
    found = await _ids(session, TRAIT, wanted)
    unknown = sorted(wanted - found.keys())
    if unknown and strict:
        raise e.Invalid(f"No such trait(s): {', '.join(unknown)}.")
    return found


def cached_class_ids(session: AsyncSession, names: Iterable[str]) -> dict[str, int] | None:
    """Ids of the named classes if every one is a standard class already cached, else None."""
    bind = session.bind
    cache = _STANDARD_IDS.get(getattr(bind, "sync_engine", bind), {}).get(RC.name, {})
    try:
        return {n: cache[n] for n in names}
    except KeyError:
        return None
