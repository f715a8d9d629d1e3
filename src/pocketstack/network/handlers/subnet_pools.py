"""/v2.0/subnetpools"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import subnet_pools
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

# Attributes with rules of their own and their defaults (a member may send the default).
_CREATE_ATTRIBUTES = {"shared": False, "is_default": False}
_UPDATE_ATTRIBUTES = {"is_default": False}


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "subnetpools", "SubnetPool", await subnet_pools.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    pool = await subnet_pools.get(deps.db, request.context, request.path_params["subnetpool_id"])
    return one(request, "subnetpool", pool)


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "subnetpool", schemas.SUBNETPOOL_CREATE)
    project = policy.owner_project(ctx, "create_subnetpool", attrs)
    target = policy.owned(project, shared=bool(attrs.get("shared", False)))
    policy.enforce(ctx, "create_subnetpool", target)
    policy.check_attributes(ctx, "create_subnetpool", attrs, _CREATE_ATTRIBUTES, target, create=True)
    return one(request, "subnetpool", await subnet_pools.create(deps.db, ctx, project, attrs), 201)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    pool_id = request.path_params["subnetpool_id"]
    attrs = await body_of(request, "subnetpool", schemas.SUBNETPOOL_UPDATE)
    target = await subnet_pools.find_target(deps.db, ctx, pool_id)
    policy.enforce(ctx, "update_subnetpool", target)
    policy.check_attributes(ctx, "update_subnetpool", attrs, _UPDATE_ATTRIBUTES, target, create=False)
    pool = await subnet_pools.update(deps.db, ctx, pool_id, attrs)
    return one(request, "subnetpool", pool)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    await subnet_pools.delete_pool(deps.db, ctx, request.path_params["subnetpool_id"])
    return empty()
