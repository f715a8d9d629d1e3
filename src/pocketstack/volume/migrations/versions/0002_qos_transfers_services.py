"""QoS specs, volume transfers, service states, quota classes, group types

Revision ID: volume_0002
Revises: volume_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0002"
down_revision = "volume_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("volume_type", sa.Column("qos_specs_id", sa.String(length=36), nullable=True))
    op.create_table(
        "volume_quota_class",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("class_name", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_quota_class")),
        sa.UniqueConstraint("class_name", "resource", name=op.f("uq_volume_quota_class_class_name")),
    )
    op.create_index(op.f("ix_volume_quota_class_class_name"), "volume_quota_class", ["class_name"], unique=False)
    op.create_table(
        "volume_qos_specs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("consumer", sa.String(length=16), nullable=False),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_qos_specs")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_qos_specs_name")),
    )
    op.create_table(
        "volume_transfer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("salt", sa.String(length=255), nullable=False),
        sa.Column("crypt_hash", sa.String(length=255), nullable=False),
        sa.Column("source_project_id", sa.String(length=64), nullable=False),
        sa.Column("destination_project_id", sa.String(length=64), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("no_snapshots", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_transfer")),
    )
    op.create_index(op.f("ix_volume_transfer_volume_id"), "volume_transfer", ["volume_id"], unique=False)
    op.create_index(
        op.f("ix_volume_transfer_source_project_id"), "volume_transfer", ["source_project_id"], unique=False
    )
    op.create_table(
        "volume_service_state",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("binary", sa.String(length=64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_service_state")),
        sa.UniqueConstraint("host", "binary", name=op.f("uq_volume_service_state_host")),
    )
    op.create_table(
        "volume_group_type",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("group_specs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_group_type")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_group_type_name")),
    )


def downgrade() -> None:
    op.drop_table("volume_group_type")
    op.drop_table("volume_service_state")
    op.drop_index(op.f("ix_volume_transfer_source_project_id"), table_name="volume_transfer")
    op.drop_index(op.f("ix_volume_transfer_volume_id"), table_name="volume_transfer")
    op.drop_table("volume_transfer")
    op.drop_table("volume_qos_specs")
    op.drop_index(op.f("ix_volume_quota_class_class_name"), table_name="volume_quota_class")
    op.drop_table("volume_quota_class")
    op.drop_column("volume_type", "qos_specs_id")
