"""/v2.0/subnets"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.events import emit
from pocketstack.network.handlers.common import bodies_of, body_of, create_all, created, many, one
from pocketstack.network.objects import subnets
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "subnets", "Subnet", await subnets.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "subnet", await subnets.get(deps.db, request.context, request.path_params["subnet_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    items, bulk = await bodies_of(request, "subnet", "subnets", schemas.SUBNET_CREATE)
    for attrs in items:
        # create_subnet and its attribute rules are checked against the network (objects.subnets).
        attrs["project_id"] = policy.owner_project(ctx, "create_subnet", attrs)
    for attrs in items:
        await emit(deps, ctx, "subnet.create.start", {"subnet": attrs})
    made = await create_all(
        items,
        lambda attrs: subnets.create(deps.db, ctx, attrs["project_id"], attrs),
        lambda sub: subnets.delete_subnet(deps.db, ctx, sub["id"]),
    )
    for sub in made:
        await emit(deps, ctx, "subnet.create.end", {"subnet": sub})
    return created(request, "subnet", "subnets", made, bulk)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "subnet", schemas.SUBNET_UPDATE)
    subnet_id = request.path_params["subnet_id"]
    await emit(deps, ctx, "subnet.update.start", {"subnet": attrs, "id": subnet_id})
    sub = await subnets.update(deps.db, ctx, subnet_id, attrs)
    await emit(deps, ctx, "subnet.update.end", {"subnet": sub})
    return one(request, "subnet", sub)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    subnet_id = request.path_params["subnet_id"]
    await emit(deps, ctx, "subnet.delete.start", {"subnet_id": subnet_id})
    work = await subnets.delete_subnet(deps.db, ctx, subnet_id)
    await deps.binder.send(ctx, work)
    # The bound ports that lost their SLAAC address there: their servers' addresses changed.
    await deps.binder.ports_changed(ctx, [spec for _host, spec in work.plug])
    await emit(deps, ctx, "subnet.delete.end", {"subnet_id": subnet_id})
    return empty()
