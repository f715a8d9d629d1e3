"""Volume transfers: /os-volume-transfer (every microversion) and /volume-transfers
(3.55+, with no_snapshots); create (the auth key shown once), list (summary and
detail), show, delete, accept (by another project)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import transfers
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import all_projects, at_least, body, context, deps, page, require, to_bool
from pocketstack.volume.models import Transfer
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _collection(request: Request) -> str:
    return "volume-transfers" if "/volume-transfers" in request.path else "os-volume-transfer"


def _links(request: Request, transfer: Transfer) -> list[dict[str, str]]:
    name = _collection(request)
    return [
        {"rel": "self", "href": f"{request.base_url}/v3/{name}/{transfer.id}"},
        {"rel": "bookmark", "href": f"{request.base_url}/{name}/{transfer.id}"},
    ]


def _summary(request: Request, transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.id,
        "volume_id": transfer.volume_id,
        "name": transfer.name,
        "links": _links(request, transfer),
    }


def _detail(request: Request, transfer: Transfer) -> dict[str, Any]:
    out = {**_summary(request, transfer), "created_at": iso_nozone(transfer.created_at)}
    if at_least(request, 55):
        out["no_snapshots"] = transfer.no_snapshots
    if at_least(request, 57):
        out["destination_project_id"] = transfer.destination_project_id
        out["source_project_id"] = transfer.source_project_id
        out["accepted"] = transfer.accepted
    return out


def _new_api(request: Request) -> None:
    if _collection(request) == "volume-transfers":
        require(request, 55)


async def create(request: Request) -> Response:
    _new_api(request)
    ctx = context(request)
    policy.writer(ctx, "volume:create_transfer")
    data = (await body(request, schemas.TRANSFER_CREATE))["transfer"]
    if "no_snapshots" in data:
        require(request, 55)
    name = data.get("name")
    transfer, key = await transfers.create(
        deps(request),
        ctx,
        data["volume_id"],
        name.strip() if isinstance(name, str) else None,
        to_bool(data.get("no_snapshots", False), "no_snapshots"),
    )
    return json_response({"transfer": {**_detail(request, transfer), "auth_key": key}}, 202)


async def _list(request: Request, detail: bool) -> Response:
    _new_api(request)
    ctx = context(request)
    policy.reader(ctx, "volume:get_all_transfers")
    filters = {k: v for k in ("name", "volume_id", "id") if (v := request.param(k)) is not None}
    found = await transfers.list_transfers(
        deps(request), ctx, page(request, transfers.SORT_KEYS), all_projects(request), filters
    )
    view = _detail if detail else _summary
    return json_response({"transfers": [view(request, t) for t in found]})


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def show(request: Request) -> Response:
    _new_api(request)
    ctx = context(request)
    policy.reader(ctx, "volume:get_transfer")
    transfer = await transfers.get(deps(request), ctx, request.path_params["transfer_id"])
    return json_response({"transfer": _detail(request, transfer)})


async def delete(request: Request) -> Response:
    _new_api(request)
    ctx = context(request)
    policy.writer(ctx, "volume:delete_transfer")
    await transfers.delete(deps(request), ctx, request.path_params["transfer_id"])
    return empty(202)


async def accept(request: Request) -> Response:
    _new_api(request)
    ctx = context(request)
    policy.writer(ctx, "volume:accept_transfer")
    data = (await body(request, schemas.TRANSFER_ACCEPT))["accept"]
    transfer = await transfers.accept(deps(request), ctx, request.path_params["transfer_id"], data["auth_key"])
    return json_response({"transfer": _summary(request, transfer)}, 202)
