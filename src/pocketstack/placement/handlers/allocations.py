"""/allocations/{consumer_uuid}, POST /allocations and /resource_providers/{uuid}/allocations."""

from __future__ import annotations

from typing import Any

from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import allocations, claims, providers
from pocketstack.placement.versions import at_least, version
from pocketstack.web.request import Request
from pocketstack.web.response import Response


def consumer_write(request: Request, consumer: str, data: dict[str, Any]) -> allocations.ConsumerWrite:
    """A request body (either allocation form) as the domain's ConsumerWrite."""
    raw = data["allocations"]
    if isinstance(raw, list):
        allocs: dict[str, dict[str, int]] = {}
        for item in raw:
            rp = item["resource_provider"]["uuid"]
            merged = allocs.setdefault(rp, {})
            for rc, n in item["resources"].items():
                merged[rc] = merged.get(rc, 0) + n
    else:
        allocs = {common.check_uuid(rp, "resource provider uuid"): dict(v["resources"]) for rp, v in raw.items()}
    w = allocations.ConsumerWrite(common.check_uuid(consumer, "consumer uuid"), allocs)
    if "project_id" in data:
        w.project_id, w.user_id = data["project_id"], data["user_id"]
    if at_least(request, "1.28"):
        w.check_generation = True
        w.consumer_generation = data.get("consumer_generation")
    w.consumer_type = data.get("consumer_type")
    return w


async def put(request: Request) -> Response:
    common.authorize(request, "placement:allocations:update")
    data = await common.body(request, schemas.allocations_put(version(request).minor))
    w = consumer_write(request, request.path_params["consumer_uuid"], data)
    async with common.db(request).writer() as session:
        await claims.write(session, [w])
    return common.no_content(request)


async def post(request: Request) -> Response:
    common.need(request, "1.13")
    common.authorize(request, "placement:allocations:manage")
    data = await common.body(request, schemas.allocations_post(version(request).minor))
    writes = [consumer_write(request, consumer, body) for consumer, body in data.items()]
    async with common.db(request).writer() as session:
        await claims.write(session, writes)
    return common.no_content(request)


async def show(request: Request) -> Response:
    common.authorize(request, "placement:allocations:list")
    async with common.db(request).reader() as session:
        view = await allocations.for_consumer(session, request.path_params["consumer_uuid"])
    if view is None or not view.allocations:
        return common.respond(request, {"allocations": {}})
    out: dict[str, Any] = {"allocations": view.allocations}
    if at_least(request, "1.12"):
        out["project_id"], out["user_id"] = view.project_id, view.user_id
    if at_least(request, "1.28"):
        out["consumer_generation"] = view.generation
    if at_least(request, "1.38"):
        out["consumer_type"] = view.consumer_type or "unknown"
    return common.respond(request, out)


async def delete(request: Request) -> Response:
    common.authorize(request, "placement:allocations:delete")
    async with common.db(request).writer() as session:
        await allocations.delete_consumer(session, request.path_params["consumer_uuid"])
    return common.no_content(request)


async def for_provider(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:allocations:list")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        held = await allocations.for_provider(session, p.id)
    return common.respond(
        request,
        {
            "allocations": {c: {"resources": res} for c, res in held.items()},
            "resource_provider_generation": p.generation,
        },
        modified=p.updated_at,
    )
