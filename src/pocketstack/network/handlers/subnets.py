"""/v2.0/subnets"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import bodies_of, body_of, create_all, created, many, one
from pocketstack.network.objects import subnets
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

# Admin-only attributes and their defaults: segments and service types are accepted and
# ignored here (neither is built), but only admins may send them, as in Neutron.
_ADMIN_ONLY = {"segment_id": None, "service_types": policy.NO_DEFAULT}


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "subnets", "Subnet", await subnets.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "subnet", await subnets.get(deps.db, request.context, request.path_params["subnet_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "create_subnet")
    items, bulk = await bodies_of(request, "subnet", "subnets", schemas.SUBNET_CREATE)
    for attrs in items:
        policy.admin_attributes(ctx, "create_subnet", attrs, _ADMIN_ONLY, create=True)
        attrs["project_id"] = policy.owner_project(ctx, "create_subnet", attrs)
    made = await create_all(
        items,
        lambda attrs: subnets.create(deps.db, ctx, attrs["project_id"], attrs),
        lambda sub: subnets.delete_subnet(deps.db, ctx, sub["id"]),
    )
    return created(request, "subnet", "subnets", made, bulk)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "update_subnet")
    attrs = await body_of(request, "subnet", schemas.SUBNET_UPDATE)
    return one(request, "subnet", await subnets.update(deps.db, ctx, request.path_params["subnet_id"], attrs))


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "delete_subnet")
    work = await subnets.delete_subnet(deps.db, ctx, request.path_params["subnet_id"])
    await deps.binder.send(ctx, work)
    # The bound ports that lost their SLAAC address there: their servers' addresses changed.
    await deps.binder.ports_changed(ctx, [spec for _host, spec in work.plug])
    return empty()
