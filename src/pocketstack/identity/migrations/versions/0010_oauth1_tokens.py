"""OS-OAUTH1 request and access tokens, and revocation by access token.

Revision ID: identity_0010
Revises: identity_0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0010"
down_revision = "identity_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("identity_oauth_request_token", "identity_oauth_access_token"):
        op.create_table(
            table,
            sa.Column("id", sa.String(64), nullable=False),
            sa.Column("secret", sa.String(255), nullable=False),
            sa.Column("consumer_id", sa.String(64), nullable=False),
            sa.Column("project_id", sa.String(64), nullable=False),
            sa.Column("role_ids", sa.JSON(), nullable=True),
            sa.Column("authorizing_user_id", sa.String(64), nullable=True),
            sa.Column("verifier", sa.String(64), nullable=True),
            sa.Column("expires_at", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
    op.create_index(
        op.f("ix_identity_oauth_access_token_authorizing_user_id"),
        "identity_oauth_access_token",
        ["authorizing_user_id"],
    )
    with op.batch_alter_table("identity_revocation") as batch:
        batch.add_column(sa.Column("access_token_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_revocation") as batch:
        batch.drop_column("access_token_id")
    op.drop_index(op.f("ix_identity_oauth_access_token_authorizing_user_id"), "identity_oauth_access_token")
    op.drop_table("identity_oauth_access_token")
    op.drop_table("identity_oauth_request_token")
