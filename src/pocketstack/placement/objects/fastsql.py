"""Plain SQL on the hot paths (candidates, claims) with as few thread hops as possible.

With aiosqlite every driver call is a round trip to its worker thread, and SQLAlchemy's
adapter makes four of them per statement (cursor, execute, fetch, close). On SQLite these
helpers hand the statement to aiosqlite's ``execute_fetchall``/``executemany``, one hop
each, on the session's own connection (so it runs in the session's transaction). On
PostgreSQL and MariaDB they go through SQLAlchemy's ``text()``, which is already cheap.

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


async def _driver(session: AsyncSession) -> Any:
    """The aiosqlite connection under the session's (transactional) connection."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def rows(session: AsyncSession, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement and return all its rows as tuples."""
    if is_sqlite(session):
        driver = await _driver(session)
        return list(await driver.execute_fetchall(sql, params or {}))
    result = await session.execute(text(sql), params or {})
    return [tuple(r) for r in result]


async def many(session: AsyncSession, sql: str, params: Sequence[dict[str, Any]]) -> None:
    """Run one statement for each parameter set (one driver call)."""
    if not params:
        return
    if is_sqlite(session):
        driver = await _driver(session)
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
