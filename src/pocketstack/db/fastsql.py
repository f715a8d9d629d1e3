"""Plain SQL on hot paths (placement candidates and claims, compute launch writes) with as few thread hops as possible.

With aiosqlite every driver call is a round trip to its worker thread, and SQLAlchemy's
adapter makes four of them per statement (cursor, execute, fetch, close). When the
session's driver connection is aiosqlite's, these helpers hand the statement to its
``execute_fetchall``/``executemany``, one hop each, on the session's own connection (so
it runs in the session's transaction). Any other driver (a SQLite driver without the
hop, PostgreSQL, MariaDB) goes through SQLAlchemy's ``text()``, which is cheap there.

SQL passed here uses ``:name`` parameters (both sqlite3 and ``text()`` accept them) and
must be portable unless the caller checks :func:`is_sqlite` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def is_sqlite(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "sqlite"


async def _aiosqlite(session: AsyncSession) -> Any | None:
    """The aiosqlite connection under the session's (transactional) connection, if it is one."""
    if not is_sqlite(session):
        return None
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    return driver if hasattr(driver, "execute_fetchall") else None


async def rows(session: AsyncSession, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement and return all its rows as tuples."""
    driver = await _aiosqlite(session)
    if driver is not None:
        return list(await driver.execute_fetchall(sql, params or {}))
    result = await session.execute(text(sql), params or {})
    return [tuple(r) for r in result]


async def many(session: AsyncSession, sql: str, params: Sequence[dict[str, Any]]) -> None:
    """Run one statement for each parameter set (one driver call)."""
    if not params:
        return
    driver = await _aiosqlite(session)
    if driver is not None:
        await driver.executemany(sql, params)
        return
    await session.execute(text(sql), list(params))


def id_list(ids: Iterable[int]) -> str:
    """Integer ids inlined as a SQL list: ``int()`` makes it injection-safe, and it spares
    SQLAlchemy expanding thousands of bound parameters per request."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


def timestamp(session: AsyncSession, value: dt.datetime) -> Any:
    """A datetime as the driver stores it: SQLAlchemy's SQLite text format, else as is."""
    if is_sqlite(session):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
