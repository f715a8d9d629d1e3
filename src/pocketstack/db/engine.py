"""Async SQLAlchemy engine with reader and writer transactions.

SQLite (the default) allows one writer at a time; instead of letting concurrent writers
collide and surface "database is locked", writers in this process queue on an asyncio
lock and SQLite runs in WAL mode so readers never wait for them. PostgreSQL and MariaDB
need no such lock.

A PostgreSQL or MariaDB server that cannot be reached (refused, reset, timed out, a
pooled connection gone) is ``DatabaseUnavailable``, a 503 naming the database, never a
500 or a hang: connects, waits for a pooled connection and statements are bounded by
``connect_timeout`` and ``statement_timeout``. The pool pings a connection before
handing it out, so the first request after the server is back gets a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pocketstack.common.errors import Unavailable
from pocketstack.db import sqlite_inline


class DatabaseUnavailable(Unavailable):
    """The database server cannot be reached; nothing of the request was done."""


class Database:
    def __init__(
        self, url: str, *, echo: bool = False, connect_timeout: float = 5.0, statement_timeout: float = 30.0
    ) -> None:
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
            kwargs["pool_timeout"] = connect_timeout
            if url.startswith("postgresql"):
                kwargs["connect_args"] = {"timeout": connect_timeout, "command_timeout": statement_timeout}
            elif url.startswith("mysql"):
                kwargs["connect_args"] = {"connect_timeout": max(1, round(connect_timeout))}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        if self.is_sqlite:
            async with self.sessions() as session:
                yield session
            return
        try:
            async with self.sessions() as session:
                yield session
        except Exception as exc:
            unreachable = self._unreachable(exc)
            if unreachable is None:
                raise
            raise unreachable from exc

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any exception."""
        if self._write_lock is None:
            try:
                async with self.sessions() as session, session.begin():
                    yield session
            except Exception as exc:
                unreachable = self._unreachable(exc)
                if unreachable is None:
                    raise
                raise unreachable from exc
            return
        # The lock covers the transaction only: closing the session afterwards takes
        # the event loop a few turns (SQLAlchemy shields it in a task), and holding the
        # lock through them made every other writer wait for unrelated tasks.
        async with self.sessions() as session:
            async with self._write_lock, session.begin():
                yield session

    def _unreachable(self, exc: Exception) -> DatabaseUnavailable | None:
        """DatabaseUnavailable when ``exc`` says the server is out of reach."""
        lost = (isinstance(exc, DBAPIError) and exc.connection_invalidated) or isinstance(exc, InterfaceError)
        # Raw from the driver's connect: refused, reset, timed out.
        if not lost and not isinstance(exc, ConnectionError | TimeoutError):
            return None
        where = make_url(self.url)
        return DatabaseUnavailable(
            f"The database at {where.host}:{where.port} cannot be reached ({type(exc).__name__}); "
            "nothing was changed, try again shortly."
        )

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
