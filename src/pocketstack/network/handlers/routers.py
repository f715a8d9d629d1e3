"""/v2.0/routers and add/remove_router_interface"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid
from pocketstack.network import faults, policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import routers
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

_GATEWAY_ADMIN_ONLY = {"external_fixed_ips": policy.NO_DEFAULT, "enable_snat": policy.NO_DEFAULT}


async def index(deps: Deps, request: Request) -> Response:
    return many(request, "routers", "Router", await routers.listing(deps.db, request.context))


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "router", await routers.get(deps.db, request.context, request.path_params["router_id"]))


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "router", schemas.ROUTER_CREATE)
    project = policy.owner_project(ctx, "create_router", attrs)
    policy.enforce(ctx, "create_router", policy.owned(project))
    _gateway_policy(ctx, attrs, "create_router", policy.owned(project))
    router = await routers.create(deps.db, ctx, project, attrs)
    await deps.binder.router_changed(ctx, router["id"])
    return one(request, "router", router, 201)


def _gateway_policy(ctx: RequestContext, attrs: dict[str, object], action: str, target: dict[str, object]) -> None:
    info = attrs.get("external_gateway_info")
    if isinstance(info, dict):
        # Sub-attributes of the gateway: Neutron checks them whenever present, whatever the value.
        rule = f"{action}:external_gateway_info"
        policy.check_attributes(ctx, rule, info, _GATEWAY_ADMIN_ONLY, target, create=False)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    router_id = request.path_params["router_id"]
    attrs = await body_of(request, "router", schemas.ROUTER_UPDATE)
    target = await routers.find_target(deps.db, ctx, router_id)
    policy.enforce(ctx, "update_router", target)
    _gateway_policy(ctx, attrs, "update_router", target)
    router = await routers.update(deps.db, ctx, router_id, attrs)
    await deps.binder.router_changed(ctx, router["id"])
    return one(request, "router", router)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    await routers.delete_router(deps.db, ctx, request.path_params["router_id"])
    await deps.binder.router_changed(ctx, request.path_params["router_id"])
    return empty()


async def _interface_body(request: Request) -> dict[str, object]:
    data = await request.json()
    if not isinstance(data, dict):
        raise faults.bad_request("router", "the body must be an object with subnet_id or port_id")
    try:
        validate(schemas.ROUTER_INTERFACE, data)
    except Invalid as exc:
        raise faults.bad_input("HTTPBadRequest", exc.message) from None
    return data


async def add_interface(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await _interface_body(request)
    info = await routers.add_interface(deps.db, ctx, request.path_params["router_id"], attrs)
    await deps.binder.router_changed(ctx, info["id"])
    return json_response(info)


async def remove_interface(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await _interface_body(request)
    info = await routers.remove_interface(deps.db, ctx, request.path_params["router_id"], attrs)
    await deps.binder.router_changed(ctx, info["id"])
    return json_response(info)
