"""Image service: the metadata definitions catalog (namespaces, objects, properties, tags,
resource types and their associations), with the resource types of the cloud's services.

Revision ID: image_0002
Revises: image_0001
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "image_0002"
down_revision = "image_0001"
branch_labels = None
depends_on = None

# The resources of pocketstack's own APIs that carry key/value metadata.
RESOURCE_TYPES = (
    "OS::Glance::Image",
    "OS::Cinder::Volume",
    "OS::Nova::Flavor",
    "OS::Nova::Server",
    "OS::Nova::Aggregate",
)


def _times() -> list[sa.Column[Any]]:
    return [sa.Column("created_at", sa.DateTime, nullable=False), sa.Column("updated_at", sa.DateTime, nullable=False)]


def _in_namespace(table: str) -> list[sa.Column[Any] | sa.Constraint]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("namespace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("namespace_id", "name", name=f"uq_{table}_namespace_id"),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["image_metadef_namespace.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_namespace_id_image_metadef_namespace",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "image_metadef_namespace",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("namespace", sa.String(80), nullable=False),
        sa.Column("display_name", sa.String(80)),
        sa.Column("description", sa.Text),
        sa.Column("visibility", sa.String(32), nullable=False),
        sa.Column("protected", sa.Boolean, nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_image_metadef_namespace"),
        sa.UniqueConstraint("namespace", name="uq_image_metadef_namespace_namespace"),
    )
    op.create_index("ix_image_metadef_namespace_owner", "image_metadef_namespace", ["owner"])
    op.create_table(
        "image_metadef_object",
        *_in_namespace("image_metadef_object"),
        sa.Column("description", sa.Text),
        sa.Column("required", sa.JSON),
        sa.Column("properties", sa.JSON, nullable=False),
        *_times(),
    )
    op.create_table(
        "image_metadef_property",
        *_in_namespace("image_metadef_property"),
        sa.Column("definition", sa.JSON, nullable=False),
        *_times(),
    )
    op.create_table("image_metadef_tag", *_in_namespace("image_metadef_tag"), *_times())
    resource_types = op.create_table(
        "image_metadef_resource_type",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("protected", sa.Boolean, nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_image_metadef_resource_type"),
        sa.UniqueConstraint("name", name="uq_image_metadef_resource_type_name"),
    )
    op.create_table(
        "image_metadef_association",
        sa.Column("namespace_id", sa.Integer, nullable=False),
        sa.Column("resource_type_id", sa.Integer, nullable=False),
        sa.Column("prefix", sa.String(80)),
        sa.Column("properties_target", sa.String(80)),
        *_times(),
        sa.PrimaryKeyConstraint("namespace_id", "resource_type_id", name="pk_image_metadef_association"),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["image_metadef_namespace.id"],
            ondelete="CASCADE",
            name="fk_image_metadef_association_namespace",
        ),
        sa.ForeignKeyConstraint(
            ["resource_type_id"],
            ["image_metadef_resource_type.id"],
            ondelete="CASCADE",
            name="fk_image_metadef_association_resource_type",
        ),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(
        resource_types,
        [{"name": name, "protected": True, "created_at": now, "updated_at": now} for name in RESOURCE_TYPES],
    )


def downgrade() -> None:
    for table in (
        "image_metadef_association",
        "image_metadef_resource_type",
        "image_metadef_tag",
        "image_metadef_property",
        "image_metadef_object",
        "image_metadef_namespace",
    ):
        op.drop_table(table)
