"""/v2.0/networks"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.events import emit
from pocketstack.network.handlers.common import bodies_of, body_of, create_all, created, many, one
from pocketstack.network.objects import networks
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

# Admin-only attributes and their defaults (a member may send the default).
_ADMIN_ONLY = {
    "shared": False,
    "router:external": False,
    "is_default": False,
    "provider:network_type": policy.NO_DEFAULT,
    "provider:physical_network": policy.NO_DEFAULT,
    "provider:segmentation_id": policy.NO_DEFAULT,
}


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "networks", "Network", await networks.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "network", await networks.get(deps.db, request.context, request.path_params["network_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    items, bulk = await bodies_of(request, "network", "networks", schemas.NETWORK_CREATE)
    for attrs in items:
        attrs["project_id"] = policy.owner_project(ctx, "create_network", attrs)
        target = policy.network_target(
            attrs["project_id"], bool(attrs.get("shared", False)), bool(attrs.get("router:external", False))
        )
        policy.enforce(ctx, "create_network", target)
        policy.check_attributes(ctx, "create_network", attrs, _ADMIN_ONLY, target, create=True)
    for attrs in items:
        await emit(deps, ctx, "network.create.start", {"network": attrs})
    made = await create_all(
        items,
        lambda attrs: networks.create(deps.db, ctx, attrs["project_id"], attrs),
        lambda net: networks.delete_network(deps.db, ctx, net["id"]),
    )
    for net in made:
        await emit(deps, ctx, "network.create.end", {"network": net})
    return created(request, "network", "networks", made, bulk)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    network_id = request.path_params["network_id"]
    attrs = await body_of(request, "network", schemas.NETWORK_UPDATE)
    target = await networks.find_target(deps.db, ctx, network_id)
    policy.enforce(ctx, "update_network", target)
    policy.check_attributes(ctx, "update_network", attrs, _ADMIN_ONLY, target, create=False)
    await emit(deps, ctx, "network.update.start", {"network": attrs, "id": network_id})
    net = await networks.update(deps.db, ctx, network_id, attrs)
    await emit(deps, ctx, "network.update.end", {"network": net})
    return one(request, "network", net)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    network_id = request.path_params["network_id"]
    await emit(deps, ctx, "network.delete.start", {"network_id": network_id})
    removed = await networks.delete_network(deps.db, ctx, network_id)
    await deps.binder.network_deleted(ctx, network_id, removed)
    await emit(deps, ctx, "network.delete.end", {"network_id": network_id})
    return empty()
