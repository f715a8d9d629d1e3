"""``/v3/regions``, ``/v3/services``, ``/v3/endpoints``: the service catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import apply_filters, get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


# --- regions ------------------------------------------------------------------------------
async def list_regions(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Region), m.Region, ("parent_region_id",))
        rows = (await s.scalars(query.order_by(m.Region.id))).all()
    return json_response(
        {
            "regions": [render.region(req.base_url, r) for r in rows],
            "links": render.collection_links(req.base_url, "regions"),
        }
    )


async def show_region(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        region = await get_or_404(s, m.Region, req.path_params["region_id"])
    return json_response({"region": render.region(req.base_url, region)})


async def create_region(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_region")
    data = validate(schemas.REGION, await req.json())["region"]
    region_id = req.path_params.get("region_id") or data.get("id")
    if region_id is None:
        import uuid

        region_id = uuid.uuid4().hex
    async with svc.db.writer() as s:
        if await s.get(m.Region, region_id) is not None:
            raise Conflict(f"Conflict occurred attempting to store region - Duplicate ID, {region_id}.")
        if data.get("parent_region_id") and await s.get(m.Region, data["parent_region_id"]) is None:
            raise NotFound(f"Could not find region: {data['parent_region_id']}.")
        region = m.Region(
            id=region_id, description=data.get("description") or "", parent_region_id=data.get("parent_region_id")
        )
        s.add(region)
    return json_response({"region": render.region(req.base_url, region)}, 201)


async def update_region(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_region")
    data = validate(schemas.REGION, await req.json())["region"]
    async with svc.db.writer() as s:
        region = await get_or_404(s, m.Region, req.path_params["region_id"])
        if "description" in data:
            region.description = data["description"] or ""
        if "parent_region_id" in data:
            if data["parent_region_id"] == region.id:
                raise Conflict("A region cannot be its own parent.")
            region.parent_region_id = data["parent_region_id"]
    return json_response({"region": render.region(req.base_url, region)})


async def delete_region(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_region")
    region_id = req.path_params["region_id"]
    async with svc.db.writer() as s:
        region = await get_or_404(s, m.Region, region_id)
        if await s.scalar(select(func.count()).select_from(m.Endpoint).where(m.Endpoint.region_id == region_id)):
            raise Conflict(f"Cannot delete region {region_id}: endpoints still use it.")
        await s.delete(region)
    return empty(204)


# --- services -----------------------------------------------------------------------------
async def list_services(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_services")
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.CatalogService), m.CatalogService, ("type", "name"))
        rows = (await s.scalars(query.order_by(m.CatalogService.type))).all()
    return json_response(
        {
            "services": [render.service(req.base_url, x) for x in rows],
            "links": render.collection_links(req.base_url, "services"),
        }
    )


async def show_service(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_service")
    async with svc.db.reader() as s:
        service = await get_or_404(s, m.CatalogService, req.path_params["service_id"])
    return json_response({"service": render.service(req.base_url, service)})


async def create_service(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_service")
    data = validate(schemas.SERVICE_CREATE, await req.json())["service"]
    async with svc.db.writer() as s:
        service = m.CatalogService(
            type=data["type"],
            name=data.get("name", ""),
            description=data.get("description") or "",
            enabled=data.get("enabled", True),
        )
        s.add(service)
    svc.changed()
    return json_response({"service": render.service(req.base_url, service)}, 201)


async def update_service(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_service")
    data = validate(schemas.SERVICE_UPDATE, await req.json())["service"]
    async with svc.db.writer() as s:
        service = await get_or_404(s, m.CatalogService, req.path_params["service_id"])
        _assign(service, data)
    svc.changed()
    return json_response({"service": render.service(req.base_url, service)})


async def delete_service(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_service")
    service_id = req.path_params["service_id"]
    async with svc.db.writer() as s:
        service = await get_or_404(s, m.CatalogService, service_id)
        await s.execute(sql_delete(m.Endpoint).where(m.Endpoint.service_id == service_id))
        await s.delete(service)
    svc.changed()
    return empty(204)


# --- endpoints ----------------------------------------------------------------------------
async def list_endpoints(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_endpoints")
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Endpoint), m.Endpoint, ("service_id", "interface", "region_id"))
        rows = (await s.scalars(query)).all()
    return json_response(
        {
            "endpoints": [render.endpoint(req.base_url, e) for e in rows],
            "links": render.collection_links(req.base_url, "endpoints"),
        }
    )


async def show_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_endpoint")
    async with svc.db.reader() as s:
        endpoint = await get_or_404(s, m.Endpoint, req.path_params["endpoint_id"])
    return json_response({"endpoint": render.endpoint(req.base_url, endpoint)})


async def create_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_endpoint")
    data = validate(schemas.ENDPOINT_CREATE, await req.json())["endpoint"]
    async with svc.db.writer() as s:
        await get_or_404(s, m.CatalogService, data["service_id"])
        region_id = await _endpoint_region(s, data)
        endpoint = m.Endpoint(
            service_id=data["service_id"],
            interface=data["interface"],
            url=data["url"],
            region_id=region_id,
            enabled=data.get("enabled", True),
        )
        s.add(endpoint)
    svc.changed()
    return json_response({"endpoint": render.endpoint(req.base_url, endpoint)}, 201)


async def update_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_endpoint")
    data = validate(schemas.ENDPOINT_UPDATE, await req.json())["endpoint"]
    async with svc.db.writer() as s:
        endpoint = await get_or_404(s, m.Endpoint, req.path_params["endpoint_id"])
        if "service_id" in data:
            await get_or_404(s, m.CatalogService, data["service_id"])
        if "region" in data or "region_id" in data:
            data["region_id"] = await _endpoint_region(s, data)
            data.pop("region", None)
        _assign(endpoint, data)
    svc.changed()
    return json_response({"endpoint": render.endpoint(req.base_url, endpoint)})


async def delete_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_endpoint")
    async with svc.db.writer() as s:
        endpoint = await get_or_404(s, m.Endpoint, req.path_params["endpoint_id"])
        await s.delete(endpoint)
        await s.execute(sql_delete(m.ProjectEndpoint).where(m.ProjectEndpoint.endpoint_id == endpoint.id))
    svc.changed()
    return empty(204)


async def _endpoint_region(s: AsyncSession, data: dict[str, Any]) -> str | None:
    """The endpoint's region: ``region_id`` must exist; the legacy ``region`` attribute
    (v2-style clients) is created when missing, as Keystone does for compatibility."""
    region_id: str | None = data.get("region_id")
    if region_id is not None:
        if await s.get(m.Region, region_id) is None:
            raise NotFound(f"Could not find region: {region_id}.")
        return region_id
    legacy: str | None = data.get("region")
    if legacy is not None and await s.get(m.Region, legacy) is None:
        s.add(m.Region(id=legacy, description="", parent_region_id=None))
        await s.flush()
    return legacy


def _assign(obj: Any, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(obj, key, "" if value is None and key == "description" else value)
