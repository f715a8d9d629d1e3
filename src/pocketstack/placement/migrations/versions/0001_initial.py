"""Placement's initial tables.

Revision ID: placement_0001
Revises:

Foreign keys have short explicit names (the same as in models.py): the conventional
``fk_<table>_<column>_<referred table>`` is longer than PostgreSQL (63) and MariaDB (64)
accept for these table names.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "placement_0001"
down_revision = None
branch_labels = None
depends_on = None

RP = "placement_resource_providers"


def _stamps(updated: bool = True) -> list[sa.Column[Any]]:
    cols = [sa.Column("created_at", sa.DateTime(), nullable=False)]
    if updated:
        cols.append(sa.Column("updated_at", sa.DateTime(), nullable=True))
    return cols


def upgrade() -> None:
    op.create_table(
        "placement_resource_classes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_placement_resource_classes"),
        sa.UniqueConstraint("name", name="uq_placement_resource_classes_name"),
    )
    op.create_table(
        "placement_traits",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        *_stamps(updated=False),
        sa.PrimaryKeyConstraint("id", name="pk_placement_traits"),
        sa.UniqueConstraint("name", name="uq_placement_traits_name"),
    )
    op.create_table(
        RP,
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("parent_provider_id", sa.Integer(), nullable=True),
        sa.Column("root_provider_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=f"pk_{RP}"),
        sa.UniqueConstraint("uuid", name=f"uq_{RP}_uuid"),
        sa.UniqueConstraint("name", name=f"uq_{RP}_name"),
        sa.ForeignKeyConstraint(["parent_provider_id"], [f"{RP}.id"], name="fk_placement_rp_parent"),
    )
    op.create_index(f"ix_{RP}_parent_provider_id", RP, ["parent_provider_id"])
    op.create_index(f"ix_{RP}_root_provider_id", RP, ["root_provider_id"])
    op.create_table(
        "placement_inventories",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("resource_provider_id", sa.Integer(), nullable=False),
        sa.Column("resource_class_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("min_unit", sa.Integer(), nullable=False),
        sa.Column("max_unit", sa.Integer(), nullable=False),
        sa.Column("step_size", sa.Integer(), nullable=False),
        sa.Column("allocation_ratio", sa.Float(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_placement_inventories"),
        sa.UniqueConstraint(
            "resource_provider_id", "resource_class_id", name="uq_placement_inventories_resource_provider_id"
        ),
        sa.ForeignKeyConstraint(
            ["resource_provider_id"],
            [f"{RP}.id"],
            ondelete="CASCADE",
            name="fk_placement_inv_rp",
        ),
        sa.ForeignKeyConstraint(
            ["resource_class_id"],
            ["placement_resource_classes.id"],
            name="fk_placement_inv_rc",
        ),
    )
    op.create_index(
        "ix_placement_inventories_rc_rp", "placement_inventories", ["resource_class_id", "resource_provider_id"]
    )
    op.create_table(
        "placement_consumers",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("consumer_type", sa.String(255), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_placement_consumers"),
        sa.UniqueConstraint("uuid", name="uq_placement_consumers_uuid"),
    )
    op.create_index("ix_placement_consumers_project_id", "placement_consumers", ["project_id"])
    op.create_table(
        "placement_allocations",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("resource_provider_id", sa.Integer(), nullable=False),
        sa.Column("resource_class_id", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        *_stamps(updated=False),
        sa.PrimaryKeyConstraint("id", name="pk_placement_allocations"),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["placement_consumers.id"],
            ondelete="CASCADE",
            name="fk_placement_alloc_consumer",
        ),
        sa.ForeignKeyConstraint(["resource_provider_id"], [f"{RP}.id"], name="fk_placement_alloc_rp"),
        sa.ForeignKeyConstraint(
            ["resource_class_id"],
            ["placement_resource_classes.id"],
            name="fk_placement_alloc_rc",
        ),
    )
    op.create_index("ix_placement_allocations_consumer_id", "placement_allocations", ["consumer_id"])
    op.create_index(
        "ix_placement_allocations_rp_rc", "placement_allocations", ["resource_provider_id", "resource_class_id"]
    )
    op.create_table(
        "placement_provider_traits",
        sa.Column("resource_provider_id", sa.Integer(), nullable=False),
        sa.Column("trait_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource_provider_id", "trait_id", name="pk_placement_provider_traits"),
        sa.ForeignKeyConstraint(
            ["resource_provider_id"],
            [f"{RP}.id"],
            ondelete="CASCADE",
            name="fk_placement_rp_traits_rp",
        ),
        sa.ForeignKeyConstraint(["trait_id"], ["placement_traits.id"], name="fk_placement_rp_traits_trait"),
    )
    op.create_index("ix_placement_provider_traits_trait_id", "placement_provider_traits", ["trait_id"])
    op.create_table(
        "placement_provider_aggregates",
        sa.Column("resource_provider_id", sa.Integer(), nullable=False),
        sa.Column("aggregate_uuid", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("resource_provider_id", "aggregate_uuid", name="pk_placement_provider_aggregates"),
        sa.ForeignKeyConstraint(
            ["resource_provider_id"],
            [f"{RP}.id"],
            ondelete="CASCADE",
            name="fk_placement_rp_aggs_rp",
        ),
    )
    op.create_index(
        "ix_placement_provider_aggregates_aggregate_uuid", "placement_provider_aggregates", ["aggregate_uuid"]
    )


def downgrade() -> None:
    for table in (
        "placement_provider_aggregates",
        "placement_provider_traits",
        "placement_allocations",
        "placement_consumers",
        "placement_inventories",
        RP,
        "placement_traits",
        "placement_resource_classes",
    ):
        op.drop_table(table)
