"""Image service: tasks (image imports and the legacy tasks API).

Revision ID: image_0003
Revises: image_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "image_0003"
down_revision = "image_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_task",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("image_id", sa.String(36)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("user_id", sa.String(64)),
        sa.Column("input", sa.JSON),
        sa.Column("result", sa.JSON),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_image_task"),
    )
    op.create_index("ix_image_task_image_id", "image_task", ["image_id"])


def downgrade() -> None:
    op.drop_table("image_task")
