"""Role grants on projects, domains and the system, and ``GET /v3/role_assignments``.

The same handlers serve the OS-INHERIT paths (``/v3/OS-INHERIT/{domains|projects}/.../
roles/{role_id}/inherited_to_projects``): there the grant is the inherited one, which
applies to the projects below the domain or project, not to it."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

TYPES = {
    ("project", "user"): "UserProject",
    ("project", "group"): "GroupProject",
    ("domain", "user"): "UserDomain",
    ("domain", "group"): "GroupDomain",
    ("system", "user"): "UserSystem",
    ("system", "group"): "GroupSystem",
}


def _inherited(req: Request) -> bool:
    return req.path.startswith("/v3/OS-INHERIT/")


def _parts(req: Request) -> tuple[str, str, str, str]:
    """(target kind, target id, actor kind, actor id) from the path."""
    params = req.path_params
    if "project_id" in params:
        target = ("project", params["project_id"])
    elif "domain_id" in params:
        target = ("domain", params["domain_id"])
    else:
        target = ("system", "system")
    actor = ("user", params["user_id"]) if "user_id" in params else ("group", params["group_id"])
    return target[0], target[1], actor[0], actor[1]


async def _check_exists(s: Any, kind: str, target_id: str, actor_kind: str, actor_id: str) -> None:
    if kind == "project":
        await get_or_404(s, m.Project, target_id)
    elif kind == "domain":
        await get_or_404(s, m.Domain, target_id)
    await get_or_404(s, m.User if actor_kind == "user" else m.Group, actor_id)


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_grants")
    kind, target_id, actor_kind, actor_id = _parts(req)
    async with svc.db.reader() as s:
        await _check_exists(s, kind, target_id, actor_kind, actor_id)
        rows = (
            await s.scalars(
                select(m.Role)
                .join(m.Assignment, m.Assignment.role_id == m.Role.id)
                .where(
                    m.Assignment.type == TYPES[(kind, actor_kind)],
                    m.Assignment.actor_id == actor_id,
                    m.Assignment.target_id == target_id,
                    m.Assignment.inherited.is_(_inherited(req)),
                )
            )
        ).all()
    from pocketstack.identity import render

    return json_response(
        {
            "roles": [render.role(req.base_url, r) for r in rows],
            "links": render.collection_links(req.base_url, req.path.lstrip("/")[3:]),
        }
    )


async def grant(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_grant")
    kind, target_id, actor_kind, actor_id = _parts(req)
    role_id = req.path_params["role_id"]
    async with svc.db.writer() as s:
        await _check_exists(s, kind, target_id, actor_kind, actor_id)
        await get_or_404(s, m.Role, role_id)
        key = (TYPES[(kind, actor_kind)], actor_id, target_id, role_id, _inherited(req))
        if await s.get(m.Assignment, key) is None:
            s.add(m.Assignment(type=key[0], actor_id=actor_id, target_id=target_id, role_id=role_id, inherited=key[4]))
    svc.changed()
    return empty(204)


async def check(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "check_grant")
    kind, target_id, actor_kind, actor_id = _parts(req)
    role_id = req.path_params["role_id"]
    async with svc.db.reader() as s:
        await _check_exists(s, kind, target_id, actor_kind, actor_id)
        await get_or_404(s, m.Role, role_id)
        key = (TYPES[(kind, actor_kind)], actor_id, target_id, role_id, _inherited(req))
        if await s.get(m.Assignment, key) is None:
            raise NotFound(
                f"Could not find role assignment with role: {role_id}, {actor_kind}: {actor_id}, {kind}: {target_id}."
            )
    return empty(204)


async def revoke(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "revoke_grant")
    kind, target_id, actor_kind, actor_id = _parts(req)
    role_id = req.path_params["role_id"]
    async with svc.db.writer() as s:
        inherited = _inherited(req)
        row = await s.get(m.Assignment, (TYPES[(kind, actor_kind)], actor_id, target_id, role_id, inherited))
        if row is None:
            raise NotFound(
                f"Could not find role assignment with role: {role_id}, {actor_kind}: {actor_id}, {kind}: {target_id}."
            )
        await s.delete(row)
        members = (
            [actor_id]
            if actor_kind == "user"
            else list((await s.scalars(select(m.Membership.user_id).where(m.Membership.group_id == actor_id))).all())
        )
    svc.changed()
    for user_id in members:
        # An inherited grant reached the projects below the target: all the user's tokens go.
        project = target_id if kind == "project" and not inherited else None
        event = Event(issued_before=time.time(), user_id=user_id, project_id=project)
        await svc.revoke(event)
    return empty(204)


# --- GET /v3/role_assignments ---------------------------------------------------------------
async def assignments(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    user_filter = req.param("user.id")
    if not ctx.is_admin and user_filter != ctx.user_id:
        raise policy.deny("list_role_assignments")
    effective = req.param("effective") is not None and bool(req.bool_param("effective", True))
    include_names = bool(req.bool_param("include_names", False))
    project_filter = req.param("scope.project.id")
    include_subtree = bool(req.bool_param("include_subtree", False))
    if include_subtree and project_filter is None:
        raise Invalid("scope.project.id needs to be specified if include_subtree is also specified")
    async with svc.db.reader() as s:
        # include_subtree: the projects below scope.project.id match as well.
        projects = (
            {project_filter, *await _below(s, False, project_filter)} if project_filter and include_subtree else set()
        )
        rows, memberships = await _candidate_rows(s, req, user_filter, effective, projects)
        ids = {r.actor_id for r in rows} | {r.target_id for r in rows} | {u for u, _ in memberships}
        names = await _names(s, ids) if include_names else None
    entries: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {}
    for user_id, group_id in memberships:
        members.setdefault(group_id, []).append(user_id)
    roles = await svc.roles.roles()
    below: dict[str, list[str]] = {}
    if effective:
        async with svc.db.reader() as s:
            for row in rows:
                if row.inherited and row.target_id not in below:
                    below[row.target_id] = await _below(s, row.type.endswith("Domain"), row.target_id)
    for row in rows:
        actor_kind = "user" if row.type.startswith("User") else "group"
        target_kind = (
            "project" if row.type.endswith("Project") else "domain" if row.type.endswith("Domain") else "system"
        )
        # Effective answers put an inherited grant on each project it reaches instead.
        targets = (
            [("project", t) for t in below[row.target_id]]
            if row.inherited and effective
            else [(target_kind, row.target_id)]
        )
        actors = (
            [("user", u) for u in members.get(row.actor_id, [])]
            if effective and actor_kind == "group"
            else [(actor_kind, row.actor_id)]
        )
        role_ids = await svc.roles.expand({row.role_id}) if effective else (row.role_id,)
        for (a_kind, a_id), target, role_id in itertools.product(actors, targets, role_ids):
            entries.append(
                {
                    "actor": (a_kind, a_id),
                    "target": target,
                    "origin": (target_kind, row.target_id),
                    "role": role_id,
                    "inherited": row.inherited,
                    "via_group": row.actor_id if a_id != row.actor_id else None,
                    "prior": row.role_id if role_id != row.role_id else None,
                }
            )
    entries = [e for e in entries if _matches(req, e, projects)]
    seen: set[tuple[Any, ...]] = set()
    out = []
    for e in entries:
        key = (e["actor"], e["target"], e["role"], e["inherited"])
        if key in seen:
            continue
        seen.add(key)
        out.append(_render(req.base_url, e, roles, names))
    return json_response({"role_assignments": out, "links": {"self": req.url, "previous": None, "next": None}})


async def _candidate_rows(
    s: Any, req: Request, user_filter: str | None, effective: bool, projects: set[str]
) -> tuple[list[m.Assignment], list[tuple[str, str]]]:
    """The assignment rows the filters can match, and the memberships to expand groups
    with, read with the filters pushed into SQL: the cost follows the answer, not the
    number of assignments in the cloud. ``_matches`` then applies every filter exactly."""
    A, M = m.Assignment, m.Membership
    query = select(A)
    if user_filter is not None:
        actors = [user_filter]
        if effective:
            actors += list((await s.scalars(select(M.group_id).where(M.user_id == user_filter))).all())
        query = query.where(A.actor_id.in_(actors))
    elif req.param("group.id") is not None:
        query = query.where(A.actor_id == req.param("group.id"))
    target = req.param("scope.project.id") or req.param("scope.domain.id")
    if target is not None and effective and req.param("scope.project.id") is not None:
        # Grants inherited from the project's ancestors and domain apply to it too.
        query = query.where(A.target_id.in_([target, *projects, *await _above(s, target)]))
    elif target is not None and projects:
        query = query.where(A.target_id.in_(projects))
    elif target is not None:
        query = query.where(A.target_id == target)
    if req.param("scope.system") is not None:
        query = query.where(A.type.in_(("UserSystem", "GroupSystem")))
    if req.param("role.id") is not None and not effective:
        # Effective answers expand implied roles: a prior role can match, so not pushed.
        query = query.where(A.role_id == req.param("role.id"))
    rows = list((await s.scalars(query)).all())
    groups = sorted({r.actor_id for r in rows if r.type.startswith("Group")})
    memberships: list[tuple[str, str]] = []
    if effective and groups:
        members = select(M.user_id, M.group_id).where(M.group_id.in_(groups))
        if user_filter is not None:
            members = members.where(M.user_id == user_filter)
        memberships = [(u, g) for u, g in (await s.execute(members)).all()]
    return rows, memberships


async def _above(s: Any, project_id: str) -> list[str]:
    """The project's ancestors and its domain."""
    out: list[str] = []
    current: str | None = project_id
    while current and len(out) < 40:
        row = (await s.execute(select(m.Project.parent_id, m.Project.domain_id).where(m.Project.id == current))).first()
        if row is None:
            break
        out.append(row.parent_id or row.domain_id)
        current = row.parent_id
    return out


