"""OS-EP-FILTER associations: projects to endpoints, and projects to endpoint groups.

Revision ID: identity_0008
Revises: identity_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0008"
down_revision = "identity_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_project_endpoint",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("endpoint_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "endpoint_id", name=op.f("pk_identity_project_endpoint")),
    )
    op.create_table(
        "identity_project_endpoint_group",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("endpoint_group_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "endpoint_group_id", name=op.f("pk_identity_project_endpoint_group")),
    )


def downgrade() -> None:
    op.drop_table("identity_project_endpoint_group")
    op.drop_table("identity_project_endpoint")
