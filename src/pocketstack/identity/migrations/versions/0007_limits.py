"""Unified limits: registered (default) limits per service resource, and project or
domain limits overriding them.

Revision ID: identity_0007
Revises: identity_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0007"
down_revision = "identity_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_registered_limit",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("region_id", sa.String(255), nullable=False),
        sa.Column("resource_name", sa.String(255), nullable=False),
        sa.Column("default_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_registered_limit")),
        sa.UniqueConstraint(
            "service_id",
            "region_id",
            "resource_name",
            name=op.f("uq_identity_registered_limit_service_id_region_id_resource_name"),
        ),
    )
    op.create_table(
        "identity_limit",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("registered_limit_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("is_domain", sa.Boolean(), nullable=False),
        sa.Column("resource_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_limit")),
        sa.UniqueConstraint(
            "registered_limit_id", "target_id", name=op.f("uq_identity_limit_registered_limit_id_target_id")
        ),
    )
    op.create_index(op.f("ix_identity_limit_target_id"), "identity_limit", ["target_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_limit_target_id"), "identity_limit")
    op.drop_table("identity_limit")
    op.drop_table("identity_registered_limit")
