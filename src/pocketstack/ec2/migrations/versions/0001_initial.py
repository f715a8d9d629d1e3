"""The EC2 API's id mappings.

Revision ID: ec2_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ec2_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec2_ids",
        sa.Column("ec2_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("uuid", sa.String(64), nullable=False),
        sa.Column("reservation", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ec2_id", name="pk_ec2_ids"),
        sa.UniqueConstraint("kind", "uuid", name="uq_ec2_ids_kind_uuid"),
    )


def downgrade() -> None:
    op.drop_table("ec2_ids")
