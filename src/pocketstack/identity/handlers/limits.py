"""Unified limits: ``/v3/registered_limits``, ``/v3/limits`` and ``/v3/limits/model``.

A registered limit is the default for a service's resource (optionally per region); a
limit overrides it for one project or domain, and needs the registered limit to exist.
Identity only keeps them (the flat model); the services read them to enforce quotas.
Anyone may read the registered limits and their own project's limits; admins write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService

MODEL = {
    "name": "flat",
    "description": "Limit enforcement and validation does not take project hierarchy into consideration.",
}


async def model(svc: IdentityService, req: Request) -> Response:
    return json_response({"model": MODEL})


# --- registered limits ----------------------------------------------------------------------
async def _check_refs(s: AsyncSession, service_id: str, region_id: str) -> None:
    if await s.get(m.CatalogService, service_id) is None:
        raise Invalid(f"Invalid input for field 'service_id': no service {service_id}")
    if region_id and await s.get(m.Region, region_id) is None:
        raise Invalid(f"Invalid input for field 'region_id': no region {region_id}")


async def _unique(s: AsyncSession, service_id: str, region_id: str, resource: str, own: str | None = None) -> None:
    R = m.RegisteredLimit
    query = select(R.id).where(R.service_id == service_id, R.region_id == region_id, R.resource_name == resource)
    found = await s.scalar(query)
    if found is not None and found != own:
        raise Conflict(f"Duplicate entry: a registered limit of {resource} for service {service_id} exists.")


async def list_registered(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        query = select(m.RegisteredLimit)
        for name in ("service_id", "resource_name"):
            if req.param(name) is not None:
                query = query.where(getattr(m.RegisteredLimit, name) == req.param(name))
        if req.param("region_id") is not None:
            query = query.where(m.RegisteredLimit.region_id == req.param("region_id"))
        rows = (await s.scalars(query.order_by(m.RegisteredLimit.resource_name))).all()
    return json_response(
        {
            "registered_limits": [render.registered_limit(req.base_url, r) for r in rows],
            "links": render.collection_links(req.base_url, "registered_limits"),
        }
    )


async def show_registered(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        row = await get_or_404(s, m.RegisteredLimit, req.path_params["registered_limit_id"])
    return json_response({"registered_limit": render.registered_limit(req.base_url, row)})


async def create_registered(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_registered_limits")
    items = validate(schemas.REGISTERED_LIMITS_CREATE, await req.json())["registered_limits"]
    made: list[m.RegisteredLimit] = []
    async with svc.db.writer() as s:
        for item in items:
            region_id = item.get("region_id") or ""
            await _check_refs(s, item["service_id"], region_id)
            await _unique(s, item["service_id"], region_id, item["resource_name"])
            row = m.RegisteredLimit(
                service_id=item["service_id"],
                region_id=region_id,
                resource_name=item["resource_name"],
                default_limit=item["default_limit"],
                description=item.get("description"),
            )
            s.add(row)
            await s.flush()
            made.append(row)
    return json_response({"registered_limits": [render.registered_limit(req.base_url, r) for r in made]}, 201)


async def update_registered(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_registered_limit")
    data = validate(schemas.REGISTERED_LIMIT_UPDATE, await req.json())["registered_limit"]
    async with svc.db.writer() as s:
        row = await get_or_404(s, m.RegisteredLimit, req.path_params["registered_limit_id"])
        service_id = data.get("service_id", row.service_id)
        region_id = (data.get("region_id") or "") if "region_id" in data else row.region_id
        resource = data.get("resource_name", row.resource_name)
        if (service_id, region_id, resource) != (row.service_id, row.region_id, row.resource_name):
            if await _in_use(s, row.id):
                raise Forbidden("Cannot change the service, region or resource of a registered limit limits use.")
            await _check_refs(s, service_id, region_id)
            await _unique(s, service_id, region_id, resource, own=row.id)
        row.service_id, row.region_id, row.resource_name = service_id, region_id, resource
        row.default_limit = data.get("default_limit", row.default_limit)
        if "description" in data:
            row.description = data["description"]
    return json_response({"registered_limit": render.registered_limit(req.base_url, row)})


async def delete_registered(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_registered_limit")
    async with svc.db.writer() as s:
        row = await get_or_404(s, m.RegisteredLimit, req.path_params["registered_limit_id"])
        if await _in_use(s, row.id):
            raise Forbidden(f"Cannot delete registered limit {row.id}: limits still use it.")
        await s.delete(row)
    return empty(204)


async def _in_use(s: AsyncSession, registered_id: str) -> bool:
    count = await s.scalar(
        select(func.count()).select_from(m.Limit).where(m.Limit.registered_limit_id == registered_id)
    )
    return bool(count)


# --- limits ---------------------------------------------------------------------------------
async def _joined(s: AsyncSession, query: Any) -> list[tuple[m.Limit, m.RegisteredLimit]]:
    rows = await s.execute(query.join(m.RegisteredLimit, m.RegisteredLimit.id == m.Limit.registered_limit_id))
    return [(lim, reg) for lim, reg in rows.all()]


def _visible(req: Request, lim: m.Limit) -> bool:
    ctx = req.context
    return ctx.is_admin or lim.target_id in (ctx.project_id, ctx.domain_id)


async def list_limits(svc: IdentityService, req: Request) -> Response:
    query = select(m.Limit, m.RegisteredLimit)
    for name in ("service_id", "region_id", "resource_name"):
        if req.param(name) is not None:
            query = query.where(getattr(m.RegisteredLimit, name) == req.param(name))
    for name, is_domain in (("project_id", False), ("domain_id", True)):
        if req.param(name) is not None:
            query = query.where(m.Limit.target_id == req.param(name), m.Limit.is_domain.is_(is_domain))
    async with svc.db.reader() as s:
        rows = [(lim, reg) for lim, reg in await _joined(s, query) if _visible(req, lim)]
    return json_response(
        {
            "limits": [render.limit(req.base_url, lim, reg) for lim, reg in rows],
            "links": render.collection_links(req.base_url, "limits"),
        }
    )


async def show_limit(svc: IdentityService, req: Request) -> Response:
    limit_id = req.path_params["limit_id"]
    async with svc.db.reader() as s:
        found = await _joined(s, select(m.Limit, m.RegisteredLimit).where(m.Limit.id == limit_id))
    if not found:
        raise NotFound(f"Could not find limit: {limit_id}.")
    limit = found[0][0]
    if limit.is_domain:
        if not _visible(req, limit):
            policy.admin(req.context, "get_limit")
    else:
        policy.admin_or_project_member(req.context, limit.target_id, "get_limit")
    return json_response({"limit": render.limit(req.base_url, *found[0])})


async def create_limits(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_limits")
    items = validate(schemas.LIMITS_CREATE, await req.json())["limits"]
    made: list[tuple[m.Limit, m.RegisteredLimit]] = []
    async with svc.db.writer() as s:
        for item in items:
            if bool(item.get("project_id")) == bool(item.get("domain_id")):
                raise Invalid("Invalid input for field 'limits': a limit has a project_id or a domain_id")
            is_domain = bool(item.get("domain_id"))
            target = item["domain_id"] if is_domain else item["project_id"]
            await get_or_404(s, m.Domain if is_domain else m.Project, target)
            R = m.RegisteredLimit
            reg = (
                await s.scalars(
                    select(R).where(
                        R.service_id == item["service_id"],
                        R.region_id == (item.get("region_id") or ""),
                        R.resource_name == item["resource_name"],
                    )
                )
            ).first()
            if reg is None:
                raise Forbidden(f"No registered limit for {item['resource_name']} of service {item['service_id']}.")
            taken = select(m.Limit.id).where(m.Limit.registered_limit_id == reg.id, m.Limit.target_id == target)
            if await s.scalar(taken) is not None:
                raise Conflict(f"Duplicate entry: a limit of {reg.resource_name} for {target} exists.")
            lim = m.Limit(
                registered_limit_id=reg.id,
                target_id=target,
                is_domain=is_domain,
                resource_limit=item["resource_limit"],
                description=item.get("description"),
            )
            s.add(lim)
            await s.flush()
            made.append((lim, reg))
    return json_response({"limits": [render.limit(req.base_url, lim, reg) for lim, reg in made]}, 201)


async def update_limit(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_limit")
    data = validate(schemas.LIMIT_UPDATE, await req.json())["limit"]
    async with svc.db.writer() as s:
        lim = await get_or_404(s, m.Limit, req.path_params["limit_id"])
        lim.resource_limit = data.get("resource_limit", lim.resource_limit)
        if "description" in data:
            lim.description = data["description"]
        reg = await get_or_404(s, m.RegisteredLimit, lim.registered_limit_id)
    return json_response({"limit": render.limit(req.base_url, lim, reg)})


async def delete_limit(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_limit")
    async with svc.db.writer() as s:
        await s.delete(await get_or_404(s, m.Limit, req.path_params["limit_id"]))
    return empty(204)
