"""User messages (3.3+): list, show, delete."""

from __future__ import annotations

from typing import Any

from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import messages
from pocketstack.volume.api import policy
from pocketstack.volume.api.common import context, deps, require
from pocketstack.volume.models import Message
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _view(request: Request, msg: Message) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": msg.id,
        "event_id": msg.event_id,
        "user_message": msg.user_message,
        "message_level": msg.message_level,
        "created_at": iso_nozone(msg.created_at),
        "guaranteed_until": iso_nozone(msg.expires_at),
        "request_id": msg.request_id,
        "links": [
            {"rel": "self", "href": f"{request.base_url}/v3/messages/{msg.id}"},
            {"rel": "bookmark", "href": f"{request.base_url}/messages/{msg.id}"},
        ],
    }
    if msg.resource_type:
        out["resource_type"] = msg.resource_type
    if msg.resource_uuid:
        out["resource_uuid"] = msg.resource_uuid
    return out


async def index(request: Request) -> Response:
    require(request, 3)
    ctx = context(request)
    policy.reader(ctx, "message:get_all")
    async with deps(request).db.reader() as s:
        rows = await messages.list_messages(s, ctx)
    return json_response({"messages": [_view(request, m) for m in rows]})


async def show(request: Request) -> Response:
    require(request, 3)
    ctx = context(request)
    policy.reader(ctx, "message:get")
    async with deps(request).db.reader() as s:
        msg = await messages.get(s, ctx, request.path_params["message_id"])
    return json_response({"message": _view(request, msg)})


async def delete(request: Request) -> Response:
    require(request, 3)
    ctx = context(request)
    policy.writer(ctx, "message:delete")
    async with deps(request).db.writer() as s:
        msg = await messages.get(s, ctx, request.path_params["message_id"])
        await s.delete(msg)
    return empty(204)
