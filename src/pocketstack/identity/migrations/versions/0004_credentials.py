"""Credentials (``/v3/credentials``; EC2 keys are credentials of type ``ec2``).

Revision ID: identity_0004
Revises: identity_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0004"
down_revision = "identity_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_credential",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=True),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_credential")),
    )
    op.create_index(op.f("ix_identity_credential_user_id"), "identity_credential", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_credential_user_id"), "identity_credential")
    op.drop_table("identity_credential")
