"""Identity's tables. Domains are their own table (Keystone folds them into projects;
pocketstack keeps them apart because nothing here needs project-acting-as-domain)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING, new_hex_id


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _id() -> Mapped[str]:
    return mapped_column(String(64), primary_key=True, default=new_hex_id)


class Domain(Base):
    __tablename__ = "identity_domain"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Resource options ({"immutable": true}); added by identity_0009, NULL on older rows.
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class Project(Base):
    __tablename__ = "identity_project"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("identity_domain.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("identity_project.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "identity_user"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("identity_domain.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    default_project_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    password_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Failed password logins in a row and the last one ([security_compliance] lockout).
    failed_auth_count: Mapped[int | None] = mapped_column(Integer)
    failed_auth_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PasswordHistory(Base):
    """A password a user had (the current one included), newest last: reuse and minimum
    age checks. Only the hashes of the last ``unique_last_password_count`` are kept."""

    __tablename__ = "identity_password"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Set by the user (POST /v3/users/{id}/password), not by an administrator.
    self_service: Mapped[bool] = mapped_column(Boolean, default=False)


class Group(Base):
    __tablename__ = "identity_group"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64), ForeignKey("identity_domain.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Attributes beyond Keystone's own (added by identity_0002; NULL on older rows).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class Membership(Base):
    __tablename__ = "identity_membership"
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_group.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Role(Base):
    __tablename__ = "identity_role"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    # Empty string (not NULL) for global roles so the unique constraint holds on every database.
    domain_id: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImpliedRole(Base):
    __tablename__ = "identity_implied_role"
    prior_role_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_role.id", ondelete="CASCADE"), primary_key=True
    )
    implied_role_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_role.id", ondelete="CASCADE"), primary_key=True
    )


class Assignment(Base):
    """A role granted to an actor (user or group) on a target (project, domain or system)."""

    __tablename__ = "identity_assignment"
    # type: UserProject, GroupProject, UserDomain, GroupDomain, UserSystem, GroupSystem
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_role.id", ondelete="CASCADE"), primary_key=True
    )
    inherited: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=False)
    __table_args__ = (
        Index("ix_identity_assignment_target", "target_id"),
        Index("ix_identity_assignment_role", "role_id"),
    )


class ApplicationCredential(Base):
    __tablename__ = "identity_app_cred"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unrestricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Role ids delegated by the credential (a subset of the user's roles on the project).
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Ids of the user's access rules limiting what the credential's tokens may call.
    access_rules: Mapped[list[str] | None] = mapped_column(JSON, default=list)


class AccessRule(Base):
    """One (service, method, path) an application credential may call; owned by a user."""

    __tablename__ = "identity_access_rule"
    __table_args__ = (UniqueConstraint("user_id", "service", "method", "path"),)
    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(255))


class Credential(Base):
    """A secret a user keeps in identity (``ec2`` keys, ``totp``, ``cert``...); ``blob`` is
    the caller's string. An ``ec2`` credential's id is the SHA-256 of its access key, so
    the EC2 API finds it by the key a request is signed with."""

    __tablename__ = "identity_credential"
    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class Trust(Base):
    """OS-TRUST: the trustor lets the trustee act with some of its roles on a project."""

    __tablename__ = "identity_trust"
    id: Mapped[str] = _id()
    trustor_user_id: Mapped[str] = mapped_column(String(64), index=True)
    trustee_user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    impersonation: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # None: unlimited; counts down with each token issued under the trust.
    remaining_uses: Mapped[int | None] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The trust this one was redelegated from; how many more redelegations are allowed.
    redelegated_trust_id: Mapped[str | None] = mapped_column(String(64))
    redelegation_count: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class EndpointGroup(Base):
    """OS-EP-FILTER: endpoints chosen by attribute filters (service_id, interface, region_id)."""

    __tablename__ = "identity_endpoint_group"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProjectEndpoint(Base):
    """OS-EP-FILTER: an endpoint put in a project's catalog."""

    __tablename__ = "identity_project_endpoint"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ProjectEndpointGroup(Base):
    """OS-EP-FILTER: the endpoints of a group put in a project's catalog."""

    __tablename__ = "identity_project_endpoint_group"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint_group_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class DomainConfig(Base):
    """A domain's configuration overrides (groups ``identity`` and ``ldap``), as stored."""

    __tablename__ = "identity_domain_config"
    domain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Policy(Base):
    """A policy blob stored for other services (Keystone's deprecated ``/v3/policies``)."""

    __tablename__ = "identity_policy"
    id: Mapped[str] = _id()
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class OAuthConsumer(Base):
    """An OS-OAUTH1 consumer. The secret is shown once; it is kept as given because OAuth1
    signs requests with it (HMAC), as Keystone keeps it."""

    __tablename__ = "identity_oauth_consumer"
    id: Mapped[str] = _id()
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)


class RegisteredLimit(Base):
    """The default limit of a service's resource (in a region: ``""`` for all regions, so
    the unique constraint holds on every database)."""

    __tablename__ = "identity_registered_limit"
    __table_args__ = (UniqueConstraint("service_id", "region_id", "resource_name"),)
    id: Mapped[str] = _id()
    service_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str] = mapped_column(String(255), default="")
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class Limit(Base):
    """A project's (or domain's) own limit of a registered resource."""

    __tablename__ = "identity_limit"
    __table_args__ = (UniqueConstraint("registered_limit_id", "target_id"),)
    id: Mapped[str] = _id()
    registered_limit_id: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    is_domain: Mapped[bool] = mapped_column(Boolean, default=False)
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class _OAuthToken:
    """Columns an OS-OAUTH1 request token and access token share."""

    id: Mapped[str] = _id()
    secret: Mapped[str] = mapped_column(String(255))
    consumer_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    # The delegated roles, set when the user authorizes the request token.
    role_ids: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    authorizing_user_id: Mapped[str | None] = mapped_column(String(64))
    verifier: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class OAuthRequestToken(_OAuthToken, Base):
    __tablename__ = "identity_oauth_request_token"


class OAuthAccessToken(_OAuthToken, Base):
    __tablename__ = "identity_oauth_access_token"
    __table_args__ = (Index("ix_identity_oauth_access_token_authorizing_user_id", "authorizing_user_id"),)


class Region(Base):
    __tablename__ = "identity_region"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_region_id: Mapped[str | None] = mapped_column(String(255))


class CatalogService(Base):
    __tablename__ = "identity_service"
    id: Mapped[str] = _id()
    type: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Endpoint(Base):
    __tablename__ = "identity_endpoint"
    id: Mapped[str] = _id()
    service_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("identity_service.id", ondelete="CASCADE"), index=True
    )
    interface: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    region_id: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class RevocationEvent(Base):
    """Tokens matching every non-empty field and issued before ``issued_before`` are revoked."""

    __tablename__ = "identity_revocation"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(64))
    domain_id: Mapped[str | None] = mapped_column(String(64))
    audit_id: Mapped[str | None] = mapped_column(String(64))
    audit_chain_id: Mapped[str | None] = mapped_column(String(64))
    app_cred_id: Mapped[str | None] = mapped_column(String(64))
    trust_id: Mapped[str | None] = mapped_column(String(64))
    access_token_id: Mapped[str | None] = mapped_column(String(64))
    issued_before: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float] = mapped_column(Float, index=True)
