"""``/v3/OS-TRUST/trusts``: delegation of a trustor's roles on a project to a trustee.

Only the trustor creates a trust (an admin cannot create one for someone else); the
trustor, the trustee and admins read it; the trustor and admins delete it, which ends
the tokens issued under it. A trust-scoped token may create a trust (redelegation) when
its trust allows it: the new trust is the old trustee's, with no more roles, no later
expiry, and one redelegation less.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import parse_iso, utcnow
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService

# Keystone's default [trust] max_redelegation_count.
MAX_REDELEGATION = 3


def live(trust: m.Trust | None) -> bool:
    """A trust that exists, has not expired and has uses left."""
    if trust is None:
        return False
    if trust.expires_at is not None and trust.expires_at <= utcnow():
        return False
    return trust.remaining_uses is None or trust.remaining_uses > 0


async def _view(svc: IdentityService, req: Request, trust: m.Trust, *, roles: bool = True) -> dict[str, Any]:
    known = await svc.roles.roles()
    body = render.trust(req.base_url, trust)
    if roles:
        body["roles"] = [render.role(req.base_url, known[r]) for r in trust.roles if r in known]
        body["roles_links"] = render.collection_links(req.base_url, f"OS-TRUST/trusts/{trust.id}/roles")
    return body


async def _readable(s: AsyncSession, req: Request, action: str) -> m.Trust:
    trust = await s.get(m.Trust, req.path_params["trust_id"])
    if trust is None or (trust.expires_at is not None and trust.expires_at <= utcnow()):
        raise NotFound(f"Could not find trust: {req.path_params['trust_id']}.")
    ctx = req.context
    if not ctx.is_admin and ctx.user_id not in (trust.trustor_user_id, trust.trustee_user_id):
        raise policy.deny(action)
    return trust


async def list_(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    trustor, trustee = req.param("trustor_user_id"), req.param("trustee_user_id")
    if not ctx.is_admin and ctx.user_id not in (trustor, trustee):
        raise policy.deny("list_trusts")
    async with svc.db.reader() as s:
        query = select(m.Trust)
        if trustor is not None:
            query = query.where(m.Trust.trustor_user_id == trustor)
        if trustee is not None:
            query = query.where(m.Trust.trustee_user_id == trustee)
        rows = [t for t in (await s.scalars(query.order_by(m.Trust.id))).all() if live(t)]
    return json_response(
        {
            "trusts": [await _view(svc, req, t, roles=False) for t in rows],
            "links": render.collection_links(req.base_url, "OS-TRUST/trusts"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        trust = await _readable(s, req, "get_trust")
    return json_response({"trust": await _view(svc, req, trust)})


async def create(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    data = validate(schemas.TRUST_CREATE, await req.json())["trust"]
    if ctx.user_id != data["trustor_user_id"]:
        raise Forbidden("The authenticated user should match the trustor.")
    if ctx.application_credential_id:
        raise Forbidden("Using method 'application_credential' is not allowed for managing trusts.")
    expires_at = _expiry(data.get("expires_at"))
    token = svc.validator.validate(ctx.auth_token or "")
    if token.access_token_id:
        raise Forbidden("Cannot create a trust with a token issued via OAuth.")
    parent = await _parent(svc, token.trust_id) if token.trust_id else None
    role_ids = await _delegated(svc, data, parent)
    async with svc.db.writer() as s:
        await get_or_404(s, m.User, data["trustee_user_id"])
        if data.get("project_id"):
            await get_or_404(s, m.Project, data["project_id"])
        trust = m.Trust(
            trustor_user_id=data["trustor_user_id"],
            trustee_user_id=data["trustee_user_id"],
            project_id=data.get("project_id"),
            impersonation=data["impersonation"],
            expires_at=expires_at,
            remaining_uses=data.get("remaining_uses"),
            roles=role_ids,
            extra={},
        )
        _redelegation(trust, data, parent)
        s.add(trust)
    svc.changed()
    return json_response({"trust": await _view(svc, req, trust)}, 201)


def _expiry(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        expires_at = parse_iso(value)
    except ValueError:
        raise Invalid(f"Invalid input for field 'trust/expires_at': {value!r} is not a timestamp") from None
    if expires_at <= utcnow():
        raise Invalid("Invalid input for field 'trust/expires_at': the expiry is in the past")
    return expires_at


async def _parent(svc: IdentityService, trust_id: str) -> m.Trust:
    """The trust of the caller's trust-scoped token, which must allow redelegation."""
    async with svc.db.reader() as s:
        parent = await s.get(m.Trust, trust_id)
    if not live(parent) or parent is None or not parent.redelegation_count:
        raise Forbidden("Redelegation is not allowed by the trust of this token.")
    return parent


