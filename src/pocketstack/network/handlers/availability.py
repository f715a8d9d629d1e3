"""/v2.0/network-ip-availabilities (admin only, as in Neutron)."""

from __future__ import annotations

from pocketstack.common.errors import NotFound
from pocketstack.network import policy
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import many, one
from pocketstack.network.objects import availability
from pocketstack.web.request import Request
from pocketstack.web.response import Response


async def index(deps: Deps, request: Request) -> Response:
    policy.enforce(request.context, "get_network_ip_availability")
    return many(request, "network_ip_availabilities", "Network", await availability.listing(deps.db))


async def show(deps: Deps, request: Request) -> Response:
    # Neutron's show of a thing its rule refuses: "not found", so nothing is revealed.
    network_id = request.path_params["network_id"]
    hidden = NotFound(f"Network {network_id} could not be found.")
    policy.enforce(request.context, "get_network_ip_availability", error=hidden)
    item = await availability.get(deps.db, request.path_params["network_id"])
    return one(request, "network_ip_availability", item)
