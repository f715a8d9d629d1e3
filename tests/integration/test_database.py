"""pocketstack.db against real SQLite, PostgreSQL and MariaDB: transactions, concurrent
writers, and every service's Alembic migrations."""

from __future__ import annotations

import asyncio
import importlib
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import pocketstack
from pocketstack.db import Database, migrate
from pocketstack.db.models import NAMING

pytestmark = pytest.mark.integration


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class Counter(Base):
    __tablename__ = "ittest_counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class Entry(Base):
    __tablename__ = "ittest_entry"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.writer() as session:
        session.add(Counter(id=1, n=0))
    yield database
    await database.close()


async def count_entries(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(Entry)) or 0)


async def test_writer_commits_and_reader_sees_it(db: Database) -> None:
    async with db.writer() as session:
        session.add(Entry(name="one"))
    async with db.reader() as session:
        names = (await session.scalars(sa.select(Entry.name))).all()
    assert names == ["one"]


async def test_writer_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.writer() as session:
            session.add(Entry(name="doomed"))
            await session.flush()
            raise RuntimeError("abort")
    assert await count_entries(db) == 0


async def test_unique_violation_surfaces_and_leaves_nothing(db: Database) -> None:
    async with db.writer() as session:
        session.add(Entry(name="dup"))
    with pytest.raises(sa.exc.IntegrityError):
        async with db.writer() as session:
            session.add(Entry(name="other"))
            session.add(Entry(name="dup"))
    assert await count_entries(db) == 1


async def test_fifty_concurrent_writers_all_commit(db: Database) -> None:
    async def write(i: int) -> None:
        async with db.writer() as session:
            session.add(Entry(name=f"entry-{i}"))
            await session.flush()
            await session.execute(sa.update(Counter).where(Counter.id == 1).values(n=Counter.n + 1))

    # Any "database is locked" (or deadlock) would surface here as an exception.
    await asyncio.gather(*(write(i) for i in range(50)))
    assert await count_entries(db) == 50
    async with db.reader() as session:
        assert await session.scalar(sa.select(Counter.n).where(Counter.id == 1)) == 50


