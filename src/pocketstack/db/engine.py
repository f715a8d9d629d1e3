"""Async SQLAlchemy engine with reader and writer transactions.

SQLite (the default) allows one writer at a time; instead of letting concurrent writers
collide and surface "database is locked", writers in this process queue on an asyncio
lock and SQLite runs in WAL mode so readers never wait for them. PostgreSQL and MariaDB
need no such lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pocketstack.db import sqlite_inline


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            path = make_url(url).database
            if not path or path == ":memory:":
                raise ValueError("use a file for SQLite: every connection must see the same database")
            # Statements run inline on the loop instead of through aiosqlite's thread hop.
            kwargs["async_creator"] = sqlite_inline.creator(path, timeout=30)
            # Opening a SQLite connection (and its pragmas) costs more than most queries:
            # keep enough for every concurrent session instead of churning overflow ones.
            kwargs["pool_size"] = 64
            kwargs["max_overflow"] = -1
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_recycle"] = 3600
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any exception."""
        if self._write_lock is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        # The lock covers the transaction only: closing the session afterwards takes
        # the event loop a few turns (SQLAlchemy shields it in a task), and holding the
        # lock through them made every other writer wait for unrelated tasks.
        async with self.sessions() as session:
            async with self._write_lock, session.begin():
                yield session

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
