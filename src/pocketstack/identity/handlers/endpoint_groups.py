"""OS-EP-FILTER: endpoint groups (named filters over the catalog's endpoints) and the
association of endpoints and endpoint groups with projects. A project with associations
gets only those endpoints in its catalog (``IdentityService.catalog``); one without sees
them all, as Keystone's default ``return_all_endpoints_if_no_filter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.errors import NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.service import endpoint_in_group
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
    svc.changed()
    return json_response({"endpoint_group": render.endpoint_group(req.base_url, group)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_endpoint_group")
    group_id = req.path_params["endpoint_group_id"]
    async with svc.db.writer() as s:
        await s.delete(await get_or_404(s, m.EndpointGroup, group_id))
        await s.execute(sql_delete(m.ProjectEndpointGroup).where(m.ProjectEndpointGroup.endpoint_group_id == group_id))
    svc.changed()
    return empty(204)


# --- project associations ---------------------------------------------------------------
async def _project_view(svc: IdentityService, req: Request, project_ids: list[str]) -> Response:
    async with svc.db.reader() as s:
        rows = (await s.scalars(select(m.Project).where(m.Project.id.in_(project_ids)))).all() if project_ids else []
    return json_response(
        {
            "projects": [render.project(req.base_url, p) for p in rows],
            "links": {"self": req.url, "previous": None, "next": None},
        }
    )


def _endpoints_view(req: Request, rows: list[m.Endpoint]) -> Response:
    return json_response(
        {
            "endpoints": [render.endpoint(req.base_url, e) for e in rows],
            "links": {"self": req.url, "previous": None, "next": None},
        }
    )


async def add_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "add_endpoint_to_project")
    project_id, endpoint_id = req.path_params["project_id"], req.path_params["endpoint_id"]
    async with svc.db.writer() as s:
        await get_or_404(s, m.Project, project_id)
        await get_or_404(s, m.Endpoint, endpoint_id)
        if await s.get(m.ProjectEndpoint, (project_id, endpoint_id)) is None:
            s.add(m.ProjectEndpoint(project_id=project_id, endpoint_id=endpoint_id))
    svc.changed()
    return empty(204)


async def check_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "check_endpoint_in_project")
    project_id, endpoint_id = req.path_params["project_id"], req.path_params["endpoint_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Project, project_id)
        await get_or_404(s, m.Endpoint, endpoint_id)
        if await s.get(m.ProjectEndpoint, (project_id, endpoint_id)) is None:
            raise NotFound(f"Could not find endpoint {endpoint_id} in project {project_id}.")
    return empty(204)


async def remove_endpoint(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "remove_endpoint_from_project")
    project_id, endpoint_id = req.path_params["project_id"], req.path_params["endpoint_id"]
    async with svc.db.writer() as s:
        row = await s.get(m.ProjectEndpoint, (project_id, endpoint_id))
        if row is None:
            raise NotFound(f"Could not find endpoint {endpoint_id} in project {project_id}.")
        await s.delete(row)
    svc.changed()
    return empty(204)


async def project_endpoints(svc: IdentityService, req: Request) -> Response:
    """The endpoints of the project's catalog by association (direct and through groups)."""
    policy.admin(req.context, "list_endpoints_for_project")
    project_id = req.path_params["project_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Project, project_id)
    allowed = await svc.endpoint_filter(project_id) or set()
    async with svc.db.reader() as s:
        rows = list((await s.scalars(select(m.Endpoint).where(m.Endpoint.id.in_(allowed)))).all()) if allowed else []
    return _endpoints_view(req, rows)


async def endpoint_projects(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_projects_for_endpoint")
    endpoint_id = req.path_params["endpoint_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Endpoint, endpoint_id)
        ids = list(
            (
                await s.scalars(
                    select(m.ProjectEndpoint.project_id).where(m.ProjectEndpoint.endpoint_id == endpoint_id)
                )
            ).all()
        )
    return await _project_view(svc, req, ids)


async def add_group_project(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "add_endpoint_group_to_project")
    group_id, project_id = req.path_params["endpoint_group_id"], req.path_params["project_id"]
    async with svc.db.writer() as s:
        await get_or_404(s, m.EndpointGroup, group_id)
        await get_or_404(s, m.Project, project_id)
        if await s.get(m.ProjectEndpointGroup, (project_id, group_id)) is None:
            s.add(m.ProjectEndpointGroup(project_id=project_id, endpoint_group_id=group_id))
    svc.changed()
    return empty(204)


async def show_group_project(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_endpoint_group_in_project")
    group_id, project_id = req.path_params["endpoint_group_id"], req.path_params["project_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.EndpointGroup, group_id)
        project = await get_or_404(s, m.Project, project_id)
        if await s.get(m.ProjectEndpointGroup, (project_id, group_id)) is None:
            raise NotFound(f"Could not find endpoint group {group_id} in project {project_id}.")
    return json_response({"project": render.project(req.base_url, project)})


async def remove_group_project(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "remove_endpoint_group_from_project")
    group_id, project_id = req.path_params["endpoint_group_id"], req.path_params["project_id"]
    async with svc.db.writer() as s:
        row = await s.get(m.ProjectEndpointGroup, (project_id, group_id))
        if row is None:
            raise NotFound(f"Could not find endpoint group {group_id} in project {project_id}.")
        await s.delete(row)
    svc.changed()
    return empty(204)


async def group_projects(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_projects_associated_with_endpoint_group")
    group_id = req.path_params["endpoint_group_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.EndpointGroup, group_id)
        ids = list(
            (
                await s.scalars(
                    select(m.ProjectEndpointGroup.project_id).where(
                        m.ProjectEndpointGroup.endpoint_group_id == group_id
                    )
                )
            ).all()
        )
    return await _project_view(svc, req, ids)


async def group_endpoints(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_endpoints_associated_with_endpoint_group")
    async with svc.db.reader() as s:
        group = await get_or_404(s, m.EndpointGroup, req.path_params["endpoint_group_id"])
        rows = [e for e in (await s.scalars(select(m.Endpoint))).all() if endpoint_in_group(e, group)]
    return _endpoints_view(req, rows)


async def project_groups(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_endpoint_groups_for_project")
    project_id = req.path_params["project_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Project, project_id)
        rows = (
            await s.scalars(
                select(m.EndpointGroup)
                .join(m.ProjectEndpointGroup, m.ProjectEndpointGroup.endpoint_group_id == m.EndpointGroup.id)
                .where(m.ProjectEndpointGroup.project_id == project_id)
            )
        ).all()
    return json_response(
        {
            "endpoint_groups": [render.endpoint_group(req.base_url, g) for g in rows],
            "links": {"self": req.url, "previous": None, "next": None},
        }
    )
