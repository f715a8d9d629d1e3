"""The network API's route table (Neutron v2.0)."""

from __future__ import annotations

from functools import partial
from typing import Any

from pocketstack.network.deps import Deps
from pocketstack.network.handlers import discovery, networks, ports, subnets
from pocketstack.web.routing import Route


def routes(deps: Deps) -> list[Route]:
    def r(method: str, pattern: str, handler: Any, auth: bool = True) -> Route:
        return Route(method, pattern, partial(handler, deps), auth=auth)

    table = [
        r("GET", "/", discovery.versions, auth=False),
        r("GET", "/v2.0", discovery.resources),
        r("GET", "/v2.0/extensions", discovery.extensions),
        r("GET", "/v2.0/extensions/{alias}", discovery.extension),
    ]
    for collection, param, module in (
        ("networks", "network_id", networks),
        ("subnets", "subnet_id", subnets),
        ("ports", "port_id", ports),
    ):
        table += [
            r("GET", f"/v2.0/{collection}", module.index),
            r("POST", f"/v2.0/{collection}", module.create),
            r("GET", f"/v2.0/{collection}/{{{param}}}", module.show),
            r("PUT", f"/v2.0/{collection}/{{{param}}}", module.update),
            r("DELETE", f"/v2.0/{collection}/{{{param}}}", module.delete),
        ]
    return table
