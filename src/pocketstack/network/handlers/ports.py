"""/v2.0/ports, including binding a port to a host (``binding:host_id``, admins and services)."""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.events import emit
from pocketstack.network.handlers.common import bodies_of, body_of, create_all, created, many, one
from pocketstack.network.objects import ports
from pocketstack.network.objects.ports import AgentWork
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

# Filters the database can apply directly; every other filter is applied to the results.
_NARROW = ("network_id", "device_id")


async def index(deps: Deps, request: Request) -> Response:
    narrow = {k: v[0] for k in _NARROW if len(v := request.params(k)) == 1}
    return many(request, "ports", "Port", await ports.listing(deps.db, request.context, narrow))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "port", await ports.get(deps.db, request.context, request.path_params["port_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    items, bulk = await bodies_of(request, "port", "ports", schemas.PORT_CREATE)
    for attrs in items:
        # create_port and its attribute rules are checked against the network (objects.ports).
        attrs["project_id"] = policy.owner_project(ctx, "create_port", attrs)

    async def undo(made: tuple[dict[str, object], AgentWork]) -> None:
        # Nothing was sent to a host yet: the agent work of the delete is moot.
        await ports.delete_port(deps.db, ctx, str(made[0]["id"]))

    for attrs in items:
        await emit(deps, ctx, "port.create.start", {"port": attrs})
    made = await create_all(items, lambda attrs: ports.create(deps.db, ctx, attrs["project_id"], attrs), undo)
    for port, work in made:
        await deps.binder.send(ctx, work)
        await emit(deps, ctx, "port.create.end", {"port": port})
    return created(request, "port", "ports", [port for port, _work in made], bulk)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "port", schemas.PORT_UPDATE)
    port_id = request.path_params["port_id"]
    await emit(deps, ctx, "port.update.start", {"port": attrs, "id": port_id})
    port, work = await ports.update(deps.db, ctx, port_id, attrs)
    await deps.binder.send(ctx, work)
    if "fixed_ips" in attrs:
        # A server's addresses changed under it: compute refreshes them (Neutron's Nova notifier).
        await deps.binder.ports_changed(ctx, [port])
    await emit(deps, ctx, "port.update.end", {"port": port})
    return one(request, "port", port)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    port_id = request.path_params["port_id"]
    await emit(deps, ctx, "port.delete.start", {"port_id": port_id})
    removed, work = await ports.delete_port(deps.db, ctx, port_id)
    await deps.binder.send(ctx, work)
    await deps.binder.port_deleted(ctx, removed)
    await emit(deps, ctx, "port.delete.end", {"port_id": port_id})
    return empty()
