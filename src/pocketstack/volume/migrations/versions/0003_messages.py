"""user messages

Revision ID: volume_0003
Revises: volume_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "volume_0003"
down_revision = "volume_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volume_message",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=255), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=True),
        sa.Column("resource_uuid", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("message_level", sa.String(length=16), nullable=False),
        sa.Column("user_message", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_message")),
    )
    op.create_index(op.f("ix_volume_message_project_id"), "volume_message", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_volume_message_project_id"), table_name="volume_message")
    op.drop_table("volume_message")
