"""fastsql runs plain statements in the session's transaction, through aiosqlite's
one-hop calls when the driver is aiosqlite and through SQLAlchemy otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from pocketstack.db import Database, fastsql


async def exercise(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
    async with sessions() as session, session.begin():
        await fastsql.many(
            session, "INSERT INTO t (id, n) VALUES (:id, :n)", [{"id": i, "n": i * 10} for i in (1, 2, 3)]
        )
        moved = await fastsql.rows(
            session, "UPDATE t SET n = n + 1 WHERE id IN (" + fastsql.id_list([1, 3]) + ") RETURNING id"
        )
        assert sorted(r[0] for r in moved) == [1, 3]
    # Committed with the session's transaction.
    async with sessions() as session:
        assert await fastsql.rows(session, "SELECT id, n FROM t ORDER BY id") == [(1, 11), (2, 20), (3, 31)]
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await fastsql.rows(session, "DELETE FROM t WHERE id = :id RETURNING id", {"id": 2})
            raise RuntimeError("roll back")
    # Rolled back with it too.
    async with sessions() as session:
        assert [r[0] for r in await fastsql.rows(session, "SELECT id FROM t ORDER BY id")] == [1, 2, 3]


async def test_on_aiosqlite(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        await exercise(engine)
    finally:
        await engine.dispose()


async def test_on_the_platform_database(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        await exercise(db.engine)
    finally:
        await db.close()


def test_id_list_is_integers_only() -> None:
    assert fastsql.id_list([3, 1]) == "3,1"
    assert fastsql.id_list([]) == "NULL"
    with pytest.raises(ValueError):
        fastsql.id_list(["1); DROP TABLE t; --"])  # type: ignore[list-item]
