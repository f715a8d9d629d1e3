"""/v2.0/ports, including binding a port to a host (``binding:host_id``, admins and services)."""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import ports
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

_ADMIN_ONLY = ("binding:host_id", "binding:profile")
# Filters the database can apply directly; every other filter is applied to the results.
_NARROW = ("network_id", "device_id")


async def index(deps: Deps, request: Request) -> Response:
    narrow = {k: v[0] for k in _NARROW if len(v := request.params(k)) == 1}
    return many(request, "ports", "Port", await ports.listing(deps.db, request.context, narrow))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "port", await ports.get(deps.db, request.context, request.path_params["port_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "create_port")
    attrs = await body_of(request, "port", schemas.PORT_CREATE)
    policy.admin_attributes(ctx, "create_port", attrs, _ADMIN_ONLY, services=True)
    project = policy.owner_project(ctx, "create_port", attrs)
    port, work = await ports.create(deps.db, ctx, project, attrs)
    await deps.binder.send(ctx, work)
    return one(request, "port", port, 201)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "update_port")
    attrs = await body_of(request, "port", schemas.PORT_UPDATE)
    policy.admin_attributes(ctx, "update_port", attrs, _ADMIN_ONLY, services=True)
    policy.admin_attributes(ctx, "update_port", attrs, ("mac_address",))
    port, work = await ports.update(deps.db, ctx, request.path_params["port_id"], attrs)
    await deps.binder.send(ctx, work)
    return one(request, "port", port)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    policy.require_writer(ctx, "delete_port")
    removed, work = await ports.delete_port(deps.db, ctx, request.path_params["port_id"])
    await deps.binder.send(ctx, work)
    await deps.binder.port_deleted(ctx, removed)
    return empty()
