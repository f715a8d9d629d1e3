"""``/v3/roles`` and implied roles (``/v3/roles/{id}/implies``, ``/v3/role_inferences``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.errors import Conflict, Forbidden, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import check_mutable, ensure_unique, get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_roles")
    async with svc.db.reader() as s:
        query = select(m.Role).where(m.Role.domain_id == (req.param("domain_id") or ""))
        if req.param("name") is not None:
            query = query.where(m.Role.name == req.param("name"))
        rows = (await s.scalars(query.order_by(m.Role.name))).all()
    return json_response(
        {"roles": [render.role(req.base_url, r) for r in rows], "links": render.collection_links(req.base_url, "roles")}
    )


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_role")
    async with svc.db.reader() as s:
        role = await get_or_404(s, m.Role, req.path_params["role_id"])
    return json_response({"role": render.role(req.base_url, role)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_role")
    data = validate(schemas.ROLE_CREATE, await req.json())["role"]
    domain_id = data.get("domain_id") or ""
    async with svc.db.writer() as s:
        if domain_id and await s.get(m.Domain, domain_id) is None:
            raise NotFound(f"Could not find domain: {domain_id}.")
        await ensure_unique(s, m.Role, data["name"], domain_id=domain_id, action="store")
        role = m.Role(
            name=data["name"],
            domain_id=domain_id,
            description=data.get("description") or "",
            options=data.get("options") or {},
        )
        s.add(role)
    svc.changed()
    return json_response({"role": render.role(req.base_url, role)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_role")
    data = validate(schemas.ROLE_UPDATE, await req.json())["role"]
    async with svc.db.writer() as s:
        role = await get_or_404(s, m.Role, req.path_params["role_id"])
        check_mutable("role", role.id, role.options, data)
        if "name" in data and data["name"] != role.name:
            await ensure_unique(s, m.Role, data["name"], domain_id=role.domain_id, action="update")
            role.name = data["name"]
        if "description" in data:
            role.description = data["description"] or ""
        if "options" in data:
            role.options = {**(role.options or {}), **data["options"]}
    svc.changed()
    return json_response({"role": render.role(req.base_url, role)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_role")
    role_id = req.path_params["role_id"]
    async with svc.db.writer() as s:
        role = await get_or_404(s, m.Role, role_id)
        check_mutable("role", role_id, role.options, None)
        actors = (await s.scalars(select(m.Assignment.actor_id).where(m.Assignment.role_id == role_id))).all()
        await s.execute(sql_delete(m.Assignment).where(m.Assignment.role_id == role_id))
        await s.execute(
            sql_delete(m.ImpliedRole).where(
                (m.ImpliedRole.prior_role_id == role_id) | (m.ImpliedRole.implied_role_id == role_id)
            )
        )
        await s.delete(role)
    svc.changed()
    await _revoke_actors(svc, set(actors))
    return empty(204)


async def _revoke_actors(svc: IdentityService, actor_ids: set[str]) -> None:
    import time

    from pocketstack.identity.revocation import Event

    for actor in actor_ids:
        await svc.revoke(Event(issued_before=time.time(), user_id=actor))


# --- implied roles ------------------------------------------------------------------------
def _inference(base: str, prior: m.Role, implied: list[m.Role]) -> dict[str, Any]:
    return {"prior_role": render.role_ref(base, prior), "implies": [render.role_ref(base, r) for r in implied]}


async def list_implied(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_implied_roles")
    async with svc.db.reader() as s:
        prior = await get_or_404(s, m.Role, req.path_params["role_id"])
        implied = (
            await s.scalars(
                select(m.Role)
                .join(m.ImpliedRole, m.ImpliedRole.implied_role_id == m.Role.id)
                .where(m.ImpliedRole.prior_role_id == prior.id)
            )
        ).all()
    return json_response(
        {
            "role_inference": _inference(req.base_url, prior, list(implied)),
            "links": render.collection_links(req.base_url, f"roles/{prior.id}/implies"),
        }
    )


async def _pair(s: Any, req: Request) -> tuple[m.Role, m.Role]:
    prior = await get_or_404(s, m.Role, req.path_params["role_id"])
    implied = await get_or_404(s, m.Role, req.path_params["implied_role_id"])
    return prior, implied


async def create_implied(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_implied_role")
    async with svc.db.writer() as s:
        prior, implied = await _pair(s, req)
        if prior.id == implied.id:
            raise Conflict("A role cannot imply itself.")
        if implied.domain_id and not prior.domain_id:
            raise Forbidden(f"Role {prior.id} is global: it cannot imply the domain-specific role {implied.id}.")
        if await s.get(m.ImpliedRole, (prior.id, implied.id)) is None:
            s.add(m.ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
    svc.changed()
    body = {
        "role_inference": {
            "prior_role": render.role_ref(req.base_url, prior),
            "implies": render.role_ref(req.base_url, implied),
        },
        "links": {"self": f"{req.base_url}/v3/roles/{prior.id}/implies/{implied.id}"},
    }
    return json_response(body, 201)


async def show_implied(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_implied_role")
    async with svc.db.reader() as s:
        prior, implied = await _pair(s, req)
        if await s.get(m.ImpliedRole, (prior.id, implied.id)) is None:
            raise NotFound(f"{prior.id} does not imply {implied.id}.")
    body = {
        "role_inference": {
            "prior_role": render.role_ref(req.base_url, prior),
            "implies": render.role_ref(req.base_url, implied),
        },
        "links": {"self": f"{req.base_url}/v3/roles/{prior.id}/implies/{implied.id}"},
    }
    if req.method == "HEAD":
        return empty(204)
    return json_response(body)


async def delete_implied(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_implied_role")
    async with svc.db.writer() as s:
        prior, implied = await _pair(s, req)
        row = await s.get(m.ImpliedRole, (prior.id, implied.id))
        if row is None:
            raise NotFound(f"{prior.id} does not imply {implied.id}.")
        await s.delete(row)
    svc.changed()
    return empty(204)


async def inferences(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_role_inference_rules")
    roles = await svc.roles.roles()
    async with svc.db.reader() as s:
        pairs = (await s.execute(select(m.ImpliedRole.prior_role_id, m.ImpliedRole.implied_role_id))).all()
    grouped: dict[str, list[m.Role]] = {}
    for prior_id, implied_id in pairs:
        if prior_id in roles and implied_id in roles:
            grouped.setdefault(prior_id, []).append(roles[implied_id])
    return json_response(
        {
            "role_inferences": [_inference(req.base_url, roles[p], r) for p, r in grouped.items()],
            "links": render.collection_links(req.base_url, "role_inferences"),
        }
    )
