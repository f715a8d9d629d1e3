"""An aiosqlite-compatible connection that runs SQLite calls inline on the event loop.

aiosqlite gives every connection a thread and hands each statement to it through a
queue and a future; for the short statements pocketstack runs (tens of microseconds in
SQLite itself) that hand-off costs several times the query. SQLite is an in-process
library and, in the all-in-one, writers already queue on the Database's asyncio lock
and WAL lets readers run beside a writer, so nothing here waits on a lock held by
another connection: running the call inline is both safe and much cheaper. A long query
(a 100,000-row listing) holds the loop for its duration, the same CPU it would burn in
a thread under the GIL anyway.

SQLAlchemy's aiosqlite dialect drives this through ``create_async_engine(...,
async_creator=...)``: only the driver-level connection changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None


class InlineConnection:
    def __init__(self, path: str, timeout: float) -> None:
        # Only the loop's thread uses it; the flag lets the pool close it from elsewhere.
        self._conn: sqlite3.Connection | None = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
        self._connection = self._conn  # SQLAlchemy's adapter checks this to see if it is open

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._live().cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """aiosqlite's shortcut, which placement's hot paths use when it is there."""
        cursor = self._live().execute(sql, parameters)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def executemany(self, sql: str, seq: Iterable[Any]) -> InlineCursor:
        return await self.cursor().executemany(sql, seq)

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._connection = None  # type: ignore[assignment]

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._connection = None  # type: ignore[assignment]

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._live().isolation_level = value


def creator(path: str, timeout: float = 30.0) -> Any:
    """The ``async_creator`` for create_async_engine."""

    async def connect() -> InlineConnection:
        return InlineConnection(path, timeout)

    return connect
