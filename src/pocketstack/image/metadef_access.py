"""The metadata definitions catalog's shared pieces: its paging limits and sort keys, the
shapes a namespace is returned in, who may read or write a namespace (Glance's rules:
admins write; public namespaces, and a project's own private ones, are readable;
one the caller may not read is "not found"), name checks and the flush that turns a
name clash into a Conflict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import FlushError

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.image import policy
from pocketstack.image.models import (
    MetadefAssociation,
    MetadefNamespace,
    MetadefObject,
    MetadefProperty,
    MetadefTag,
)

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
SORT_KEYS = {
    "created_at": MetadefNamespace.created_at,
    "updated_at": MetadefNamespace.updated_at,
    "namespace": MetadefNamespace.namespace,
    "display_name": MetadefNamespace.display_name,
    "visibility": MetadefNamespace.visibility,
    "owner": MetadefNamespace.owner,
    "id": MetadefNamespace.id,
}


@dataclass(slots=True)
class Association:
    name: str
    row: MetadefAssociation


@dataclass(slots=True)
class NamespaceDetail:
    namespace: MetadefNamespace
    associations: list[Association] = field(default_factory=list)
    properties: list[MetadefProperty] = field(default_factory=list)
    objects: list[MetadefObject] = field(default_factory=list)
    tags: list[MetadefTag] = field(default_factory=list)


@dataclass(slots=True)
class NamespaceQuery:
    limit: int = DEFAULT_LIMIT
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    visibility: str | None = None
    resource_types: list[str] = field(default_factory=list)


# -- who may do what -------------------------------------------------------------------


def check_admin(ctx: RequestContext, rule: str, target: dict[str, Any] | None = None) -> None:
    error = Forbidden(
        f"You are not authorized to complete {rule} action: metadata definitions are changed by admins only."
    )
    policy.enforce(ctx, rule, target, error=error)


def namespace_target(ns: MetadefNamespace) -> dict[str, Any]:
    return {"project_id": ns.owner, "owner": ns.owner, "visibility": ns.visibility, "namespace": ns.namespace}


def readable_filter(ctx: RequestContext) -> Any:
    """The namespaces the caller may read, as a SQL condition (Glance's database layer)."""
    if policy.is_admin(ctx):
        return None
    return or_(MetadefNamespace.visibility == "public", MetadefNamespace.owner == ctx.project_id)


async def load(
    session: AsyncSession, ctx: RequestContext, name: str, rule: str = "get_metadef_namespace"
) -> MetadefNamespace:
    """The namespace if the caller sees it and ``rule`` lets it read there; else not found."""
    row = await session.scalar(select(MetadefNamespace).where(MetadefNamespace.namespace == name))
    missing = NotFound(f"Metadata definition namespace={name} was not found.")
    if row is None or not (policy.is_admin(ctx) or row.visibility == "public" or row.owner == ctx.project_id):
        raise missing
    policy.enforce(ctx, rule, namespace_target(row), error=missing)
    return row


async def writable(session: AsyncSession, ctx: RequestContext, name: str, rule: str) -> MetadefNamespace:
    row = await load(session, ctx, name)
    check_admin(ctx, rule, namespace_target(row))
    return row


def check_unprotected(ns: MetadefNamespace, what: str) -> None:
    if ns.protected:
        raise Forbidden(
            f"Cannot delete {what} of namespace {ns.namespace}: the namespace is protected. "
            "Set its 'protected' to false first."
        )


def check_name(name: str, kind: str) -> str:
    """Names end up as path segments of the resource's URL: one non-empty segment."""
    if not name.strip() or "/" in name:
        raise Invalid(f"Invalid {kind} name {name!r}: it must be non-empty and cannot contain '/'.")
    return name


async def flush(session: AsyncSession, message: str) -> None:
    """Flush, turning a unique-name clash into a Conflict."""
    try:
        await session.flush()
    except (IntegrityError, FlushError):
        raise Conflict(message) from None
