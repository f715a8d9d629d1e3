"""/resource_providers/{uuid}/aggregates (1.1+; generation-checked from 1.19)."""

from __future__ import annotations

from typing import Any

from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import aggregates, providers
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response


def _view(request: Request, aggs: list[str], generation: int) -> dict[str, Any]:
    out: dict[str, Any] = {"aggregates": aggs}
    if at_least(request, "1.19"):
        out["resource_provider_generation"] = generation
    return out


async def show(request: Request) -> Response:
    common.need(request, "1.1")
    common.authorize(request, "placement:resource_providers:aggregates:list")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        aggs = await aggregates.of_provider(session, p.id)
    return common.respond(request, _view(request, aggs, p.generation), modified=p.updated_at)


async def put(request: Request) -> Response:
    common.need(request, "1.1")
    common.authorize(request, "placement:resource_providers:aggregates:update")
    if at_least(request, "1.19"):
        data = await common.body(request, schemas.PROVIDER_AGGREGATES)
        wanted, generation = data["aggregates"], data["resource_provider_generation"]
    else:
        wanted, generation = await common.body(request, schemas.AGGREGATE_LIST), None
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await aggregates.set_aggregates(session, p, generation, wanted)
        aggs = await aggregates.of_provider(session, p.id)
    return common.respond(request, _view(request, aggs, p.generation))
