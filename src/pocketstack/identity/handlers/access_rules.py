"""``/v3/users/{user_id}/access_rules``: the rules a user's application credentials use.

A rule outlives the credentials that named it (another credential may name it by id
later); it can be deleted only once no credential uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from pocketstack.common.errors import Forbidden, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService


async def _rule(s: AsyncSession, user_id: str, rule_id: str) -> m.AccessRule:
    rule = await s.get(m.AccessRule, rule_id)
    if rule is None or rule.user_id != user_id:
        raise NotFound(f"Could not find access rule: {rule_id}.")
    return rule


async def list_(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "list_access_rules")
    async with svc.db.reader() as s:
        query = select(m.AccessRule).where(m.AccessRule.user_id == user_id)
        for name in ("service", "method", "path"):
            if req.param(name) is not None:
                query = query.where(getattr(m.AccessRule, name) == req.param(name))
        rows = (await s.scalars(query.order_by(m.AccessRule.service, m.AccessRule.path))).all()
    return json_response(
        {
            "access_rules": [render.access_rule(req.base_url, r) for r in rows],
            "links": render.collection_links(req.base_url, f"users/{user_id}/access_rules"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "get_access_rule")
    async with svc.db.reader() as s:
        rule = await _rule(s, user_id, req.path_params["access_rule_id"])
    return json_response({"access_rule": render.access_rule(req.base_url, rule)})


async def delete(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "delete_access_rule")
    async with svc.db.writer() as s:
        rule = await _rule(s, user_id, req.path_params["access_rule_id"])
        creds = (
            await s.scalars(select(m.ApplicationCredential).where(m.ApplicationCredential.user_id == user_id))
        ).all()
        if any(rule.id in (c.access_rules or []) for c in creds):
            raise Forbidden(f"Cannot delete access rule {rule.id}: an application credential still uses it.")
        await s.delete(rule)
    return empty(204)
