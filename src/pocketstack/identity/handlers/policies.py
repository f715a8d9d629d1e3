"""``/v3/policies``: policy blobs kept for other services (deprecated in Keystone, still served)."""

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

CORE = ("blob", "type")


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_policies")
    async with svc.db.reader() as s:
        query = select(m.Policy)
        if req.param("type") is not None:
            query = query.where(m.Policy.type == req.param("type"))
        rows = (await s.scalars(query.order_by(m.Policy.id))).all()
    return json_response(
        {
            "policies": [render.policy(req.base_url, p) for p in rows],
            "links": render.collection_links(req.base_url, "policies"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_policy")
    async with svc.db.reader() as s:
        found = await get_or_404(s, m.Policy, req.path_params["policy_id"])
    return json_response({"policy": render.policy(req.base_url, found)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_policy")
    data = validate(schemas.POLICY_CREATE, await req.json())["policy"]
    async with svc.db.writer() as s:
        row = m.Policy(type=data["type"], blob=data["blob"], extra={k: v for k, v in data.items() if k not in CORE})
        s.add(row)
    return json_response({"policy": render.policy(req.base_url, row)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_policy")
    data = validate(schemas.POLICY_UPDATE, await req.json())["policy"]
    async with svc.db.writer() as s:
        row = await get_or_404(s, m.Policy, req.path_params["policy_id"])
        row.type = data.get("type", row.type)
        row.blob = data.get("blob", row.blob)
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            row.extra = {**(row.extra or {}), **extra}
    return json_response({"policy": render.policy(req.base_url, row)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_policy")
    async with svc.db.writer() as s:
        await s.delete(await get_or_404(s, m.Policy, req.path_params["policy_id"]))
    return empty(204)
