"""volume type encryption specs

Revision ID: volume_0004
Revises: volume_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0004"
down_revision = "volume_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("volume_type", sa.Column("encryption", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("volume_type", "encryption")
