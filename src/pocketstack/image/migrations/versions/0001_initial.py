"""Image service: images, properties, tags, members.

Revision ID: image_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "image_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_image",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("protected", sa.Boolean, nullable=False),
        sa.Column("os_hidden", sa.Boolean, nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("disk_format", sa.String(16)),
        sa.Column("container_format", sa.String(16)),
        sa.Column("size", sa.BigInteger),
        sa.Column("virtual_size", sa.BigInteger),
        sa.Column("checksum", sa.String(32)),
        sa.Column("os_hash_algo", sa.String(64)),
        sa.Column("os_hash_value", sa.String(128)),
        sa.Column("min_disk", sa.Integer, nullable=False),
        sa.Column("min_ram", sa.Integer, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_image_image"),
    )
    op.create_index("ix_image_image_created", "image_image", ["created_at", "id"])
    op.create_table(
        "image_property",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("image_id", "name", name="pk_image_property"),
        sa.ForeignKeyConstraint(
            ["image_id"], ["image_image.id"], ondelete="CASCADE", name="fk_image_property_image_id_image_image"
        ),
    )
    # MySQL indexes a TEXT column only by a prefix.
    op.create_index("ix_image_property_name_value", "image_property", ["name", "value"], mysql_length={"value": 255})
    op.create_table(
        "image_tag",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("image_id", "value", name="pk_image_tag"),
        sa.ForeignKeyConstraint(
            ["image_id"], ["image_image.id"], ondelete="CASCADE", name="fk_image_tag_image_id_image_image"
        ),
    )
    op.create_index("ix_image_tag_value", "image_tag", ["value"])
    op.create_table(
        "image_member",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("member", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("image_id", "member", name="pk_image_member"),
        sa.ForeignKeyConstraint(
            ["image_id"], ["image_image.id"], ondelete="CASCADE", name="fk_image_member_image_id_image_image"
        ),
    )
    op.create_index("ix_image_member_member", "image_member", ["member", "status"])


def downgrade() -> None:
    for table in ("image_member", "image_tag", "image_property", "image_image"):
        op.drop_table(table)
