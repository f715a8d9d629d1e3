"""Placement's migration on SQLite, PostgreSQL and MariaDB gives exactly the foreign keys
(by name) that its models declare, so later migrations can drop or alter them by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pocketstack.db import Database, migrate
from pocketstack.placement import models
from pocketstack.placement.service import PlacementService

pytestmark = pytest.mark.integration


def declared_foreign_keys() -> dict[str, set[str]]:
    return {
        name: {str(fk.name) for fk in table.foreign_key_constraints}
        for name, table in models.Base.metadata.tables.items()
    }


async def test_migration_foreign_keys_match_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        await migrate.upgrade(db, "placement", Path(PlacementService.migrations or ""))

        def reflect(sync: sa.Connection) -> dict[str, set[str]]:
            inspector = sa.inspect(sync)
            return {
                table: {str(fk["name"]) for fk in inspector.get_foreign_keys(table)}
                for table in models.Base.metadata.tables
            }

        async with db.engine.connect() as conn:
            created = await conn.run_sync(reflect)
        assert created == declared_foreign_keys()
    finally:
        await db.close()
