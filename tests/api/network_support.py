"""Helpers for the network API tests: the service in-process and a small client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from pocketstack.network.service import create
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services


class Api:
    """``await api.post("networks", {"network": {...}}, token="demo")`` etc., under /network/v2.0."""

    def __init__(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    async def call(
        self, method: str, path: str, body: Any = None, token: str = "demo", **params: Any
    ) -> httpx.Response:
        url = path if path.startswith("/") else f"/network/v2.0/{path}"
        return await self.client.request(method, url, json=body, headers=auth(token), params=params or None)

    async def get(self, path: str, token: str = "demo", **params: Any) -> httpx.Response:
        return await self.call("GET", path, None, token, **params)

    async def post(self, path: str, body: Any, token: str = "demo") -> httpx.Response:
        return await self.call("POST", path, body, token)

    async def put(self, path: str, body: Any, token: str = "demo") -> httpx.Response:
        return await self.call("PUT", path, body, token)

    async def delete(self, path: str, token: str = "demo") -> httpx.Response:
        return await self.call("DELETE", path, None, token)

    async def made(self, collection: str, key: str, token: str = "demo", **attrs: Any) -> dict[str, Any]:
        r = await self.post(collection, {key: attrs}, token)
        assert r.status_code == 201, r.text
        return dict(r.json()[key])

    async def network(self, token: str = "demo", **attrs: Any) -> dict[str, Any]:
        return await self.made("networks", "network", token, **attrs)

    async def subnet(
        self, network_id: str, cidr: str = "10.0.0.0/24", token: str = "demo", **attrs: Any
    ) -> dict[str, Any]:
        attrs.setdefault("ip_version", 6 if ":" in cidr else 4)
        return await self.made("subnets", "subnet", token, network_id=network_id, cidr=cidr, **attrs)

    async def port(self, network_id: str, token: str = "demo", **attrs: Any) -> dict[str, Any]:
        return await self.made("ports", "port", token, network_id=network_id, **attrs)

    async def net_with_subnet(
        self, cidr: str = "10.0.0.0/24", token: str = "demo", **subnet_attrs: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        net = await self.network(token, name="net")
        return net, await self.subnet(net["id"], cidr, token, **subnet_attrs)


def error(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"NeutronError"}, body
    assert set(body["NeutronError"]) == {"type", "message", "detail"}
    return dict(body["NeutronError"])


@asynccontextmanager
async def network_api(tmp_path: Path, **kw: Any) -> AsyncIterator[Api]:
    async with running_services([create], tmp_path, **kw) as (runtime, _services, client):
        yield Api(client, runtime)
