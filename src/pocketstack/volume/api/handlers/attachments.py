"""The attachments API (3.27+; complete from 3.44): how compute attaches volumes."""

from __future__ import annotations

from pocketstack.common.errors import Invalid
from pocketstack.volume import attachments
from pocketstack.volume.api import policy, schemas, views
from pocketstack.volume.api.common import all_projects, body, context, deps, require
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


async def create(request: Request) -> Response:
    require(request, 27)
    ctx = context(request)
    policy.writer(ctx, "volume:attachment_create")
    data = (await body(request, schemas.ATTACHMENT_CREATE))["attachment"]
    mode = data.get("mode", "rw")
    if "mode" in data:
        require(request, 54)
    att = await attachments.create(
        deps(request), ctx, data["volume_uuid"], data.get("instance_uuid"), connector=data.get("connector"), mode=mode
    )
    return json_response({"attachment": views.attachment(att)})


async def update(request: Request) -> Response:
    require(request, 27)
    ctx = context(request)
    policy.writer(ctx, "volume:attachment_update")
    data = (await body(request, schemas.ATTACHMENT_UPDATE))["attachment"]
    att = await attachments.update(deps(request), ctx, request.path_params["attachment_id"], data["connector"])
    return json_response({"attachment": views.attachment(att)})


async def delete(request: Request) -> Response:
    require(request, 27)
    ctx = context(request)
    policy.writer(ctx, "volume:attachment_delete")
    left = await attachments.delete(deps(request), ctx, request.path_params["attachment_id"])
    return json_response({"attachments": [views.attachment_summary(a) for a in left]})


async def action(request: Request) -> Response:
    require(request, 44)
    ctx = context(request)
    policy.writer(ctx, "volume:attachment_complete")
    data = await request.json()
    if not isinstance(data, dict) or list(data) != ["os-complete"]:
        raise Invalid("Invalid input received: the only attachment action is os-complete.")
    await attachments.complete(deps(request), ctx, request.path_params["attachment_id"])
    from pocketstack.web.response import empty

    return empty(204)


async def show(request: Request) -> Response:
    require(request, 27)
    ctx = context(request)
    att = await attachments.get(deps(request), ctx, request.path_params["attachment_id"])
    return json_response({"attachment": views.attachment(att)})


async def _list(request: Request, detail: bool) -> Response:
    require(request, 27)
    ctx = context(request)
    filters = {k: v for k in ("volume_id", "instance_id", "status") if (v := request.param(k)) is not None}
    rows = await attachments.list_attachments(deps(request), ctx, filters, all_projects(request))
    shape = views.attachment if detail else views.attachment_summary
    return json_response({"attachments": [shape(a) for a in rows]})


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)
