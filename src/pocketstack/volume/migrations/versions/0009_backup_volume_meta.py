"""backup volume metadata (restored with the data)

Revision ID: volume_0009
Revises: volume_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0009"
down_revision = "volume_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("volume_backup", sa.Column("volume_meta", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("volume_backup", "volume_meta")
