"""``/v3/domains``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, Forbidden
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import apply_filters, check_mutable, ensure_unique, get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

CORE = ("name", "description", "enabled", "tags", "options", "explicit_domain_id")


async def list_(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    policy.admin(ctx, "list_domains")
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Domain), m.Domain, ("name", "enabled", "id"))
        rows = (await s.scalars(query.order_by(m.Domain.name))).all()
    if not ctx.is_admin:
        rows = [d for d in rows if d.id in (ctx.user_domain_id, ctx.project_domain_id, ctx.domain_id)]
    return json_response(
        {
            "domains": [render.domain(req.base_url, d) for d in rows],
            "links": render.collection_links(req.base_url, "domains"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    domain_id = req.path_params["domain_id"]
    if not ctx.is_admin and domain_id not in (ctx.user_domain_id, ctx.project_domain_id, ctx.domain_id):
        raise policy.deny("get_domain")
    async with svc.db.reader() as s:
        domain = await get_or_404(s, m.Domain, domain_id)
    return json_response({"domain": render.domain(req.base_url, domain)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_domain")
    data = validate(schemas.DOMAIN_CREATE, await req.json())["domain"]
    async with svc.db.writer() as s:
        await ensure_unique(s, m.Domain, data["name"], action="store")
        domain = m.Domain(
            name=data["name"],
            description=data.get("description") or "",
            enabled=data.get("enabled", True),
            extra={k: v for k, v in data.items() if k not in CORE},
            options=data.get("options") or {},
        )
        if data.get("explicit_domain_id"):
            domain.id = data["explicit_domain_id"]
            # A taken id is Keystone's 409, not the database's unique-key failure (500).
            if await s.get(m.Domain, domain.id) is not None:
                raise Conflict(
                    f"Conflict occurred attempting to store domain - Duplicate entry found with ID {domain.id}."
                )
        s.add(domain)
    svc.changed()
    return json_response({"domain": render.domain(req.base_url, domain)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_domain")
    data = validate(schemas.DOMAIN_UPDATE, await req.json())["domain"]
    domain = await change(svc, req.path_params["domain_id"], data)
    return json_response({"domain": render.domain(req.base_url, domain)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_domain")
    await remove(svc, req.path_params["domain_id"])
    return empty(204)


async def change(svc: IdentityService, domain_id: str, data: dict[str, Any]) -> m.Domain:
    """Update a domain (also reached as a project acting as a domain); disabling it ends
    the tokens of and on it."""
    async with svc.db.writer() as s:
        domain = await get_or_404(s, m.Domain, domain_id)
        check_mutable("domain", domain_id, domain.options, data)
        if "options" in data:
            domain.options = {**(domain.options or {}), **data["options"]}
        if "name" in data and data["name"] != domain.name:
            await ensure_unique(s, m.Domain, data["name"], action="update")
            domain.name = data["name"]
        if "description" in data:
            domain.description = data["description"] or ""
        disabling = data.get("enabled") is False and domain.enabled
        if "enabled" in data:
            domain.enabled = data["enabled"]
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            domain.extra = {**(domain.extra or {}), **extra}
    svc.changed()
    if disabling:
        await svc.revoke(Event(issued_before=time.time(), domain_id=domain.id))
    return domain


async def remove(svc: IdentityService, domain_id: str) -> None:
    """Delete a disabled domain and everything in it."""
    async with svc.db.writer() as s:
        domain = await get_or_404(s, m.Domain, domain_id)
        check_mutable("domain", domain_id, domain.options, None)
        if domain.enabled:
            raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
        await purge(s, domain_id)
        await s.delete(domain)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), domain_id=domain_id))


async def purge(s: AsyncSession, domain_id: str) -> None:
    """Delete what a domain holds, as Keystone does when the domain goes: its projects
    (leaves first, so the parent foreign key holds on every database), users, groups,
    domain-specific roles, and every grant to or on any of them."""
    users = list((await s.scalars(select(m.User.id).where(m.User.domain_id == domain_id))).all())
    groups = list((await s.scalars(select(m.Group.id).where(m.Group.domain_id == domain_id))).all())
    projects = list((await s.scalars(select(m.Project.id).where(m.Project.domain_id == domain_id))).all())
    roles = list((await s.scalars(select(m.Role.id).where(m.Role.domain_id == domain_id))).all())
    A, IR = m.Assignment, m.ImpliedRole
    await s.execute(
        sql_delete(A).where(
            A.actor_id.in_(users + groups) | A.target_id.in_([*projects, domain_id]) | A.role_id.in_(roles)
        )
    )
    await s.execute(sql_delete(IR).where(IR.prior_role_id.in_(roles) | IR.implied_role_id.in_(roles)))
    await s.execute(sql_delete(m.Membership).where(m.Membership.user_id.in_(users) | m.Membership.group_id.in_(groups)))
    await s.execute(sql_delete(m.ApplicationCredential).where(m.ApplicationCredential.user_id.in_(users)))
    await s.execute(sql_delete(m.AccessRule).where(m.AccessRule.user_id.in_(users)))
    await s.execute(
        sql_delete(m.Credential).where(m.Credential.user_id.in_(users) | m.Credential.project_id.in_(projects))
    )
    await s.execute(sql_delete(m.Trust).where(m.Trust.trustor_user_id.in_(users) | m.Trust.trustee_user_id.in_(users)))
    await s.execute(sql_delete(m.User).where(m.User.domain_id == domain_id))
    await s.execute(sql_delete(m.Group).where(m.Group.domain_id == domain_id))
    await s.execute(sql_delete(m.Role).where(m.Role.domain_id == domain_id))
    await s.execute(sql_delete(m.DomainConfig).where(m.DomainConfig.domain_id == domain_id))
    await s.execute(sql_delete(m.Limit).where(m.Limit.target_id.in_([*projects, domain_id])))
    await s.execute(sql_delete(m.ProjectEndpoint).where(m.ProjectEndpoint.project_id.in_(projects)))
    await s.execute(sql_delete(m.ProjectEndpointGroup).where(m.ProjectEndpointGroup.project_id.in_(projects)))
    remaining = set(projects)
    while remaining:
        parents = set((await s.scalars(select(m.Project.parent_id).where(m.Project.id.in_(remaining)))).all())
        leaves = remaining - parents
        if not leaves:  # a cycle cannot be built through the API; refuse rather than loop
            raise Forbidden(f"Cannot delete domain {domain_id}: its project tree is inconsistent.")
        await s.execute(sql_delete(m.Project).where(m.Project.id.in_(leaves)))
        remaining -= leaves
