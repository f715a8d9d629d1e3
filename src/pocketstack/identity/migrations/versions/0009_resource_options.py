"""Resource options (``immutable``) on projects and domains, as roles have.

Revision ID: identity_0009
Revises: identity_0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0009"
down_revision = "identity_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("identity_project", "identity_domain"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("options", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("identity_project", "identity_domain"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("options")
