"""``/v3/OS-OAUTH1/consumers``: OAuth1 consumers (the secret is returned once, at creation).

The delegation flow itself is in ``handlers/oauth1.py``; deleting a consumer deletes
its request and access tokens and ends the tokens issued with them.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.identity.revocation import Event
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


async def list_(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "list_consumers")
    async with svc.db.reader() as s:
        rows = (await s.scalars(select(m.OAuthConsumer).order_by(m.OAuthConsumer.id))).all()
    return json_response(
        {
            "consumers": [render.consumer(req.base_url, x) for x in rows],
            "links": render.collection_links(req.base_url, "OS-OAUTH1/consumers"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_consumer")
    async with svc.db.reader() as s:
        found = await get_or_404(s, m.OAuthConsumer, req.path_params["consumer_id"])
    return json_response({"consumer": render.consumer(req.base_url, found)})


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_consumer")
    data = validate(schemas.CONSUMER_CREATE, await req.json())["consumer"]
    secret = secrets.token_urlsafe(24)
    async with svc.db.writer() as s:
        row = m.OAuthConsumer(
            description=data.get("description"),
            secret=secret,
            extra={k: v for k, v in data.items() if k != "description"},
        )
        s.add(row)
    return json_response({"consumer": {**render.consumer(req.base_url, row), "secret": secret}}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_consumer")
    data = validate(schemas.CONSUMER_UPDATE, await req.json())["consumer"]
    async with svc.db.writer() as s:
        row = await get_or_404(s, m.OAuthConsumer, req.path_params["consumer_id"])
        if "description" in data:
            row.description = data["description"]
        extra = {k: v for k, v in data.items() if k != "description"}
        if extra:
            row.extra = {**(row.extra or {}), **extra}
    return json_response({"consumer": render.consumer(req.base_url, row)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_consumer")
    consumer_id = req.path_params["consumer_id"]
    async with svc.db.writer() as s:
        await s.delete(await get_or_404(s, m.OAuthConsumer, consumer_id))
        A = m.OAuthAccessToken
        gone = list((await s.scalars(select(A.id).where(A.consumer_id == consumer_id))).all())
        await s.execute(sql_delete(A).where(A.consumer_id == consumer_id))
        await s.execute(sql_delete(m.OAuthRequestToken).where(m.OAuthRequestToken.consumer_id == consumer_id))
    # The consumer's access tokens go, and the tokens issued with them.
    for access_token_id in gone:
        await svc.revoke(Event(issued_before=time.time(), access_token_id=access_token_id))
    return empty(204)
