"""Groups keep extra attributes, as users and projects do.

Revision ID: identity_0002
Revises: identity_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_group") as batch:
        batch.add_column(sa.Column("extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_group") as batch:
        batch.drop_column("extra")
