"""``/v3/users/{user_id}/application_credentials``: the secret is shown only at creation."""

from __future__ import annotations

import base64
import secrets
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import parse_iso, utcnow
from pocketstack.identity import models as m
from pocketstack.identity import passwords, policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


async def _role_refs(svc: IdentityService, role_ids: list[str]) -> list[dict[str, Any]]:
    roles = await svc.roles.roles()
    return [{"id": r, "name": roles[r].name, "domain_id": None} for r in role_ids if r in roles]


async def _view(svc: IdentityService, req: Request, creds: list[m.ApplicationCredential]) -> list[dict[str, Any]]:
    """The credentials as Keystone shows them, their access rules read in one query."""
    wanted = {rid for a in creds for rid in a.access_rules or []}
    rules: dict[str, m.AccessRule] = {}
    if wanted:
        async with svc.db.reader() as s:
            rules = {r.id: r for r in (await s.scalars(select(m.AccessRule).where(m.AccessRule.id.in_(wanted)))).all()}
    return [
        render.app_cred(
            req.base_url,
            a,
            await _role_refs(svc, a.roles),
            [rules[rid] for rid in a.access_rules or [] if rid in rules],
        )
        for a in creds
    ]


async def _access_rules(s: AsyncSession, user_id: str, refs: list[dict[str, Any]]) -> list[str]:
    """Ids of the user's access rules for ``refs``: an ``id`` names an existing rule of the
    user; service, method and path reuse the user's identical rule or make a new one."""
    ids: list[str] = []
    for ref in refs:
        if set(ref) == {"id"}:
            rule = await s.get(m.AccessRule, ref["id"])
            if rule is None or rule.user_id != user_id:
                raise NotFound(f"Could not find access rule: {ref['id']}.")
        elif {"service", "method", "path"} <= set(ref):
            rule = (
                await s.scalars(
                    select(m.AccessRule).where(
                        m.AccessRule.user_id == user_id,
                        m.AccessRule.service == ref["service"],
                        m.AccessRule.method == ref["method"],
                        m.AccessRule.path == ref["path"],
                    )
                )
            ).first()
            if rule is None:
                rule = m.AccessRule(user_id=user_id, service=ref["service"], method=ref["method"], path=ref["path"])
                if ref.get("id"):
                    rule.id = ref["id"]
                s.add(rule)
                await s.flush()
        else:
            raise Invalid("Invalid input for field 'access_rules': a rule needs an id, or service, method and path")
        if rule.id not in ids:
            ids.append(rule.id)
    return ids


def _own(svc: IdentityService, req: Request, action: str) -> str:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, action)
    _not_delegated(svc, req)
    return user_id


def _not_delegated(svc: IdentityService, req: Request) -> None:
    """Keystone keeps delegated (trust-scoped, OAuth) tokens away from application credentials."""
    if req.context.auth_token:
        token = svc.validator.validate(req.context.auth_token)
        if token.trust_id or token.access_token_id:
            raise Forbidden("Application credentials cannot be managed with a trust-scoped or OAuth token.")


async def list_(svc: IdentityService, req: Request) -> Response:
    user_id = _own(svc, req, "list_application_credentials")
    async with svc.db.reader() as s:
        query = select(m.ApplicationCredential).where(m.ApplicationCredential.user_id == user_id)
        if req.param("name") is not None:
            query = query.where(m.ApplicationCredential.name == req.param("name"))
        rows = (await s.scalars(query.order_by(m.ApplicationCredential.name))).all()
    out = await _view(svc, req, list(rows))
    return json_response(
        {
            "application_credentials": out,
            "links": render.collection_links(req.base_url, f"users/{user_id}/application_credentials"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    user_id = _own(svc, req, "get_application_credential")
    async with svc.db.reader() as s:
        cred = await get_or_404(s, m.ApplicationCredential, req.path_params["application_credential_id"])
    if cred.user_id != user_id:
        raise policy.deny("get_application_credential")
    return json_response({"application_credential": (await _view(svc, req, [cred]))[0]})


async def create(svc: IdentityService, req: Request) -> Response:
    ctx = req.context
    user_id = req.path_params["user_id"]
    if ctx.user_id != user_id:
        raise policy.deny("create_application_credential")
    if ctx.application_credential_id:
        # Keystone: a restricted application credential cannot make another one.
        async with svc.db.reader() as s:
            parent = await s.get(m.ApplicationCredential, ctx.application_credential_id)
        if parent is None or not parent.unrestricted:
            raise Forbidden(
                "Using method 'application_credential' is not allowed for managing additional application credentials."
            )
    if not ctx.project_id:
        raise Invalid("An application credential needs a project-scoped token.")
    _not_delegated(svc, req)
    data = validate(schemas.APP_CRED_CREATE, await req.json())["application_credential"]
    expires_at = None
    if data.get("expires_at"):
        try:
            expires_at = parse_iso(data["expires_at"])
        except ValueError:
            raise Invalid(f"Invalid input for field 'expires_at': {data['expires_at']!r} is not a timestamp") from None
        if expires_at <= utcnow():
            raise Invalid("Invalid input for field 'expires_at': the expiry is in the past")
    held = await svc.roles.effective(user_id, "project", ctx.project_id)
    roles_by_name = {r.name: r.id for r in (await svc.roles.roles()).values() if not r.domain_id}
    wanted: list[str] = []
    for ref in data.get("roles") or []:
        role_id = ref.get("id") or roles_by_name.get(ref.get("name", ""))
        if role_id is None or role_id not in held:
            raise Forbidden(
                f"Cannot delegate role {ref.get('id') or ref.get('name')}: the user does not hold it "
                f"on project {ctx.project_id}."
            )
        wanted.append(role_id)
    # Named roles bring the roles they imply, as Keystone adds them.
    implied = [r for r in await svc.roles.expand(set(wanted)) if r not in wanted]
    role_ids = wanted + implied if wanted else list(await _token_role_ids(svc, req))
    secret = data.get("secret") or base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode()
    hashed = await passwords.hash_password(secret, svc.config.identity.password_hash_rounds)
    async with svc.db.writer() as s:
        if await s.scalar(
            select(func.count())
            .select_from(m.ApplicationCredential)
            .where(m.ApplicationCredential.user_id == user_id, m.ApplicationCredential.name == data["name"])
        ):
            raise Conflict(f"An application credential named {data['name']} already exists for this user.")
        cred = m.ApplicationCredential(
            name=data["name"],
            user_id=user_id,
            project_id=ctx.project_id,
            secret_hash=hashed,
            description=data.get("description") or "",
            expires_at=expires_at,
            unrestricted=bool(data.get("unrestricted")),
            roles=role_ids,
            access_rules=await _access_rules(s, user_id, data.get("access_rules") or []),
        )
        s.add(cred)
    body = (await _view(svc, req, [cred]))[0]
    body["secret"] = secret
    return json_response({"application_credential": body}, 201)


async def _token_role_ids(svc: IdentityService, req: Request) -> tuple[str, ...]:
    """The roles on the caller's token: the default delegation when none are named."""
    token = req.context.auth_token or ""
    return svc.validator.validate(token).role_ids


async def delete(svc: IdentityService, req: Request) -> Response:
    user_id = _own(svc, req, "delete_application_credential")
    cred_id = req.path_params["application_credential_id"]
    async with svc.db.writer() as s:
        cred = await get_or_404(s, m.ApplicationCredential, cred_id)
        if cred.user_id != user_id:
            raise policy.deny("delete_application_credential")
        await s.delete(cred)
    svc.changed()
    await svc.revoke(Event(issued_before=time.time(), app_cred_id=cred_id))
    return empty(204)
