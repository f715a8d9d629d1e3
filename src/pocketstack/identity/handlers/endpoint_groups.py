"""``/v3/OS-EP-FILTER/endpoint_groups``: named filters over the catalog's endpoints.

Only the groups themselves are served; associating them (or single endpoints) with
projects, which narrows a project's catalog, is not built yet (docs/api-coverage.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_endpoint_groups")
    async with svc.db.reader() as s:
        query = select(m.EndpointGroup)
        if req.param("name") is not None:
            query = query.where(m.EndpointGroup.name == req.param("name"))
        rows = (await s.scalars(query.order_by(m.EndpointGroup.name))).all()
    return json_response(
        {
            "endpoint_groups": [render.endpoint_group(req.base_url, g) for g in rows],
            "links": render.collection_links(req.base_url, "OS-EP-FILTER/endpoint_groups"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_endpoint_group")
    async with svc.db.reader() as s:
        group = await get_or_404(s, m.EndpointGroup, req.path_params["endpoint_group_id"])
    return json_response({"endpoint_group": render.endpoint_group(req.base_url, group)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_endpoint_group")
    data = validate(schemas.ENDPOINT_GROUP_CREATE, await req.json())["endpoint_group"]
    async with svc.db.writer() as s:
        group = m.EndpointGroup(name=data["name"], description=data.get("description") or "", filters=data["filters"])
        s.add(group)
    return json_response({"endpoint_group": render.endpoint_group(req.base_url, group)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_endpoint_group")
    data = validate(schemas.ENDPOINT_GROUP_UPDATE, await req.json())["endpoint_group"]
    async with svc.db.writer() as s:
        group = await get_or_404(s, m.EndpointGroup, req.path_params["endpoint_group_id"])
        group.name = data.get("name", group.name)
        if "description" in data:
            group.description = data["description"] or ""
        if "filters" in data:
            group.filters = data["filters"]
    return json_response({"endpoint_group": render.endpoint_group(req.base_url, group)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_endpoint_group")
    async with svc.db.writer() as s:
        await s.delete(await get_or_404(s, m.EndpointGroup, req.path_params["endpoint_group_id"]))
    return empty(204)
