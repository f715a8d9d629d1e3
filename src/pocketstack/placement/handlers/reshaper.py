"""POST /reshaper (microversion 1.30): inventories and allocations changed together."""

from __future__ import annotations

from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.handlers.allocations import consumer_write
from pocketstack.placement.handlers.inventories import build_inventory
from pocketstack.placement.objects import reshaper
from pocketstack.placement.versions import version
from pocketstack.web.request import Request
from pocketstack.web.response import Response


async def reshape(request: Request) -> Response:
    common.need(request, "1.30")
    common.authorize(request, "placement:reshaper:reshape")
    data = await common.body(request, schemas.reshaper(version(request).minor))
    new_inventories = {
        common.check_uuid(rp, "resource provider uuid"): (
            body["resource_provider_generation"],
            {rc: build_inventory(request, rc, fields) for rc, fields in body["inventories"].items()},
        )
        for rp, body in data["inventories"].items()
    }
    writes = [consumer_write(request, consumer, body) for consumer, body in data["allocations"].items()]
    async with common.db(request).writer() as session:
        await reshaper.reshape(session, new_inventories, writes)
    return common.no_content(request)
