"""Security compliance: failed logins per user (lockout) and the password history
(reuse, minimum age).

Revision ID: identity_0005
Revises: identity_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0005"
down_revision = "identity_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_user") as batch:
        batch.add_column(sa.Column("failed_auth_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failed_auth_at", sa.DateTime(), nullable=True))
    op.create_table(
        "identity_password",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("self_service", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_password_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_password")),
    )
    op.create_index(op.f("ix_identity_password_user_id"), "identity_password", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_password_user_id"), "identity_password")
    op.drop_table("identity_password")
    with op.batch_alter_table("identity_user") as batch:
        batch.drop_column("failed_auth_at")
        batch.drop_column("failed_auth_count")
