"""``/v3/projects`` and project tags."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.events import emit
from pocketstack.identity.handlers import domains
from pocketstack.identity.handlers.common import apply_filters, check_mutable, ensure_unique, get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

CORE = ("name", "description", "enabled", "domain_id", "parent_id", "is_domain", "tags", "options")


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_projects")
    if req.param("is_domain") is not None and req.bool_param("is_domain"):
        return await _list_domains(svc, req)
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Project), m.Project, ("name", "enabled", "domain_id", "parent_id"))
        rows = list((await s.scalars(query.order_by(m.Project.name))).all())
    rows = _filter_tags(req, rows)
    return json_response(
        {
            "projects": [render.project(req.base_url, p) for p in rows],
            "links": render.collection_links(req.base_url, "projects"),
        }
    )


async def _list_domains(svc: IdentityService, req: Request) -> Response:
    """``?is_domain=true``: the domains, as projects acting as domains."""
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Domain), m.Domain, ("name", "enabled"))
        rows = (await s.scalars(query.order_by(m.Domain.name))).all()
    return json_response(
        {
            "projects": [render.domain_as_project(req.base_url, d) for d in rows],
            "links": render.collection_links(req.base_url, "projects"),
        }
    )


def _filter_tags(req: Request, rows: list[m.Project]) -> list[m.Project]:
    """Keystone's tags, tags-any, not-tags and not-tags-any filters (comma-separated)."""
    checks: dict[str, Callable[[set[str], set[str]], bool]] = {
        "tags": lambda want, have: want <= have,
        "tags-any": lambda want, have: bool(want & have),
        "not-tags": lambda want, have: not want <= have,
        "not-tags-any": lambda want, have: not want & have,
    }
    for param, check in checks.items():
        value = req.param(param)
        if value:
            want = set(value.split(","))
            rows = [p for p in rows if check(want, set(p.tags or []))]
    return rows


async def show(svc: IdentityService, req: Request) -> Response:
    project_id = req.path_params["project_id"]
    policy.admin_or_project_member(req.context, project_id, "get_project")
    async with svc.db.reader() as s:
        project = await s.get(m.Project, project_id)
        domain = await get_or_404(s, m.Domain, project_id) if project is None else None
        body = _view(req, project, domain)
        if project is not None:
            body.update(await _hierarchy(svc, req, s, project))
    return json_response({"project": body})


async def _hierarchy(svc: IdentityService, req: Request, s: AsyncSession, project: m.Project) -> dict[str, Any]:
    """``parents_as_ids``/``parents_as_list`` and ``subtree_as_ids``/``subtree_as_list``:
    the project's ancestors (up to its domain, for the ids) and descendants; the lists
    hold only projects the caller has a role on, as Keystone filters them."""
    asked = {name for name in _HIERARCHY if req.param(name) is not None and req.bool_param(name, True)}
    if {"parents_as_ids", "parents_as_list"} <= asked or {"subtree_as_ids", "subtree_as_list"} <= asked:
        raise Invalid("Cannot use parents_as_list and parents_as_ids (or subtree_as_*) query params at the same time.")
    out: dict[str, Any] = {}
    mine = (
        await svc.roles.project_ids(req.context.user_id or "")
        if asked & {"parents_as_list", "subtree_as_list"}
        else set()
    )
    if asked & {"parents_as_ids", "parents_as_list"}:
        chain: list[m.Project] = []
        current = project
        while current.parent_id and len(chain) < 100:
            parent = await s.get(m.Project, current.parent_id)
            if parent is None:
                break
            chain.append(parent)
            current = parent
        if "parents_as_ids" in asked:
            nested: dict[str, Any] | None = {project.domain_id: None}
            for parent in reversed(chain):
                nested = {parent.id: nested}
            out["parents"] = nested
        else:
            out["parents"] = [{"project": render.project(req.base_url, p)} for p in chain if p.id in mine]
    if asked & {"subtree_as_ids", "subtree_as_list"}:
        below: list[m.Project] = []
        level = [project.id]
        while level and len(below) < 100_000:
            children = list((await s.scalars(select(m.Project).where(m.Project.parent_id.in_(level)))).all())
            below += children
            level = [c.id for c in children]
        if "subtree_as_ids" in asked:
            out["subtree"] = _subtree_ids(project.id, below)
        else:
            out["subtree"] = [{"project": render.project(req.base_url, p)} for p in below if p.id in mine]
    return out


