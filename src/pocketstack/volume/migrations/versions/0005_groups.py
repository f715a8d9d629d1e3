"""volume groups and group snapshots

Revision ID: volume_0005
Revises: volume_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0005"
down_revision = "volume_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("volume_volume", sa.Column("group_id", sa.String(length=36), nullable=True))
    op.create_index(op.f("ix_volume_volume_group_id"), "volume_volume", ["group_id"], unique=False)
    op.add_column("volume_snapshot", sa.Column("group_snapshot_id", sa.String(length=36), nullable=True))
    op.create_index(
        op.f("ix_volume_snapshot_group_snapshot_id"), "volume_snapshot", ["group_snapshot_id"], unique=False
    )
    op.create_table(
        "volume_group",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("availability_zone", sa.String(length=255), nullable=False),
        sa.Column("group_type_id", sa.String(length=36), nullable=False),
        sa.Column("volume_type_ids", sa.JSON(), nullable=False),
        sa.Column("group_snapshot_id", sa.String(length=36), nullable=True),
        sa.Column("source_group_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_group")),
    )
    op.create_index(op.f("ix_volume_group_project_id"), "volume_group", ["project_id"], unique=False)
    op.create_table(
        "volume_group_snapshot",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("group_type_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_group_snapshot")),
    )
    op.create_index(op.f("ix_volume_group_snapshot_project_id"), "volume_group_snapshot", ["project_id"], unique=False)
    op.create_index(op.f("ix_volume_group_snapshot_group_id"), "volume_group_snapshot", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_table("volume_group_snapshot")
    op.drop_table("volume_group")
    op.drop_index(op.f("ix_volume_snapshot_group_snapshot_id"), table_name="volume_snapshot")
    op.drop_column("volume_snapshot", "group_snapshot_id")
    op.drop_index(op.f("ix_volume_volume_group_id"), table_name="volume_volume")
    op.drop_column("volume_volume", "group_id")
