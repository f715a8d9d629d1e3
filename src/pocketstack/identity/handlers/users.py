"""``/v3/users``: CRUD, password change, a user's groups and projects."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.errors import Invalid, NotAuthenticated, NotFound
from pocketstack.identity import compliance, passwords, policy, render, schemas
from pocketstack.identity import models as m
from pocketstack.identity.events import emit
from pocketstack.identity.handlers.common import apply_filters, ensure_unique, get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

CORE = ("name", "password", "domain_id", "enabled", "default_project_id", "description", "email", "options")


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_users")
    async with svc.db.reader() as s:
        query = apply_filters(req, select(m.User), m.User, ("name", "enabled", "domain_id"))
        rows = (await s.scalars(query.order_by(m.User.name))).all()
    return json_response(
        {"users": [render.user(req.base_url, u) for u in rows], "links": render.collection_links(req.base_url, "users")}
    )


async def show(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "get_user")
    async with svc.db.reader() as s:
        user = await get_or_404(s, m.User, user_id)
    return json_response({"user": render.user(req.base_url, user)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_user")
    data = validate(schemas.USER_CREATE, await req.json())["user"]
    domain_id = data.get("domain_id") or req.context.domain_id or "default"
    password = data.get("password")
    rules = svc.config.security_compliance
    if password:
        compliance.check_pattern(rules, password)
    hashed = await passwords.hash_password(password, svc.config.identity.password_hash_rounds) if password else None
    async with svc.db.writer() as s:
        if await s.get(m.Domain, domain_id) is None:
            raise NotFound(f"Could not find domain: {domain_id}.")
        if data.get("default_project_id") and await s.get(m.Project, data["default_project_id"]) is None:
            raise NotFound(f"Could not find project: {data['default_project_id']}.")
        await ensure_unique(s, m.User, data["name"], domain_id=domain_id, action="store")
        user = m.User(
            name=data["name"],
            domain_id=domain_id,
            enabled=data.get("enabled", True),
            default_project_id=data.get("default_project_id"),
            description=data.get("description") or "",
            email=data.get("email"),
            options=data.get("options") or {},
            extra={k: v for k, v in data.items() if k not in CORE},
        )
        s.add(user)
        if hashed:
            await compliance.record_password(s, rules, user, hashed, self_service=False)
    svc.changed()
    await emit(svc, req.context, "user", "created", user.id)
    return json_response({"user": render.user(req.base_url, user)}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_user")
    data = validate(schemas.USER_UPDATE, await req.json())["user"]
    password = data.get("password")
    rules = svc.config.security_compliance
    if password:
        compliance.check_pattern(rules, password)
    hashed = await passwords.hash_password(password, svc.config.identity.password_hash_rounds) if password else None
    async with svc.db.writer() as s:
        user = await get_or_404(s, m.User, req.path_params["user_id"])
        # No history check here: Keystone checks reuse only when users change their own
        # password (an administrator's reset may set any password, as Tempest expects).
        if "name" in data and data["name"] != user.name:
            await ensure_unique(s, m.User, data["name"], domain_id=user.domain_id, action="update")
            user.name = data["name"]
        disabling = data.get("enabled") is False and user.enabled
        if data.get("enabled") is True:
            # Enabling a user is how an administrator ends a lockout, as in Keystone.
            user.failed_auth_count, user.failed_auth_at = None, None
        for key in ("enabled", "default_project_id", "email"):
            if key in data:
                setattr(user, key, data[key])
        if "description" in data:
            user.description = data["description"] or ""
        if "options" in data:
            user.options = {**(user.options or {}), **data["options"]}
        if hashed:
            await compliance.record_password(s, rules, user, hashed, self_service=False)
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            user.extra = {**(user.extra or {}), **extra}
    svc.changed()
    if disabling or hashed:
        await svc.revoke(Event(issued_before=time.time(), user_id=user.id))
    await emit(svc, req.context, "user", "updated", user.id)
    return json_response({"user": render.user(req.base_url, user)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_user")
    user_id = req.path_params["user_id"]
    async with svc.db.writer() as s:
        user = await get_or_404(s, m.User, user_id)
        await s.execute(sql_delete(m.Assignment).where(m.Assignment.actor_id == user_id))
        await s.execute(sql_delete(m.Membership).where(m.Membership.user_id == user_id))
        await s.execute(sql_delete(m.PasswordHistory).where(m.PasswordHistory.user_id == user_id))
        await s.execute(sql_delete(m.ApplicationCredential).where(m.ApplicationCredential.user_id == user_id))
        await s.execute(sql_delete(m.AccessRule).where(m.AccessRule.user_id == user_id))
        await s.execute(sql_delete(m.Credential).where(m.Credential.user_id == user_id))
        await s.execute(
            sql_delete(m.Trust).where((m.Trust.trustor_user_id == user_id) | (m.Trust.trustee_user_id == user_id))
        )
        await s.delete(user)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), user_id=user_id))
    await emit(svc, req.context, "user", "deleted", user_id)
    return empty(204)


async def change_password(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    data = validate(
        schemas.USER_PASSWORD,
        await req.json(),
    )["user"]
    rules = svc.config.security_compliance
    async with svc.db.reader() as s:
        user = await get_or_404(s, m.User, user_id)
    if not await passwords.verify_password(data["original_password"], user.password_hash):
        raise NotAuthenticated("The request you have made requires authentication.")
    if not data["password"]:
        raise Invalid("Invalid input for field 'user/password': the new password must not be empty")
    compliance.check_pattern(rules, data["password"])
    hashed = await passwords.hash_password(data["password"], svc.config.identity.password_hash_rounds)
    async with svc.db.writer() as s:
        user = await get_or_404(s, m.User, user_id)
        await compliance.check_minimum_age(s, rules, user)
        await compliance.check_history(s, rules, user, data["password"])
        await compliance.record_password(s, rules, user, hashed, self_service=True)
    await svc.revoke(Event(issued_before=time.time(), user_id=user_id))
    return empty(204)


async def groups(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "list_groups_for_user")
    async with svc.db.reader() as s:
        await get_or_404(s, m.User, user_id)
        rows = (
            await s.scalars(
                select(m.Group)
                .join(m.Membership, m.Membership.group_id == m.Group.id)
                .where(m.Membership.user_id == user_id)
            )
        ).all()
    return json_response(
        {
            "groups": [render.group(req.base_url, g) for g in rows],
            "links": render.collection_links(req.base_url, f"users/{user_id}/groups"),
        }
    )


async def projects(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "list_user_projects")
    async with svc.db.reader() as s:
        await get_or_404(s, m.User, user_id)
    ids = await svc.roles.project_ids(user_id)
    async with svc.db.reader() as s:
        found = (await s.scalars(select(m.Project).where(m.Project.id.in_(ids)))).all()
    return json_response(
        {
            "projects": [render.project(req.base_url, p) for p in found],
            "links": render.collection_links(req.base_url, f"users/{user_id}/projects"),
        }
    )
