"""backup data key (imported backup records share their data)

Revision ID: volume_0008
Revises: volume_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0008"
down_revision = "volume_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("volume_backup", sa.Column("data_key", sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column("volume_backup", "data_key")
