"""Alembic, one migration history per service, run programmatically (no alembic.ini).

Each service keeps its revisions in ``pocketstack/<service>/migrations/`` and its own
version table ``alembic_version_<service>``, so services can share one database (the
all-in-one) or each have their own (distributed) with the same scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory

from pocketstack.db.engine import Database


def _script(service: str, location: Path) -> tuple[Config, ScriptDirectory]:
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("version_locations", str(location / "versions"))
    return cfg, ScriptDirectory.from_config(cfg)


def _upgrade_sync(connection: Any, service: str, location: Path, target: str) -> None:
    cfg, script = _script(service, location)

    def steps(rev: Any, _context: Any) -> Any:
        return script._upgrade_revs(target, rev)

    with EnvironmentContext(cfg, script, fn=steps, destination_rev=target) as env:
        env.configure(connection=connection, version_table=f"alembic_version_{service}", render_as_batch=True)
        with env.begin_transaction():
            env.run_migrations()


async def upgrade(db: Database, service: str, location: Path, target: str = "head") -> None:
    """Bring ``service``'s tables in ``db`` up to ``target``."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade_sync, service, location, target)


def current_heads(service: str, location: Path) -> tuple[str, ...]:
    return tuple(_script(service, location)[1].get_heads())
