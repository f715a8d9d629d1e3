"""/resource_providers/{uuid}/inventories[/{resource_class}]."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import NotFound
from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import inventories, providers
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response


def _view(inv: inventories.Inventory, generation: int | None = None) -> dict[str, Any]:
    data = inv.to_dict()
    if generation is not None:
        data["resource_provider_generation"] = generation
    return data


def build_inventory(request: Request, rc: str, data: dict[str, Any]) -> inventories.Inventory:
    return inventories.build(rc, data, reserved_may_equal_total=at_least(request, "1.26"))


async def list_inventories(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:list")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        invs = await inventories.get_all(session, p.id)
    return common.respond(
        request,
        {
            "inventories": {rc: inv.to_dict() for rc, inv in invs.items()},
            "resource_provider_generation": p.generation,
        },
        modified=p.updated_at,
    )


async def replace_inventories(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:update")
    data = await common.body(request, schemas.INVENTORIES_PUT)
    new = {rc: build_inventory(request, rc, fields) for rc, fields in data["inventories"].items()}
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await inventories.replace_all(session, p, data["resource_provider_generation"], new)
        invs = await inventories.get_all(session, p.id)
    return common.respond(
        request,
        {
            "inventories": {rc: inv.to_dict() for rc, inv in invs.items()},
            "resource_provider_generation": p.generation,
        },
    )


async def delete_inventories(request: Request) -> Response:
    common.need(request, "1.5")
    common.authorize(request, "placement:resource_providers:inventories:delete")
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await inventories.delete_all(session, p)
    return common.no_content(request)


async def create_inventory(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:create")
    data = await common.body(request, schemas.INVENTORY_POST)
    inv = build_inventory(request, data["resource_class"], data)
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await inventories.set_one(session, p, data["resource_provider_generation"], inv, must_exist=False)
    location = f"{common.prefix(request)}/resource_providers/{p.uuid}/inventories/{inv.resource_class}"
    return common.respond(request, _view(inv, p.generation), 201, headers=[("location", location)])


async def show_inventory(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:show")
    rc = request.path_params["resource_class"]
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        invs = await inventories.get_all(session, p.id)
    if rc not in invs:
        raise NotFound(f"No inventory of class {rc} for {p.uuid}")
    return common.respond(request, _view(invs[rc], p.generation), modified=p.updated_at)


async def update_inventory(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:update")
    data = await common.body(request, schemas.INVENTORY_PUT)
    inv = build_inventory(request, request.path_params["resource_class"], data)
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await inventories.set_one(session, p, data["resource_provider_generation"], inv, must_exist=True)
    return common.respond(request, _view(inv, p.generation))


async def delete_inventory(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:inventories:delete")
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await inventories.delete_one(session, p, request.path_params["resource_class"])
    return common.no_content(request)