async def _delegated(svc: IdentityService, data: dict[str, Any], parent: m.Trust | None) -> list[str]:
    """The role ids named, each held by the trustor on the project (or by the parent trust)."""
    roles = await svc.roles.roles()
    by_name = {r.name: r.id for r in roles.values() if not r.domain_id}
    wanted: list[str] = []
    for ref in data.get("roles") or []:
        role_id = ref.get("id") or by_name.get(ref.get("name", ""))
        if role_id is None or role_id not in roles:
            raise NotFound(f"Could not find role: {ref.get('id') or ref.get('name')}.")
        if role_id not in wanted:
            wanted.append(role_id)
    if wanted and not data.get("project_id"):
        raise Invalid("Invalid input for field 'trust/roles': roles are delegated on a project")
    if parent is not None:
        held = set(await svc.roles.expand(set(parent.roles)))
    elif data.get("project_id"):
        held = set(await svc.roles.effective(data["trustor_user_id"], "project", data["project_id"]))
    else:
        held = set()
    missing = [r for r in wanted if r not in held]
    if missing:
        raise Forbidden(f"The trustor does not hold the delegated roles: {', '.join(missing)}.")
    return wanted


def _redelegation(trust: m.Trust, data: dict[str, Any], parent: m.Trust | None) -> None:
    count = data.get("redelegation_count")
    if parent is None:
        if data.get("allow_redelegation"):
            trust.redelegation_count = MAX_REDELEGATION if count is None else min(count, MAX_REDELEGATION)
        return
    if trust.project_id != parent.project_id:
        raise Forbidden("A redelegated trust is on its parent's project.")
    if parent.expires_at is not None and (trust.expires_at is None or trust.expires_at > parent.expires_at):
        raise Forbidden("A redelegated trust cannot outlive its parent.")
    left = (parent.redelegation_count or 0) - 1
    trust.redelegated_trust_id = parent.id
    trust.redelegation_count = (left if count is None else min(count, left)) if data.get("allow_redelegation") else 0


async def delete(svc: IdentityService, req: Request) -> Response:
    async with svc.db.writer() as s:
        trust = await get_or_404(s, m.Trust, req.path_params["trust_id"])
        if not req.context.is_admin and req.context.user_id != trust.trustor_user_id:
            raise policy.deny("delete_trust")
        await s.delete(trust)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), trust_id=trust.id))
    return empty(204)


async def list_roles(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        trust = await _readable(s, req, "list_roles_for_trust")
    known = await svc.roles.roles()
    return json_response(
        {
            "roles": [render.role(req.base_url, known[r]) for r in trust.roles if r in known],
            "links": render.collection_links(req.base_url, f"OS-TRUST/trusts/{trust.id}/roles"),
        }
    )


async def show_role(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        trust = await _readable(s, req, "get_role_for_trust")
    role_id = req.path_params["role_id"]
    known = await svc.roles.roles()
    if role_id not in trust.roles or role_id not in known:
        raise NotFound(f"Could not find role: {role_id}.")
    return json_response({"role": render.role(req.base_url, known[role_id])})