_HIERARCHY = ("parents_as_ids", "parents_as_list", "subtree_as_ids", "subtree_as_list")


def _subtree_ids(root: str, below: list[m.Project]) -> dict[str, Any] | None:
    children: dict[str, list[str]] = {}
    for p in below:
        children.setdefault(p.parent_id or "", []).append(p.id)

    def walk(node: str) -> dict[str, Any] | None:
        kids = children.get(node)
        return {kid: walk(kid) for kid in kids} if kids else None

    return walk(root)


def _view(req: Request, project: m.Project | None, domain: m.Domain | None) -> dict[str, Any]:
    if project is not None:
        return render.project(req.base_url, project)
    assert domain is not None
    return render.domain_as_project(req.base_url, domain)


async def _acting_domain(svc: IdentityService, project_id: str) -> bool:
    """True if ``project_id`` is no project but a domain (a project acting as a domain)."""
    async with svc.db.reader() as s:
        if await s.get(m.Project, project_id) is not None:
            return False
        return await s.get(m.Domain, project_id) is not None


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_project")
    data = validate(schemas.PROJECT_CREATE, await req.json())["project"]
    if data.get("is_domain"):
        return await _create_domain(svc, req, data)
    async with svc.db.writer() as s:
        domain_id = data.get("domain_id") or req.context.domain_id or "default"
        parent_id = data.get("parent_id")
        if parent_id and parent_id != domain_id:
            parent = await s.get(m.Project, parent_id)
            if parent is None:
                raise NotFound(f"Could not find project: {parent_id}.")
            if "domain_id" in data and data["domain_id"] and data["domain_id"] != parent.domain_id:
                raise Invalid("The project's domain must be its parent's domain.")
            domain_id = parent.domain_id
        else:
            parent_id = None
        if await s.get(m.Domain, domain_id) is None:
            raise NotFound(f"Could not find domain: {domain_id}.")
        await ensure_unique(s, m.Project, data["name"], domain_id=domain_id, action="store")
        project = m.Project(
            name=data["name"],
            domain_id=domain_id,
            parent_id=parent_id,
            description=data.get("description") or "",
            enabled=data.get("enabled", True),
            tags=data.get("tags", []),
            extra={k: v for k, v in data.items() if k not in CORE},
            options=data.get("options") or {},
        )
        s.add(project)
    svc.changed()
    await emit(svc, req.context, "project", "created", project.id)
    return json_response({"project": render.project(req.base_url, project)}, 201)


