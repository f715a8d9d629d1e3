"""OS-OAUTH1 delegation: a consumer gets a request token for a project, the user
authorizes it with some of its roles there, the consumer trades it (with the verifier)
for an access token, then signs ``POST /v3/auth/tokens`` (method ``oauth1``) with it to
get project tokens with those roles. Users list and delete their access tokens; deleting
one (or its consumer) ends the tokens issued with it.

The consumer's calls carry no X-Auth-Token: an OAuth 1.0a HMAC-SHA1 signature
(``pocketstack.identity.oauth1``) proves them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.errors import Forbidden, Invalid, NotAuthenticated, NotFound
from pocketstack.common.timeutils import iso, utcnow
from pocketstack.identity import models as m
from pocketstack.identity import oauth1, policy, render
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.identity.tokens import TokenData, new_audit_id
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService

# Keystone's [oauth1] request_token_duration and access_token_duration defaults.
REQUEST_TOKEN_SECONDS = 28800
ACCESS_TOKEN_SECONDS = 86400
FORM = "application/x-www-form-urlencoded"


async def _signed(
    svc: IdentityService, req: Request, token_model: type[m.OAuthRequestToken] | type[m.OAuthAccessToken] | None
) -> tuple[dict[str, str], m.OAuthConsumer, Any]:
    """The OAuth parameters, consumer and token (of ``token_model``) of a signed request;
    401 for an unknown consumer or token, an expired token or a wrong signature."""
    params = oauth1.parse_header(req.headers.get("authorization"))
    extra: list[tuple[str, str]] = []
    if req.headers.get("content-type", "").startswith(FORM):
        extra = urllib.parse.parse_qsl((await req.body()).decode("utf-8", "replace"), keep_blank_values=True)
    token: m.OAuthRequestToken | m.OAuthAccessToken | None = None
    async with svc.db.reader() as s:
        consumer = await s.get(m.OAuthConsumer, params.get("oauth_consumer_key", ""))
        if token_model is not None:
            token = await s.get(token_model, params.get("oauth_token", ""))
    if consumer is None:
        raise NotAuthenticated("Could not find the OAuth consumer.")
    if token_model is not None:
        if token is None or token.consumer_id != consumer.id:
            raise NotAuthenticated("Could not find the OAuth token.")
        if token.expires_at is not None and token.expires_at <= utcnow():
            raise NotAuthenticated("The OAuth token has expired.")
    oauth1.verify(req.method, req.url, params, extra, consumer.secret, token.secret if token is not None else "")
    return params, consumer, token


def _form(token_id: str, secret: str, expires_at: dt.datetime) -> Response:
    body = urllib.parse.urlencode(
        {"oauth_token": token_id, "oauth_token_secret": secret, "oauth_expires_at": iso(expires_at, micro=True)}
    )
    return Response(201, body.encode(), content_type=FORM)


async def request_token(svc: IdentityService, req: Request) -> Response:
    _, consumer, _ = await _signed(svc, req, None)
    project_id = req.headers.get("requested-project-id")
    if not project_id:
        raise Invalid("The Requested-Project-Id header is required.")
    expires_at = utcnow() + dt.timedelta(seconds=REQUEST_TOKEN_SECONDS)
    async with svc.db.writer() as s:
        await get_or_404(s, m.Project, project_id)
        token = m.OAuthRequestToken(
            secret=secrets.token_urlsafe(24), consumer_id=consumer.id, project_id=project_id, expires_at=expires_at
        )
        s.add(token)
    return _form(token.id, token.secret, expires_at)


async def authorize(svc: IdentityService, req: Request) -> Response:
    """The user (with a plain token of its own) delegates roles it holds on the project."""
    ctx = req.context
    if svc.validator.validate(ctx.auth_token or "").access_token_id:
        raise Forbidden("Cannot authorize a request token with a token issued via OAuth.")
    body = await req.json()
    refs = body.get("roles") if isinstance(body, dict) else None
    if not isinstance(refs, list) or not refs or not all(isinstance(r, dict) for r in refs):
        raise Invalid("Invalid input for field 'roles': a list of role references is required")
    roles = await svc.roles.roles()
    by_name = {r.name: r.id for r in roles.values() if not r.domain_id}
    wanted = [r.get("id") or by_name.get(str(r.get("name"))) for r in refs]
    async with svc.db.writer() as s:
        token = await s.get(m.OAuthRequestToken, req.path_params["request_token_id"])
        if token is None or (token.expires_at is not None and token.expires_at <= utcnow()):
            raise NotFound(f"Could not find request token: {req.path_params['request_token_id']}.")
        if token.authorizing_user_id:
            raise Forbidden("The request token is already authorized.")
        held = await svc.roles.effective(ctx.user_id or "", "project", token.project_id)
        if not all(r in held for r in wanted):
            raise Forbidden("The user does not hold every role to delegate on the requested project.")
        token.authorizing_user_id = ctx.user_id
        token.role_ids = [r for r in wanted if r is not None]
        token.verifier = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8))
    return json_response({"token": {"oauth_verifier": token.verifier}})


async def access_token(svc: IdentityService, req: Request) -> Response:
    params, consumer, request = await _signed(svc, req, m.OAuthRequestToken)
    if not request.authorizing_user_id or params.get("oauth_verifier") != request.verifier:
        raise NotAuthenticated("The request token is not authorized, or the verifier is wrong.")
    expires_at = utcnow() + dt.timedelta(seconds=ACCESS_TOKEN_SECONDS)
    async with svc.db.writer() as s:
        await s.execute(sql_delete(m.OAuthRequestToken).where(m.OAuthRequestToken.id == request.id))
        token = m.OAuthAccessToken(
            secret=secrets.token_urlsafe(24),
            consumer_id=consumer.id,
            project_id=request.project_id,
            role_ids=list(request.role_ids or []),
            authorizing_user_id=request.authorizing_user_id,
            expires_at=expires_at,
        )
        s.add(token)
    return _form(token.id, token.secret, expires_at)


async def token_data(svc: IdentityService, req: Request) -> TokenData:
    """``POST /v3/auth/tokens`` with method ``oauth1``: a project token for the access
    token's user, with the delegated roles the user still holds."""
    _, _, access = await _signed(svc, req, m.OAuthAccessToken)
    user = await svc.entities.get(m.User, access.authorizing_user_id)
    project = await svc.entities.get(m.Project, access.project_id)
    if user is None or not user.enabled or project is None or not project.enabled:
        raise NotAuthenticated("The request you have made requires authentication.")
    held = set(await svc.roles.effective(user.id, "project", project.id))
    role_ids = await svc.roles.expand(set(access.role_ids or []) & held)
    if not role_ids:
        raise NotAuthenticated("The user no longer holds the delegated roles.")
    now = time.time()
    expires = now + svc.config.identity.token_expiration
    if access.expires_at is not None:
        expires = min(expires, access.expires_at.replace(tzinfo=dt.UTC).timestamp())
    return TokenData(
        user_id=user.id,
        user_domain_id=user.domain_id,
        methods=("oauth1",),
        scope="project",
        scope_id=project.id,
        scope_domain_id=project.domain_id,
        role_ids=role_ids,
        role_names=await svc.roles.names(role_ids),
        issued_at=now,
        expires_at=expires,
        audit_ids=(new_audit_id(),),
        access_token_id=access.id,
    )