async def test_sqlite_writers_are_serialized(sqlite_url: str) -> None:
    """Read-modify-write in Python loses updates unless writers really take turns."""
    db = Database(sqlite_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.writer() as session:
            session.add(Counter(id=1, n=0))

        async def bump() -> None:
            async with db.writer() as session:
                counter = await session.get_one(Counter, 1)
                value = counter.n
                await asyncio.sleep(0.001)  # let every other writer try to get in
                counter.n = value + 1

        await asyncio.gather(*(bump() for _ in range(50)))
        async with db.reader() as session:
            assert await session.scalar(sa.select(Counter.n)) == 50
    finally:
        await db.close()


async def test_sqlite_readers_do_not_wait_for_a_writer(sqlite_url: str) -> None:
    """WAL mode: a reader sees the last committed state while a write is in progress."""
    db = Database(sqlite_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.writer() as session:
            session.add(Entry(name="committed"))
        async with db.writer() as session:
            session.add(Entry(name="pending"))
            await session.flush()
            # The writer holds SQLite's write lock now; a reader must still answer.
            assert await asyncio.wait_for(count_entries(db), 10) == 1
        assert await count_entries(db) == 2
    finally:
        await db.close()


# -- migrations -----------------------------------------------------------------------


def write_revision(versions: Path, rev: str, down: str | None, body: str) -> None:
    versions.mkdir(parents=True, exist_ok=True)
    header = [
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        f"revision = {rev!r}",
        f"down_revision = {down!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade() -> None:",
    ]
    steps = ["    " + line for line in textwrap.dedent(body).strip().splitlines()]
    (versions / f"{rev}.py").write_text("\n".join(header + steps) + "\n")


@pytest.fixture
def two_step_migrations(tmp_path: Path) -> Path:
    location = tmp_path / "ittest_migrations"
    write_revision(
        location / "versions",
        "ittest_0001",
        None,
        """
        op.create_table("ittest_a", sa.Column("id", sa.Integer(), primary_key=True))
        """,
    )
    write_revision(
        location / "versions",
        "ittest_0002",
        "ittest_0001",
        """
        op.create_table("ittest_b", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("ittest_a", sa.Column("name", sa.String(32), nullable=True))
        """,
    )
    return location


async def versions_in(db: Database, service: str) -> set[str]:
    async with db.reader() as session:
        rows = await session.execute(sa.text(f"SELECT version_num FROM alembic_version_{service}"))
        return {row[0] for row in rows}


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


async def column_names(db: Database, table: str) -> set[str]:
    async with db.engine.connect() as conn:
        columns = await conn.run_sync(lambda sync: sa.inspect(sync).get_columns(table))
    return {c["name"] for c in columns}


async def test_upgrade_step_by_step_and_again(db_url: str, two_step_migrations: Path) -> None:
    db = Database(db_url)
    try:
        await migrate.upgrade(db, "ittest", two_step_migrations, "ittest_0001")
        assert await versions_in(db, "ittest") == {"ittest_0001"}
        assert "ittest_a" in await table_names(db) and "ittest_b" not in await table_names(db)

        await migrate.upgrade(db, "ittest", two_step_migrations)
        assert await versions_in(db, "ittest") == {"ittest_0002"}
        assert {"ittest_a", "ittest_b"} <= await table_names(db)
        assert "name" in await column_names(db, "ittest_a")

        # Already at head: running again changes nothing and does not fail.
        await migrate.upgrade(db, "ittest", two_step_migrations)
        assert await versions_in(db, "ittest") == {"ittest_0002"}
        assert migrate.current_heads("ittest", two_step_migrations) == ("ittest_0002",)
    finally:
        await db.close()


def discover_services() -> dict[str, Path]:
    """Every ``pocketstack/<service>/migrations`` directory, found anew on each run so a
    service added later is tested without touching this file."""
    root = Path(pocketstack.__file__).parent
    return {p.parent.name: p for p in sorted(root.glob("*/migrations")) if (p / "versions").is_dir()}


SERVICES = discover_services()


async def upgrade_and_check(db: Database, service: str, location: Path) -> set[str]:
    """Upgrade ``service`` to head; return the tables it created."""
    heads = migrate.current_heads(service, location)
    before = await table_names(db)
    try:
        await migrate.upgrade(db, service, location)
    except Exception as exc:
        pytest.fail(f"{service}'s migrations fail on {db.engine.dialect.name}: {exc}")
    assert await versions_in(db, service) == set(heads)
    created = await table_names(db) - before - {f"alembic_version_{service}"}
    wrong = sorted(t for t in created if not t.startswith(f"{service}_"))
    assert not wrong, f"{service} created tables without its prefix: {wrong}"
    return created


def test_services_were_discovered() -> None:
    # If discovery broke, the parametrized tests below would silently test nothing.
    assert "compute" in SERVICES or "identity" in SERVICES, SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_service_migrations_reach_head(db_url: str, service: str) -> None:
    location = SERVICES[service]
    if not migrate.current_heads(service, location):
        pytest.skip(f"{service} has no migration revisions yet")
    db = Database(db_url)
    try:
        created = await upgrade_and_check(db, service, location)
        assert created, f"{service}'s migrations created no table"
        # A second run at head is a no-op.
        await migrate.upgrade(db, service, location)
        assert await versions_in(db, service) == set(migrate.current_heads(service, location))
    finally:
        await db.close()


async def test_all_services_share_one_database(db_url: str) -> None:
    """The all-in-one puts every service in one database: histories must not collide."""
    db = Database(db_url)
    try:
        migrated = [service for service, location in SERVICES.items() if migrate.current_heads(service, location)]
        for service in migrated:
            await upgrade_and_check(db, service, SERVICES[service])
        # Each service's version table still names its own head after the others ran.
        for service in migrated:
            assert await versions_in(db, service) == set(migrate.current_heads(service, SERVICES[service]))
    finally:
        await db.close()


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_create_what_the_models_declare(sqlite_url: str, service: str) -> None:
    """Every table and column of ``pocketstack.<service>.models`` exists after upgrading to
    head: a model changed without a migration fails here, not in production."""
    location = SERVICES[service]
    if not migrate.current_heads(service, location):
        pytest.skip(f"{service} has no migration revisions yet")
    models = importlib.import_module(f"pocketstack.{service}.models")
    metadata: sa.MetaData = models.Base.metadata
    db = Database(sqlite_url)
    try:
        await migrate.upgrade(db, service, location)
        tables = await table_names(db)
        missing_tables = sorted(set(metadata.tables) - tables)
        assert not missing_tables, f"{service}: tables in models but not in migrations: {missing_tables}"
        for name, table in metadata.tables.items():
            missing = sorted({c.name for c in table.columns} - await column_names(db, name))
            assert not missing, f"{service}: columns of {name} in models but not in migrations: {missing}"
    finally:
        await db.close()