async def _create_domain(svc: IdentityService, req: Request, data: dict[str, Any]) -> Response:
    """``is_domain: true``: the project is a domain (no parent, no domain of its own)."""
    if data.get("parent_id") or data.get("domain_id"):
        raise Invalid("A project acting as a domain has neither a parent nor a domain.")
    async with svc.db.writer() as s:
        await ensure_unique(s, m.Domain, data["name"], action="store")
        domain = m.Domain(
            name=data["name"],
            description=data.get("description") or "",
            enabled=data.get("enabled", True),
            extra={k: v for k, v in data.items() if k not in CORE},
            options=data.get("options") or {},
        )
        s.add(domain)
    svc.changed()
    return json_response({"project": render.domain_as_project(req.base_url, domain)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_project")
    data = validate(schemas.PROJECT_UPDATE, await req.json())["project"]
    if await _acting_domain(svc, req.path_params["project_id"]):
        domain = await domains.change(svc, req.path_params["project_id"], data)
        return json_response({"project": render.domain_as_project(req.base_url, domain)})
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, req.path_params["project_id"])
        check_mutable("project", project.id, project.options, data)
        if "options" in data:
            project.options = {**(project.options or {}), **data["options"]}
        if "name" in data and data["name"] != project.name:
            await ensure_unique(s, m.Project, data["name"], domain_id=project.domain_id, action="update")
            project.name = data["name"]
        if "description" in data:
            project.description = data["description"] or ""
        disabling = data.get("enabled") is False and project.enabled
        if "enabled" in data:
            project.enabled = data["enabled"]
        if "tags" in data:
            project.tags = data["tags"]
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            project.extra = {**(project.extra or {}), **extra}
    svc.changed()
    if disabling:
        await svc.revoke(Event(issued_before=time.time(), project_id=project.id))
    await emit(svc, req.context, "project", "updated", project.id)
    return json_response({"project": render.project(req.base_url, project)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_project")
    project_id = req.path_params["project_id"]
    if await _acting_domain(svc, project_id):
        await domains.remove(svc, project_id)
        return empty(204)
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, project_id)
        check_mutable("project", project_id, project.options, None)
        if await s.scalar(select(func.count()).select_from(m.Project).where(m.Project.parent_id == project_id)):
            raise Forbidden(f"Cannot delete project {project_id}: it has child projects.")
        await s.execute(sql_delete(m.Assignment).where(m.Assignment.target_id == project_id))
        await s.execute(sql_delete(m.Credential).where(m.Credential.project_id == project_id))
        await s.execute(sql_delete(m.Limit).where(m.Limit.target_id == project_id))
        await s.execute(sql_delete(m.ProjectEndpoint).where(m.ProjectEndpoint.project_id == project_id))
        await s.execute(sql_delete(m.ProjectEndpointGroup).where(m.ProjectEndpointGroup.project_id == project_id))
        await s.delete(project)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), project_id=project_id))
    await emit(svc, req.context, "project", "deleted", project_id)
    return empty(204)


# --- tags ---------------------------------------------------------------------------------
async def list_tags(svc: IdentityService, req: Request) -> Response:
    project_id = req.path_params["project_id"]
    policy.admin_or_project_member(req.context, project_id, "list_project_tags")
    async with svc.db.reader() as s:
        project = await get_or_404(s, m.Project, project_id)
    return json_response({"tags": list(project.tags or [])})


async def check_tag(svc: IdentityService, req: Request) -> Response:
    project_id = req.path_params["project_id"]
    policy.admin_or_project_member(req.context, project_id, "get_project_tag")
    async with svc.db.reader() as s:
        project = await get_or_404(s, m.Project, project_id)
    if req.path_params["tag"] not in (project.tags or []):
        raise NotFound(f"Tag {req.path_params['tag']} not found on project {project_id}.")
    return empty(204)


async def replace_tags(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_project_tags")
    body = validate(
        {"type": "object", "properties": {"tags": schemas.TAGS}, "required": ["tags"], "additionalProperties": False},
        await req.json(),
    )
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, req.path_params["project_id"])
        check_mutable("project", project.id, project.options, {"tags": None})
        project.tags = body["tags"]
    return json_response({"tags": project.tags})


async def add_tag(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_project_tag")
    tag = req.path_params["tag"]
    validate(schemas.TAGS, [tag])
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, req.path_params["project_id"])
        check_mutable("project", project.id, project.options, {"tags": None})
        tags = list(project.tags or [])
        if tag not in tags:
            if len(tags) >= 80:
                raise Invalid("A project has at most 80 tags.")
            project.tags = [*tags, tag]
    return empty(201)


async def delete_tag(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_project_tag")
    tag = req.path_params["tag"]
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, req.path_params["project_id"])
        check_mutable("project", project.id, project.options, {"tags": None})
        if tag not in (project.tags or []):
            raise NotFound(f"Tag {tag} not found on project {project.id}.")
        project.tags = [t for t in project.tags if t != tag]
    return empty(204)


async def delete_tags(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_project_tags")
    async with svc.db.writer() as s:
        project = await get_or_404(s, m.Project, req.path_params["project_id"])
        check_mutable("project", project.id, project.options, {"tags": None})
        project.tags = []
    return empty(204)
