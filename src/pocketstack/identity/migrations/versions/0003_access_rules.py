"""Application credential access rules: kept per user, shared by that user's credentials.

Revision ID: identity_0003
Revises: identity_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_access_rule",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_access_rule")),
        sa.UniqueConstraint(
            "user_id", "service", "method", "path", name=op.f("uq_identity_access_rule_user_id_service_method_path")
        ),
    )
    op.create_index(op.f("ix_identity_access_rule_user_id"), "identity_access_rule", ["user_id"])
    with op.batch_alter_table("identity_app_cred") as batch:
        batch.add_column(sa.Column("access_rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_app_cred") as batch:
        batch.drop_column("access_rules")
    op.drop_index(op.f("ix_identity_access_rule_user_id"), "identity_access_rule")
    op.drop_table("identity_access_rule")
