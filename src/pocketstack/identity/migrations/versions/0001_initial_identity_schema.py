"""initial identity schema

Revision ID: identity_0001
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_domain",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_domain")),
        sa.UniqueConstraint("name", name=op.f("uq_identity_domain_name")),
    )
    op.create_table(
        "identity_region",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent_region_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_region")),
    )
    op.create_table(
        "identity_revocation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("domain_id", sa.String(length=64), nullable=True),
        sa.Column("audit_id", sa.String(length=64), nullable=True),
        sa.Column("audit_chain_id", sa.String(length=64), nullable=True),
        sa.Column("app_cred_id", sa.String(length=64), nullable=True),
        sa.Column("issued_before", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_revocation")),
    )
    op.create_index(op.f("ix_identity_revocation_revoked_at"), "identity_revocation", ["revoked_at"], unique=False)
    op.create_table(
        "identity_role",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_role")),
        sa.UniqueConstraint("domain_id", "name", name=op.f("uq_identity_role_domain_id")),
    )
    op.create_table(
        "identity_service",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_service")),
    )
    op.create_index(op.f("ix_identity_service_type"), "identity_service", ["type"], unique=False)
    op.create_table(
        "identity_assignment",
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("inherited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["identity_role.id"],
            name=op.f("fk_identity_assignment_role_id_identity_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "type", "actor_id", "target_id", "role_id", "inherited", name=op.f("pk_identity_assignment")
        ),
    )
    op.create_index("ix_identity_assignment_role", "identity_assignment", ["role_id"], unique=False)
    op.create_index("ix_identity_assignment_target", "identity_assignment", ["target_id"], unique=False)
    op.create_table(
        "identity_endpoint",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("interface", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("region_id", sa.String(length=255), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["identity_service.id"],
            name=op.f("fk_identity_endpoint_service_id_identity_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_endpoint")),
    )
    op.create_index(op.f("ix_identity_endpoint_service_id"), "identity_endpoint", ["service_id"], unique=False)
    op.create_table(
        "identity_group",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["identity_domain.id"], name=op.f("fk_identity_group_domain_id_identity_domain")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_group")),
        sa.UniqueConstraint("domain_id", "name", name=op.f("uq_identity_group_domain_id")),
    )
    op.create_index(op.f("ix_identity_group_domain_id"), "identity_group", ["domain_id"], unique=False)
    op.create_table(
        "identity_implied_role",
        sa.Column("prior_role_id", sa.String(length=64), nullable=False),
        sa.Column("implied_role_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["implied_role_id"],
            ["identity_role.id"],
            name=op.f("fk_identity_implied_role_implied_role_id_identity_role"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prior_role_id"],
            ["identity_role.id"],
            name=op.f("fk_identity_implied_role_prior_role_id_identity_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prior_role_id", "implied_role_id", name=op.f("pk_identity_implied_role")),
    )
    op.create_table(
        "identity_project",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["identity_domain.id"], name=op.f("fk_identity_project_domain_id_identity_domain")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["identity_project.id"], name=op.f("fk_identity_project_parent_id_identity_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_project")),
        sa.UniqueConstraint("domain_id", "name", name=op.f("uq_identity_project_domain_id")),
    )
    op.create_index(op.f("ix_identity_project_domain_id"), "identity_project", ["domain_id"], unique=False)
    op.create_index(op.f("ix_identity_project_parent_id"), "identity_project", ["parent_id"], unique=False)
    op.create_table(
        "identity_user",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("default_project_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("password_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["identity_domain.id"], name=op.f("fk_identity_user_domain_id_identity_domain")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_user")),
        sa.UniqueConstraint("domain_id", "name", name=op.f("uq_identity_user_domain_id")),
    )
    op.create_index(op.f("ix_identity_user_domain_id"), "identity_user", ["domain_id"], unique=False)
    op.create_table(
        "identity_app_cred",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("unrestricted", sa.Boolean(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_app_cred_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_app_cred")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_identity_app_cred_user_id")),
    )
    op.create_index(op.f("ix_identity_app_cred_user_id"), "identity_app_cred", ["user_id"], unique=False)
    op.create_table(
        "identity_membership",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["identity_group.id"],
            name=op.f("fk_identity_membership_group_id_identity_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_identity_membership_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "group_id", name=op.f("pk_identity_membership")),
    )
    op.create_index(op.f("ix_identity_membership_group_id"), "identity_membership", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_membership_group_id"), table_name="identity_membership")
    op.drop_table("identity_membership")
    op.drop_index(op.f("ix_identity_app_cred_user_id"), table_name="identity_app_cred")
    op.drop_table("identity_app_cred")
    op.drop_index(op.f("ix_identity_user_domain_id"), table_name="identity_user")
    op.drop_table("identity_user")
    op.drop_index(op.f("ix_identity_project_parent_id"), table_name="identity_project")
    op.drop_index(op.f("ix_identity_project_domain_id"), table_name="identity_project")
    op.drop_table("identity_project")
    op.drop_table("identity_implied_role")
    op.drop_index(op.f("ix_identity_group_domain_id"), table_name="identity_group")
    op.drop_table("identity_group")
    op.drop_index(op.f("ix_identity_endpoint_service_id"), table_name="identity_endpoint")
    op.drop_table("identity_endpoint")
    op.drop_index("ix_identity_assignment_target", table_name="identity_assignment")
    op.drop_index("ix_identity_assignment_role", table_name="identity_assignment")
    op.drop_table("identity_assignment")
    op.drop_index(op.f("ix_identity_service_type"), table_name="identity_service")
    op.drop_table("identity_service")
    op.drop_table("identity_role")
    op.drop_index(op.f("ix_identity_revocation_revoked_at"), table_name="identity_revocation")
    op.drop_table("identity_revocation")
    op.drop_table("identity_region")
    op.drop_table("identity_domain")