async def _below(s: Any, is_domain: bool, target_id: str) -> list[str]:
    """The projects an inherited grant on a domain or a project reaches."""
    if is_domain:
        return list((await s.scalars(select(m.Project.id).where(m.Project.domain_id == target_id))).all())
    found: list[str] = []
    level = [target_id]
    while level and len(found) < 100_000:
        level = list((await s.scalars(select(m.Project.id).where(m.Project.parent_id.in_(level)))).all())
        found += level
    return found


def _matches(req: Request, e: dict[str, Any], projects: set[str]) -> bool:
    """Whether an entry passes every filter; ``projects``: with include_subtree, the
    projects scope.project.id stands for."""
    checks = {
        "user.id": ("actor", "user"),
        "group.id": ("actor", "group"),
        "scope.project.id": ("target", "project"),
        "scope.domain.id": ("target", "domain"),
    }
    for param, (field, kind) in checks.items():
        value = req.param(param)
        if value is None:
            continue
        if param == "scope.project.id" and projects:
            if e[field][0] != "project" or e[field][1] not in projects:
                return False
        elif e[field] != (kind, value):
            return False
    if req.param("role.id") is not None and e["role"] != req.param("role.id"):
        return False
    if req.param("scope.system") is not None and e["target"][0] != "system":
        return False
    inherited = req.param("scope.OS-INHERIT:inherited_to")
    return not (inherited is not None and not e["inherited"])


