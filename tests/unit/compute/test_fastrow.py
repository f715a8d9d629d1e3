"""The driver-level row read gives exactly the values SQLAlchemy's Core read gives
(JSON, booleans, datetimes, NULLs), on the platform database and on plain aiosqlite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from pocketstack.compute.models import Instance
from pocketstack.compute.objects.fastrow import _json
from pocketstack.compute.objects.instances import SHOW_ROW_BY_UUID
from pocketstack.db import Database


async def exercise(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: Instance.__table__.create(c))
    launched = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    inst = Instance(
        uuid="u-1",
        name="vm",
        project_id="p",
        user_id="u",
        flavor_id="1",
        flavor={"name": "m1.tiny", "extra_specs": {"a": "b"}},
        metadata_={"k": "v"},
        tags=["x", "y"],
        addresses={"net": [{"addr": "10.0.0.2", "version": 4}]},
        config_drive=True,
        locked=False,
        launched_at=launched,
        description=None,
        scheduler_hints={"n": 1.5, "big": 2**70},
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as s, s.begin():
        s.add(inst)
    async with engine.connect() as conn:
        fast = await SHOW_ROW_BY_UUID.first(conn, "uuid", "u-1")
        core = (await conn.execute(SHOW_ROW_BY_UUID.stmt, {"uuid": "u-1"})).first()
        missing = await SHOW_ROW_BY_UUID.first(conn, "uuid", "nope")
    assert core is not None and fast is not None and missing is None
    assert type(fast).__name__ == "InstanceRow"  # the driver path was taken
    assert tuple(fast) == tuple(core)
    assert fast._asdict() == core._asdict()
    assert fast.metadata_ == {"k": "v"} and fast.config_drive is True and fast.locked is False
    assert fast.launched_at == launched and fast.terminated_at is None and fast.description is None
    assert fast.scheduler_hints == {"n": 1.5, "big": 2**70}
    assert isinstance(fast.created_at, dt.datetime)


async def test_on_the_platform_database(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        await exercise(db.engine)
    finally:
        await db.close()


async def test_on_aiosqlite(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        await exercise(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("text", "value"), [("[1, 2]", [1, 2]), ("NaN", float("nan")), ("null", None)])
def test_json_falls_back_for_what_orjson_refuses(text: str, value: object) -> None:
    got = _json(text)
    assert got == value or (got != got and value != value)  # NaN equals nothing
