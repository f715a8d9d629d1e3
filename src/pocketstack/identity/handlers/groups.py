"""``/v3/groups`` and group membership."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import apply_filters, ensure_unique, get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

CORE = ("name", "description", "domain_id")


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_groups")
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.Group), m.Group, ("name", "domain_id"))
        rows = (await s.scalars(query.order_by(m.Group.name))).all()
    return json_response(
        {
            "groups": [render.group(req.base_url, g) for g in rows],
            "links": render.collection_links(req.base_url, "groups"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_group")
    async with svc.db.reader() as s:
        group = await get_or_404(s, m.Group, req.path_params["group_id"])
    return json_response({"group": render.group(req.base_url, group)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_group")
    data = validate(schemas.GROUP_CREATE, await req.json())["group"]
    domain_id = data.get("domain_id") or req.context.domain_id or "default"
    async with svc.db.writer() as s:
        if await s.get(m.Domain, domain_id) is None:
            raise NotFound(f"Could not find domain: {domain_id}.")
        await ensure_unique(s, m.Group, data["name"], domain_id=domain_id, action="store")
        group = m.Group(
            name=data["name"],
            domain_id=domain_id,
            description=data.get("description") or "",
            extra={k: v for k, v in data.items() if k not in CORE},
        )
        s.add(group)
    return json_response({"group": render.group(req.base_url, group)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_group")
    data = validate(schemas.GROUP_UPDATE, await req.json())["group"]
    async with svc.db.writer() as s:
        group = await get_or_404(s, m.Group, req.path_params["group_id"])
        if data.get("domain_id", group.domain_id) != group.domain_id:
            raise Invalid("Cannot change the domain ID of a group.")
        if "name" in data and data["name"] != group.name:
            await ensure_unique(s, m.Group, data["name"], domain_id=group.domain_id, action="update")
            group.name = data["name"]
        if "description" in data:
            group.description = data["description"] or ""
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            group.extra = {**(group.extra or {}), **extra}
    return json_response({"group": render.group(req.base_url, group)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_group")
    group_id = req.path_params["group_id"]
    async with svc.db.writer() as s:
        group = await get_or_404(s, m.Group, group_id)
        members = (await s.scalars(select(m.Membership.user_id).where(m.Membership.group_id == group_id))).all()
        await s.execute(sql_delete(m.Assignment).where(m.Assignment.actor_id == group_id))
        await s.execute(sql_delete(m.Membership).where(m.Membership.group_id == group_id))
        await s.delete(group)
    svc.changed()
    for user_id in members:
        await svc.revoke(Event(issued_before=time.time(), user_id=user_id))
    return empty(204)


async def users(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_users_in_group")
    group_id = req.path_params["group_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Group, group_id)
        rows = (
            await s.scalars(
                select(m.User)
                .join(m.Membership, m.Membership.user_id == m.User.id)
                .where(m.Membership.group_id == group_id)
            )
        ).all()
    return json_response(
        {
            "users": [render.user(req.base_url, u) for u in rows],
            "links": render.collection_links(req.base_url, f"groups/{group_id}/users"),
        }
    )


async def add_user(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "add_user_to_group")
    group_id, user_id = req.path_params["group_id"], req.path_params["user_id"]
    async with svc.db.writer() as s:
        await get_or_404(s, m.Group, group_id)
        await get_or_404(s, m.User, user_id)
        if await s.get(m.Membership, (user_id, group_id)) is None:
            s.add(m.Membership(user_id=user_id, group_id=group_id))
    svc.changed()
    return empty(204)


async def check_user(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "check_user_in_group")
    group_id, user_id = req.path_params["group_id"], req.path_params["user_id"]
    async with svc.db.reader() as s:
        await get_or_404(s, m.Group, group_id)
        await get_or_404(s, m.User, user_id)
        if await s.get(m.Membership, (user_id, group_id)) is None:
            raise NotFound(f"User {user_id} is not a member of group {group_id}.")
    return empty(204)


async def remove_user(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "remove_user_from_group")
    group_id, user_id = req.path_params["group_id"], req.path_params["user_id"]
    async with svc.db.writer() as s:
        member = await s.get(m.Membership, (user_id, group_id))
        if member is None:
            raise NotFound(f"User {user_id} is not a member of group {group_id}.")
        await s.delete(member)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), user_id=user_id))
    return empty(204)
