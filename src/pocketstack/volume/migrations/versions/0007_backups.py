"""volume backups

Revision ID: volume_0007
Revises: volume_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0007"
down_revision = "volume_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_backup",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("snapshot_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("availability_zone", sa.String(length=255), nullable=False),
        sa.Column("container", sa.String(length=255), nullable=True),
        sa.Column("is_incremental", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("fail_reason", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("volume_previous_status", sa.String(length=32), nullable=True),
        sa.Column("data_timestamp", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_backup")),
    )
    op.create_index(op.f("ix_volume_backup_project_id"), "volume_backup", ["project_id"], unique=False)
    op.create_index(op.f("ix_volume_backup_volume_id"), "volume_backup", ["volume_id"], unique=False)
    op.create_index(op.f("ix_volume_backup_status"), "volume_backup", ["status"], unique=False)
    op.create_index(op.f("ix_volume_backup_parent_id"), "volume_backup", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_table("volume_backup")
