"""project default volume types

Revision ID: volume_0006
Revises: volume_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0006"
down_revision = "volume_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_default_type",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_type_id"], ["volume_type.id"], name=op.f("fk_volume_default_type_volume_type_id_volume_type")
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_volume_default_type")),
    )
    op.create_index(
        op.f("ix_volume_default_type_volume_type_id"), "volume_default_type", ["volume_type_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_volume_default_type_volume_type_id"), table_name="volume_default_type")
    op.drop_table("volume_default_type")