# --- a user's access tokens ---------------------------------------------------------------
async def _owned(s: AsyncSession, req: Request, action: str) -> m.OAuthAccessToken:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, action)
    token = await s.get(m.OAuthAccessToken, req.path_params["access_token_id"])
    if token is None or token.authorizing_user_id != user_id:
        raise NotFound(f"Could not find access token: {req.path_params['access_token_id']}.")
    return token


async def list_access_tokens(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "list_access_tokens")
    async with svc.db.reader() as s:
        rows = (
            await s.scalars(select(m.OAuthAccessToken).where(m.OAuthAccessToken.authorizing_user_id == user_id))
        ).all()
    return json_response(
        {
            "access_tokens": [render.oauth_access_token(req.base_url, t) for t in rows],
            "links": render.collection_links(req.base_url, f"users/{user_id}/OS-OAUTH1/access_tokens"),
        }
    )


async def show_access_token(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        token = await _owned(s, req, "get_access_token")
    return json_response({"access_token": render.oauth_access_token(req.base_url, token)})


async def delete_access_token(svc: IdentityService, req: Request) -> Response:
    async with svc.db.writer() as s:
        token = await _owned(s, req, "delete_access_token")
        await s.delete(token)
    await svc.revoke(Event(issued_before=time.time(), access_token_id=token.id))
    return empty(204)


async def list_access_token_roles(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        token = await _owned(s, req, "list_access_token_roles")
    known = await svc.roles.roles()
    return json_response(
        {
            "roles": [render.role(req.base_url, known[r]) for r in token.role_ids or [] if r in known],
            "links": {"self": req.url, "previous": None, "next": None},
        }
    )


async def show_access_token_role(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        token = await _owned(s, req, "get_access_token_role")
    role_id = req.path_params["role_id"]
    known = await svc.roles.roles()
    if role_id not in (token.role_ids or []) or role_id not in known:
        raise NotFound(f"Could not find role: {role_id}.")
    return json_response({"role": render.role(req.base_url, known[role_id])})
