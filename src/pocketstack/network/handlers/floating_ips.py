"""/v2.0/floatingips"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import floating_ips
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

# Choosing the address is for admins and project managers (create_floatingip:floating_ip_address).
_ADMIN_ONLY = {"floating_ip_address": policy.NO_DEFAULT}


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "floatingips", "FloatingIP", await floating_ips.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    fip = await floating_ips.get(deps.db, request.context, request.path_params["floatingip_id"])
    return one(request, "floatingip", fip)


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "floatingip", schemas.FLOATINGIP_CREATE)
    project = policy.owner_project(ctx, "create_floatingip", attrs)
    policy.enforce(ctx, "create_floatingip", policy.owned(project))
    policy.check_attributes(ctx, "create_floatingip", attrs, _ADMIN_ONLY, policy.owned(project), create=True)
    fip = await floating_ips.create(deps.db, ctx, project, attrs)
    if fip["router_id"]:
        await deps.binder.router_changed(ctx, fip["router_id"])
    if fip["port_details"]:
        await deps.binder.ports_changed(ctx, [{"id": fip["port_id"], **fip["port_details"]}])
    return one(request, "floatingip", fip, 201)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "floatingip", schemas.FLOATINGIP_UPDATE)
    fip, changed, touched = await floating_ips.update(deps.db, ctx, request.path_params["floatingip_id"], attrs)
    for router_id in changed:
        await deps.binder.router_changed(ctx, router_id)
    await deps.binder.ports_changed(ctx, touched)
    return one(request, "floatingip", fip)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    router_id, touched = await floating_ips.delete_fip(deps.db, ctx, request.path_params["floatingip_id"])
    if router_id:
        await deps.binder.router_changed(ctx, router_id)
    await deps.binder.ports_changed(ctx, touched)
    return empty()
