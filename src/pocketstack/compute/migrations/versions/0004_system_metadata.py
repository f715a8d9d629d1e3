"""Instance system metadata (shelve keeps its snapshot image there).

Revision ID: compute_0004
Revises: compute_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "compute_0004"
down_revision = "compute_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("compute_instance", sa.Column("system_metadata", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("compute_instance") as batch:
        batch.drop_column("system_metadata")
