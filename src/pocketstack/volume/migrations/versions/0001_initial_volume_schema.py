"""initial volume schema

Revision ID: volume_0001
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_quota",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_quota")),
        sa.UniqueConstraint("project_id", "resource", name=op.f("uq_volume_quota_project_id")),
    )
    op.create_index(op.f("ix_volume_quota_project_id"), "volume_quota", ["project_id"], unique=False)
    op.create_table(
        "volume_quota_lock",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_volume_quota_lock")),
    )
    op.create_table(
        "volume_type",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("extra_specs", sa.JSON(), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_type")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_type_name")),
    )
    op.create_table(
        "volume_volume",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("attach_status", sa.String(length=32), nullable=False),
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.Column("availability_zone", sa.String(length=255), nullable=False),
        sa.Column("bootable", sa.Boolean(), nullable=False),
        sa.Column("multiattach", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("image_metadata", sa.JSON(), nullable=False),
        sa.Column("snapshot_id", sa.String(length=36), nullable=True),
        sa.Column("source_volid", sa.String(length=36), nullable=True),
        sa.Column("image_id", sa.String(length=36), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("provider_location", sa.JSON(), nullable=False),
        sa.Column("previous_status", sa.String(length=32), nullable=True),
        sa.Column("previous_size", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volume_type_id"], ["volume_type.id"], name=op.f("fk_volume_volume_volume_type_id_volume_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_volume")),
    )
    op.create_index(op.f("ix_volume_volume_name"), "volume_volume", ["name"], unique=False)
    op.create_index(op.f("ix_volume_volume_project_id"), "volume_volume", ["project_id"], unique=False)
    op.create_index(op.f("ix_volume_volume_status"), "volume_volume", ["status"], unique=False)
    op.create_index(op.f("ix_volume_volume_volume_type_id"), "volume_volume", ["volume_type_id"], unique=False)
    op.create_table(
        "volume_attachment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("instance_uuid", sa.String(length=36), nullable=True),
        sa.Column("attached_host", sa.String(length=255), nullable=True),
        sa.Column("mountpoint", sa.String(length=255), nullable=True),
        sa.Column("attach_mode", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("connector", sa.JSON(), nullable=True),
        sa.Column("connection_info", sa.JSON(), nullable=True),
        sa.Column("attach_time", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volume_id"], ["volume_volume.id"], name=op.f("fk_volume_attachment_volume_id_volume_volume")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_attachment")),
    )
    op.create_index(op.f("ix_volume_attachment_instance_uuid"), "volume_attachment", ["instance_uuid"], unique=False)
    op.create_index(op.f("ix_volume_attachment_volume_id"), "volume_attachment", ["volume_id"], unique=False)
    op.create_table(
        "volume_snapshot",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("progress", sa.String(length=8), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("provider_location", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volume_id"], ["volume_volume.id"], name=op.f("fk_volume_snapshot_volume_id_volume_volume")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_snapshot")),
    )
    op.create_index(op.f("ix_volume_snapshot_project_id"), "volume_snapshot", ["project_id"], unique=False)
    op.create_index(op.f("ix_volume_snapshot_status"), "volume_snapshot", ["status"], unique=False)
    op.create_index(op.f("ix_volume_snapshot_volume_id"), "volume_snapshot", ["volume_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_volume_snapshot_volume_id"), table_name="volume_snapshot")
    op.drop_index(op.f("ix_volume_snapshot_status"), table_name="volume_snapshot")
    op.drop_index(op.f("ix_volume_snapshot_project_id"), table_name="volume_snapshot")
    op.drop_table("volume_snapshot")
    op.drop_index(op.f("ix_volume_attachment_volume_id"), table_name="volume_attachment")
    op.drop_index(op.f("ix_volume_attachment_instance_uuid"), table_name="volume_attachment")
    op.drop_table("volume_attachment")
    op.drop_index(op.f("ix_volume_volume_volume_type_id"), table_name="volume_volume")
    op.drop_index(op.f("ix_volume_volume_status"), table_name="volume_volume")
    op.drop_index(op.f("ix_volume_volume_project_id"), table_name="volume_volume")
    op.drop_index(op.f("ix_volume_volume_name"), table_name="volume_volume")
    op.drop_table("volume_volume")
    op.drop_table("volume_type")
    op.drop_table("volume_quota_lock")
    op.drop_index(op.f("ix_volume_quota_project_id"), table_name="volume_quota")
    op.drop_table("volume_quota")
