"""OS-TRUST trusts (and revocation by trust), OS-EP-FILTER endpoint groups, domain
configuration, policies and OAuth1 consumers.

Revision ID: identity_0006
Revises: identity_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0006"
down_revision = "identity_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_trust",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("trustor_user_id", sa.String(64), nullable=False),
        sa.Column("trustee_user_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=True),
        sa.Column("impersonation", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("remaining_uses", sa.Integer(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("redelegated_trust_id", sa.String(64), nullable=True),
        sa.Column("redelegation_count", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_trust")),
    )
    op.create_index(op.f("ix_identity_trust_trustor_user_id"), "identity_trust", ["trustor_user_id"])
    op.create_index(op.f("ix_identity_trust_trustee_user_id"), "identity_trust", ["trustee_user_id"])
    with op.batch_alter_table("identity_revocation") as batch:
        batch.add_column(sa.Column("trust_id", sa.String(64), nullable=True))
    op.create_table(
        "identity_endpoint_group",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_endpoint_group")),
    )
    op.create_table(
        "identity_domain_config",
        sa.Column("domain_id", sa.String(64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("domain_id", name=op.f("pk_identity_domain_config")),
    )
    op.create_table(
        "identity_policy",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_policy")),
    )
    op.create_table(
        "identity_oauth_consumer",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(255), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_oauth_consumer")),
    )


def downgrade() -> None:
    op.drop_table("identity_oauth_consumer")
    op.drop_table("identity_policy")
    op.drop_table("identity_domain_config")
    op.drop_table("identity_endpoint_group")
    with op.batch_alter_table("identity_revocation") as batch:
        batch.drop_column("trust_id")
    op.drop_index(op.f("ix_identity_trust_trustee_user_id"), "identity_trust")
    op.drop_index(op.f("ix_identity_trust_trustor_user_id"), "identity_trust")
    op.drop_table("identity_trust")