async def _names(s: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    """id -> {"id", "name", "domain"} for the users, groups, projects and domains named."""
    out: dict[str, dict[str, Any]] = {}
    wanted = sorted(ids)
    objects: list[Any] = []
    # In chunks: an unfiltered listing can name more ids than a statement may bind.
    chunks = [wanted[i : i + 1000] for i in range(0, len(wanted), 1000)]
    for model in (m.User, m.Group, m.Project):
        for chunk in chunks:
            objects += (await s.scalars(select(model).where(model.id.in_(chunk)))).all()
    # Domains are few: read them all (targets of domain grants are among them).
    domains = {d.id: d.name for d in (await s.scalars(select(m.Domain))).all()}
    for d_id, d_name in domains.items():
        out[d_id] = {"id": d_id, "name": d_name}
    for obj in objects:
        out[obj.id] = {
            "id": obj.id,
            "name": obj.name,
            "domain": {"id": obj.domain_id, "name": domains.get(obj.domain_id, "")},
        }
    return out


def _render(base: str, e: dict[str, Any], roles: dict[str, m.Role], names: dict[str, Any] | None) -> dict[str, Any]:
    a_kind, a_id = e["actor"]
    t_kind, t_id = e["target"]
    role = {"id": e["role"]}
    actor = {"id": a_id}
    scope: dict[str, Any]
    if t_kind == "system":
        scope = {"system": {"all": True}}
    else:
        scope = {t_kind: {"id": t_id}}
    if names is not None:
        if e["role"] in roles:
            role["name"] = roles[e["role"]].name
        actor = names.get(a_id, actor)
        if t_kind != "system":
            scope = {t_kind: names.get(t_id, {"id": t_id})}
    if e["inherited"]:
        scope["OS-INHERIT:inherited_to"] = "projects"
    links: dict[str, str] = {
        "assignment": f"{base}/v3/{t_kind + 's/' + t_id if t_kind != 'system' else 'system'}/"
        f"{a_kind}s/{a_id}/roles/{e['role']}"
    }
    if e["inherited"]:
        o_kind, o_id = e.get("origin") or e["target"]
        links["assignment"] = (
            f"{base}/v3/OS-INHERIT/{o_kind}s/{o_id}/{a_kind}s/{a_id}/roles/{e['role']}/inherited_to_projects"
        )
    if e["via_group"]:
        links["membership"] = f"{base}/v3/groups/{e['via_group']}/users/{a_id}"
    body: dict[str, Any] = {"role": role, a_kind: actor, "scope": scope, "links": links}
    if e["prior"]:
        body["links"]["prior_role"] = f"{base}/v3/roles/{e['prior']}"
    return body
