"""The network proxies (os-networks and os-tenant-networks, until 2.36; read only, as
Nova with Neutron): the network service's networks by id and name ("label"). Nova
fills nothing else from Neutron, so the nova-network fields are null."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import NotFound
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, service
from pocketstack.web.paths import segment
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

_FIELDS = ("cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6", "gateway_v6", "netmask_v6")
_ADMIN_FIELDS = (
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
    "injected",
    "bridge",
    "vlan",
    "vpn_public_address",
    "vpn_public_port",
    "vpn_private_address",
    "dhcp_start",
    "project_id",
    "host",
    "bridge_interface",
    "multi_host",
    "priority",
    "rxtx_base",
    "mtu",
    "dhcp_server",
    "enable_dhcp",
    "share_address",
)


def _gone(request: Request) -> None:
    if at_least(request, 36):
        raise NotFound("The resource could not be found.")


async def _networks(request: Request) -> list[dict[str, Any]]:
    found = await service(request).network.for_user("GET", "/networks", request.context.auth_token)
    nets: list[dict[str, Any]] = found.get("networks", [])
    return nets


async def _network(request: Request) -> dict[str, Any]:
    ident = request.path_params["network_id"]
    if not ident:
        raise NotFound("The resource could not be found.")
    try:
        found = await service(request).network.for_user(
            "GET", f"/networks/{segment(ident)}", request.context.auth_token
        )
    except NotFound:
        raise NotFound(f"Network {ident} could not be found.") from None
    net: dict[str, Any] = found["network"]
    return net


def _view(request: Request, net: dict[str, Any]) -> dict[str, Any]:
    fields = _FIELDS + (_ADMIN_FIELDS if request.context.is_admin else ())
    return {"id": net["id"], "label": net.get("name") or "", **dict.fromkeys(fields)}


def _tenant_view(net: dict[str, Any]) -> dict[str, Any]:
    return {"id": net["id"], "label": net.get("name") or "", "cidr": None}


async def index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-networks:list")
    _gone(request)
    return json_response({"networks": [_view(request, n) for n in await _networks(request)]})


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-networks:show")
    _gone(request)
    return json_response({"network": _view(request, await _network(request))})


async def tenant_index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-tenant-networks:list")
    _gone(request)
    return json_response({"networks": [_tenant_view(n) for n in await _networks(request)]})


async def tenant_show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-tenant-networks:show")
    _gone(request)
    return json_response({"network": _tenant_view(await _network(request))})
