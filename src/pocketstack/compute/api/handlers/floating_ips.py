"""The floating IP proxy (os-floating-ips and os-floating-ip-pools until 2.36; the
addFloatingIp/removeFloatingIp server actions until 2.44): the network service's
floating IPs as nova-network showed them."""

from __future__ import annotations

import ipaddress
from typing import Any

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Instance
from pocketstack.web.paths import segment
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _gone(request: Request, minor: int = 36) -> None:
    if at_least(request, minor):
        raise NotFound("The resource could not be found.")


async def _pools(request: Request) -> list[dict[str, Any]]:
    found = await service(request).network.for_user(
        "GET", "/networks", request.context.auth_token, params={"router:external": "true"}
    )
    nets: list[dict[str, Any]] = found.get("networks", [])
    return nets


async def _view(request: Request, fip: dict[str, Any], pools: dict[str, str] | None = None) -> dict[str, Any]:
    """Nova's floating IP: its pool by name, the server behind its port."""
    if pools is None:
        pools = {n["id"]: n.get("name") or n["id"] for n in await _pools(request)}
    instance_id = None
    if fip.get("port_id"):
        try:
            port = await service(request).network.for_user(
                "GET", f"/ports/{segment(fip['port_id'])}", request.context.auth_token
            )
            instance_id = port["port"].get("device_id") or None
        except NotFound:
            instance_id = None
    return {
        "id": fip["id"],
        "ip": fip["floating_ip_address"],
        "fixed_ip": fip.get("fixed_ip_address"),
        "instance_id": instance_id,
        "pool": pools.get(fip.get("floating_network_id") or "", fip.get("floating_network_id")),
    }


async def _get(request: Request, fip_id: str) -> dict[str, Any]:
    if not fip_id:
        raise NotFound("The resource could not be found.")
    try:
        found = await service(request).network.for_user(
            "GET", f"/floatingips/{segment(fip_id)}", request.context.auth_token
        )
    except (NotFound, Invalid):
        raise NotFound(f"Floating IP not found for ID {fip_id}") from None
    fip: dict[str, Any] = found["floatingip"]
    return fip


async def index(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:os-floating-ips:list")
    _gone(request)
    found = await service(request).network.for_user(
        "GET", "/floatingips", ctx.auth_token, params={"project_id": ctx.project_id or ""}
    )
    pools = {n["id"]: n.get("name") or n["id"] for n in await _pools(request)}
    return json_response({"floating_ips": [await _view(request, f, pools) for f in found.get("floatingips", [])]})


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-floating-ips:show")
    _gone(request)
    return json_response({"floating_ip": await _view(request, await _get(request, request.path_params["fip_id"]))})


async def create(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-floating-ips:create")
    _gone(request)
    data = await body(request) if await request.body() else {}
    wanted = data.get("pool") if isinstance(data, dict) else None
    pools = await _pools(request)
    if wanted:
        pool = next((n for n in pools if wanted in (n["id"], n.get("name"))), None)
    else:
        pool = pools[0] if len(pools) == 1 else next((n for n in pools if n.get("is_default")), None)
    if pool is None:
        raise NotFound("Floating IP pool not found.")
    try:
        made = await service(request).network.for_user(
            "POST",
            "/floatingips",
            ctx.auth_token,
            json={"floatingip": {"floating_network_id": pool["id"], "project_id": ctx.project_id}},
        )
    except Conflict:
        raise NotFound(f"No more floating IPs in pool {pool.get('name')}.") from None
    names = {n["id"]: n.get("name") or n["id"] for n in pools}
    return json_response({"floating_ip": await _view(request, made["floatingip"], names)})


async def delete(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-floating-ips:delete")
    _gone(request)
    fip = await _get(request, request.path_params["fip_id"])
    await service(request).network.for_user("DELETE", f"/floatingips/{segment(fip['id'])}", request.context.auth_token)
    return empty(202)


async def pools_index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-floating-ip-pools:list")
    _gone(request)
    return json_response({"floating_ip_pools": [{"name": n.get("name") or n["id"]} for n in await _pools(request)]})


async def _by_address(request: Request, address: Any) -> dict[str, Any]:
    if not isinstance(address, str) or not address:
        raise Invalid("Invalid input for field/attribute address: an IP address is required")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise Invalid(f"Invalid input for field/attribute address. Value: {address}. Not a valid IP address") from None
    found = await service(request).network.for_user(
        "GET", "/floatingips", request.context.auth_token, params={"floating_ip_address": address}
    )
    fips: list[dict[str, Any]] = found.get("floatingips", [])
    if not fips:
        raise NotFound(f"Floating IP not found for address {address}.")
    return fips[0]


async def add(request: Request, inst: Instance, args: Any) -> Response:
    """addFloatingIp: the floating IP onto the server's port that has ``fixed_address``
    (or its first IPv4 address); moved from another server if it was elsewhere."""
    _gone(request, 44)
    args = args if isinstance(args, dict) else {}
    fip = await _by_address(request, args.get("address"))
    fixed = args.get("fixed_address")
    ports = await service(request).network.ports_of(inst.uuid, request.context.auth_token)
    choice = None
    for port in ports:
        for ip in port.get("fixed_ips", []):
            if (fixed is None and ipaddress.ip_address(ip["ip_address"]).version == 4) or ip["ip_address"] == fixed:
                choice = (port["id"], ip["ip_address"])
                break
        if choice:
            break
    if choice is None:
        if fixed:
            raise Invalid(f"Specified fixed address {fixed} not assigned to instance")
        raise Invalid("No fixed IPs associated to instance")
    try:
        await service(request).network.for_user(
            "PUT",
            f"/floatingips/{segment(fip['id'])}",
            request.context.auth_token,
            json={"floatingip": {"port_id": choice[0], "fixed_ip_address": choice[1]}},
        )
    except (Conflict, NotFound) as exc:
        raise Invalid(f"Unable to associate floating IP {fip['floating_ip_address']}: {exc.message}") from None
    return empty(202)


async def remove(request: Request, inst: Instance, args: Any) -> Response:
    """removeFloatingIp: only from the server it is on (409 otherwise, as Nova)."""
    _gone(request, 44)
    args = args if isinstance(args, dict) else {}
    fip = await _by_address(request, args.get("address"))
    view = await _view(request, fip, {})
    if view["instance_id"] != inst.uuid:
        raise Conflict(f"Floating IP {fip['floating_ip_address']} is not associated with instance {inst.uuid}.")
    await service(request).network.for_user(
        "PUT", f"/floatingips/{segment(fip['id'])}", request.context.auth_token, json={"floatingip": {"port_id": None}}
    )
    return empty(202)
