"""/v2.0/networks"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import networks
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

_ADMIN_ONLY = (
    "shared",
    "router:external",
    "is_default",
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
)


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "networks", "Network", await networks.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "network", await networks.get(deps.db, request.context, request.path_params["network_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "create_network")
    attrs = await body_of(request, "network", schemas.NETWORK_CREATE)
    policy.admin_attributes(ctx, "create_network", attrs, _ADMIN_ONLY)
    project = policy.owner_project(ctx, "create_network", attrs)
    return one(request, "network", await networks.create(deps.db, ctx, project, attrs), 201)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "update_network")
    attrs = await body_of(request, "network", schemas.NETWORK_UPDATE)
    policy.admin_attributes(ctx, "update_network", attrs, _ADMIN_ONLY)
    return one(request, "network", await networks.update(deps.db, ctx, request.path_params["network_id"], attrs))


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "delete_network")
    removed = await networks.delete_network(deps.db, ctx, request.path_params["network_id"])
    await deps.binder.network_deleted(ctx, request.path_params["network_id"], removed)
    return empty()
