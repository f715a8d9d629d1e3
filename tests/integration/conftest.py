"""Database URLs for integration tests, each a fresh database that is dropped afterwards.

Fixtures (reuse them in any test under tests/integration):
- ``sqlite_url``: a SQLite file in the test's tmp_path.
- ``pg_url``: a new PostgreSQL database ``pocketstack_it_<random>`` on 127.0.0.1:5432.
- ``maria_url``: a new MariaDB database ``pocketstack_it_<random>`` on 127.0.0.1:3306.
- ``db_url``: parametrized over the three, so one test runs on every database.

A server that does not answer makes the test skip (with the reason), never fail; any other
error (bad credentials, failed CREATE DATABASE) fails loudly.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
MARIA_HOST, MARIA_PORT, MARIA_USER = "127.0.0.1", 3306, "root"
# pymysql's "Can't connect to MySQL server" error code.
_MYSQL_CANNOT_CONNECT = 2003


def fresh_database_name() -> str:
    return f"pocketstack_it_{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    import asyncpg

    async def admin() -> asyncpg.Connection:
        return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5)

    try:
        conn = await admin()
    except (OSError, TimeoutError) as exc:
        pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}: {exc}")
    name = fresh_database_name()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        conn = await admin()
        try:
            # FORCE ends sessions a test left open (an engine not disposed), so the drop never hangs.
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@asynccontextmanager
async def fresh_mariadb() -> AsyncIterator[str]:
    import aiomysql
    import pymysql

    async def admin() -> aiomysql.Connection:
        return await aiomysql.connect(
            host=MARIA_HOST, port=MARIA_PORT, user=MARIA_USER, password="", connect_timeout=5, autocommit=True
        )

    try:
        conn = await admin()
    except pymysql.err.OperationalError as exc:
        if exc.args and exc.args[0] == _MYSQL_CANNOT_CONNECT:
            pytest.skip(f"MariaDB is not reachable on {MARIA_HOST}:{MARIA_PORT}: {exc}")
        raise
    name = fresh_database_name()
    try:
        async with conn.cursor() as cur:
            await cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()
    try:
        yield f"mysql+aiomysql://{MARIA_USER}@{MARIA_HOST}:{MARIA_PORT}/{name}?charset=utf8mb4"
    finally:
        conn = await admin()
        try:
            async with conn.cursor() as cur:
                await cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pocketstack.db'}"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def maria_url() -> AsyncIterator[str]:
    async with fresh_mariadb() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'pocketstack.db'}"
    elif request.param == "postgresql":
        async with fresh_postgres() as url:
            yield url
    else:
        async with fresh_mariadb() as url:
            yield url
