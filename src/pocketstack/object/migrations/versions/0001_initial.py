"""Object storage's index: accounts, containers, objects.

Revision ID: object_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pocketstack.object.models import MAX_CONTAINER_NAME, MAX_OBJECT_NAME, ObjectName

revision = "object_0001"
down_revision = None
branch_labels = None
depends_on = None

_STAMP = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        "object_accounts",
        sa.Column("account", sa.String(255), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_object_accounts"),
    )
    op.create_table(
        "object_containers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(255), nullable=False),
        sa.Column("name", ObjectName(MAX_CONTAINER_NAME), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("object_count", sa.BigInteger(), nullable=False),
        sa.Column("bytes_used", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_object_containers"),
        sa.UniqueConstraint("account", "name", name="uq_object_containers_account_name"),
    )
    op.create_table(
        "object_objects",
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("name", ObjectName(MAX_OBJECT_NAME), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(256), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("blob", sa.String(200), nullable=False),
        sa.Column("delete_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["container_id"], ["object_containers.id"], name="fk_object_objects_container", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("container_id", "name", name="pk_object_objects"),
    )
    op.create_index("ix_object_objects_delete_at", "object_objects", ["delete_at"])


def downgrade() -> None:
    op.drop_index("ix_object_objects_delete_at", table_name="object_objects")
    op.drop_table("object_objects")
    op.drop_table("object_containers")
    op.drop_table("object_accounts")
