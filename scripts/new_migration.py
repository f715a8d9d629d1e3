"""Write an Alembic revision for a service from the difference between its models and
its migrated schema (a developer tool: review the generated file before committing).

Usage: .venv/bin/python scripts/new_migration.py SERVICE "message"
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from pocketstack.db import Database, migrate

TEMPLATE = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    models = importlib.import_module(f"pocketstack.{service}.models")
    location = Path(importlib.import_module(f"pocketstack.{service}").__file__).parent / "migrations"  # type: ignore[arg-type]
    (location / "versions").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/m.db"
        heads = ScriptDirectory(str(location), version_locations=[str(location / "versions")]).get_heads()
        if heads:
            asyncio.run(migrate.upgrade(Database(url), service, location))
        engine = create_engine(f"sqlite:///{tmp}/m.db")
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": f"alembic_version_{service}"})
            script = produce_migrations(ctx, models.Base.metadata)
    assert script.upgrade_ops is not None and script.downgrade_ops is not None
    up = render_python_code(script.upgrade_ops, render_as_batch=False)
    down = render_python_code(script.downgrade_ops, render_as_batch=False)
    up = "\n".join(line for line in up.splitlines() if not line.lstrip().startswith("# ###"))
    down = "\n".join(line for line in down.splitlines() if not line.lstrip().startswith("# ###"))
    existing = sorted((location / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    number = len(existing) + 1
    rev = f"{service}_{number:04d}"
    slug = "_".join(message.lower().split())[:40]
    down_rev = heads[0] if heads else None
    path = location / "versions" / f"{number:04d}_{slug}.py"
    path.write_text(
        TEMPLATE.format(
            message=message,
            rev=rev,
            down=down_rev,
            down_repr=repr(down_rev),
            upgrade=up.rstrip(),
            downgrade=down.rstrip(),
        )
    )
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(path)], check=False)
    print(path)


if __name__ == "__main__":
    main()
