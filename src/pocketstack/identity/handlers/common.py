"""Helpers shared by identity handlers: list filters, lookups that 404 with Keystone's message."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.web.request import Request

T = TypeVar("T")

NOUNS = {
    "Domain": "domain",
    "Project": "project",
    "User": "user",
    "Group": "group",
    "Role": "role",
    "Region": "region",
    "CatalogService": "service",
    "Endpoint": "endpoint",
    "ApplicationCredential": "application credential",
    "AccessRule": "access rule",
    "Credential": "credential",
    "Trust": "trust",
    "Policy": "policy",
    "EndpointGroup": "endpoint group",
    "OAuthConsumer": "consumer",
    "RegisteredLimit": "registered limit",
    "Limit": "limit",
    "OAuthAccessToken": "access token",
    "OAuthRequestToken": "request token",
}


async def get_or_404(s: AsyncSession, model: type[T], ident: str) -> T:
    obj = await s.get(model, ident)
    if obj is None:
        noun = NOUNS.get(model.__name__, model.__name__.lower())
        raise NotFound(f"Could not find {noun}: {ident}.")
    return obj


def base(req: Request) -> str:
    return req.base_url


def apply_filters(req: Request, query: Select[Any], model: Any, names: tuple[str, ...]) -> Select[Any]:
    """Exact-match filters from the query string (``?name=x&enabled=true``)."""
    for name in names:
        value = req.param(name)
        if value is None:
            continue
        column = getattr(model, name)
        if name == "enabled":
            query = query.where(column.is_(req.bool_param(name)))
        else:
            query = query.where(column == value)
    return query


def body_of(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise Invalid(f"Invalid input: the request body needs a '{key}' object")
    return value


async def ensure_unique(
    s: AsyncSession, model: Any, name: str, *, domain_id: str | None = None, action: str = "store"
) -> None:
    """409 with Keystone's message if ``name`` is taken (within ``domain_id`` when given)."""
    query = select(func.count()).select_from(model).where(model.name == name)
    if domain_id is not None:
        query = query.where(model.domain_id == domain_id)
    if await s.scalar(query):
        noun = NOUNS.get(model.__name__, model.__name__.lower())
        where = f" at domain ID {domain_id}" if domain_id and model.__name__ in ("Project", "User") else ""
        raise Conflict(
            f"Conflict occurred attempting to {action} {noun} - Duplicate entry found with name {name}{where}."
        )


def check_mutable(kind: str, ident: str, options: dict[str, Any] | None, change: dict[str, Any] | None) -> None:
    """403 for changing (``change``) or deleting (None) an immutable resource; the one
    change allowed is turning ``immutable`` off by itself, as Keystone's resource options."""
    if not (options or {}).get("immutable"):
        return
    wanted = (change or {}).get("options") or {}
    if change is not None and set(change) == {"options"} and "immutable" in wanted and not wanted["immutable"]:
        return
    raise Forbidden(f"Cannot change {kind} {ident}: it is immutable (set its option immutable to false first).")
