"""``/v3/domains``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from pocketstack.common.errors import Conflict, Forbidden
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import apply_filters, ensure_unique, get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

CORE = ("name", "description", "enabled", "tags", "options", "explicit_domain_id")


async def list_(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
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
        )
        if data.get("explicit_domain_id"):
            domain.id = data["explicit_domain_id"]
        s.add(domain)
    svc.changed()
    return json_response({"domain": render.domain(req.base_url, domain)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_domain")
    data = validate(schemas.DOMAIN_UPDATE, await req.json())["domain"]
    async with svc.db.writer() as s:
        domain = await get_or_404(s, m.Domain, req.path_params["domain_id"])
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
    return json_response({"domain": render.domain(req.base_url, domain)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_domain")
    domain_id = req.path_params["domain_id"]
    async with svc.db.writer() as s:
        domain = await get_or_404(s, m.Domain, domain_id)
        if domain.enabled:
            raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
        for model in (m.Project, m.User, m.Group):
            if await s.scalar(select(func.count()).select_from(model).where(model.domain_id == domain_id)):
                raise Conflict(f"Cannot delete domain {domain_id}: it still holds {model.__tablename__[9:]}s.")
        await s.delete(domain)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), domain_id=domain_id))
    return empty(204)
