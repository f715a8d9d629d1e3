"""``/v3/auth/*``: issue, validate, check and revoke tokens; catalog, projects, domains, system."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import select

from pocketstack.common.errors import Invalid, NotAuthenticated, NotFound
from pocketstack.common.timeutils import parse_iso
from pocketstack.identity import auth, endpoint_urls, policy, render, schemas
from pocketstack.identity import models as m
from pocketstack.identity.handlers import oauth1
from pocketstack.identity.revocation import Event
from pocketstack.identity.tokens import TokenData
from pocketstack.web.request import Request
from pocketstack.web.response import JSON, Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


def _subject(svc: IdentityService, req: Request) -> tuple[str, TokenData]:
    token = req.headers.get("x-subject-token")
    if not token:
        raise NotFound("Could not find token: the X-Subject-Token header is required.")
    try:
        allow_expired = req.bool_param("allow_expired", False) and req.context.is_admin
        return token, svc.validator.validate(token, allow_expired=bool(allow_expired))
    except NotAuthenticated:
        raise NotFound(f"Could not find token: {token[:8]}...") from None


async def issue(svc: IdentityService, req: Request) -> Response:
    body = validate(schemas.AUTH, await req.json())
    if body["auth"]["identity"]["methods"] == ["oauth1"]:
        # Proven by the request's OAuth signature, not by anything in the body.
        data = await oauth1.token_data(svc, req)
    else:
        data = await auth.authenticate(svc, body)
    token = svc.issue(data)
    rendered = await auth.render(svc, data, catalog=not req.bool_param("nocatalog", False))
    return json_response(rendered, 201, headers=[("x-subject-token", token)])


async def show(svc: IdentityService, req: Request) -> Response:
    token, data = _subject(svc, req)
    policy.admin_or_self(req.context, data.user_id, "validate_token")
    catalog = not req.bool_param("nocatalog", False)
    key = (token, catalog)
    now = time.time()
    hit = svc.render_cache.get(key)
    if hit is not None and now - hit[0] < svc.config.identity.token_cache_seconds:
        body = hit[1]
    else:
        body = orjson.dumps(await auth.render(svc, data, catalog=catalog))
        if len(svc.render_cache) > 10000:
            svc.render_cache.clear()
        svc.render_cache[key] = (now, body)
    return Response(200, body, content_type=JSON, headers=[("x-subject-token", token)])


async def check(svc: IdentityService, req: Request) -> Response:
    token, data = _subject(svc, req)
    policy.admin_or_self(req.context, data.user_id, "check_token")
    return empty(200, headers=[("x-subject-token", token)])


async def revoke(svc: IdentityService, req: Request) -> Response:
    _, data = _subject(svc, req)
    # A user may revoke their own tokens; an admin or a service any (identity:revoke_token).
    policy.admin_or_self(req.context, data.user_id, "revoke_token")
    await svc.revoke(Event(issued_before=time.time(), audit_id=data.audit_ids[0]))
    return empty(204)


async def catalog(svc: IdentityService, req: Request) -> Response:
    return json_response(
        {
            "catalog": endpoint_urls.for_token(
                await svc.catalog(req.context.project_id), req.context.project_id, req.context.user_id
            ),
            "links": render.collection_links(req.base_url, "auth/catalog"),
        }
    )


async def projects(svc: IdentityService, req: Request) -> Response:
    ids = await svc.roles.project_ids(req.context.user_id or "")
    async with svc.db.reader() as s:
        found = (await s.scalars(select(m.Project).where(m.Project.id.in_(ids), m.Project.enabled.is_(True)))).all()
    return json_response(
        {
            "projects": [render.project(req.base_url, p) for p in found],
            "links": render.collection_links(req.base_url, "auth/projects"),
        }
    )


async def domains(svc: IdentityService, req: Request) -> Response:
    ids = await svc.roles.domain_ids(req.context.user_id or "")
    async with svc.db.reader() as s:
        found = (await s.scalars(select(m.Domain).where(m.Domain.id.in_(ids), m.Domain.enabled.is_(True)))).all()
    return json_response(
        {
            "domains": [render.domain(req.base_url, d) for d in found],
            "links": render.collection_links(req.base_url, "auth/domains"),
        }
    )


async def system(svc: IdentityService, req: Request) -> Response:
    roles = await svc.roles.effective(req.context.user_id or "", "system", "system")
    return json_response(
        {"system": [{"all": True}] if roles else [], "links": render.collection_links(req.base_url, "auth/system")}
    )


async def revocation_events(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_revoke_events")
    since = req.param("since")
    events = svc.revocations.events()
    if since:
        try:
            cutoff = parse_iso(since).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            raise Invalid(f"Invalid value for 'since': {since!r}") from None
        events = [e for e in events if e.issued_before >= cutoff]
    return json_response(
        {
            "events": [render.revocation_event(e) for e in events],
            "links": render.collection_links(req.base_url, "OS-REVOKE/events"),
        }
    )
