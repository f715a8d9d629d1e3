"""An httpx transport for a process that serves only some of the cloud's services.

Internal calls name a service by their path's first segment (``/image/v2/...``). The
services this process serves are called in-process (``InProcessTransport``); the others
go over HTTP to the base URL ``[endpoints]`` gives for them (scheme, host and port: a
service is served at its prefix there), with one connection pool shared by every client
the runtime makes.
"""

from __future__ import annotations

from typing import Any

import httpx

from pocketstack.web.transport import InProcessTransport


class RoutingTransport(httpx.AsyncBaseTransport):
    def __init__(self, local_app: Any, local: set[str], remote: dict[str, str], verify: str | bool = True) -> None:
        self.local = InProcessTransport(local_app)
        self.local_prefixes = set(local)
        # prefix -> parsed base URL of the process serving it
        self.remote = {prefix: httpx.URL(base) for prefix, base in remote.items()}
        # verify: a CA file (the cloud's self-signed certificate) or True for the system's CAs.
        self.network = httpx.AsyncHTTPTransport(
            verify=verify, limits=httpx.Limits(max_connections=64, max_keepalive_connections=16)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        prefix = path.split("/", 2)[1] if path.startswith("/") else ""
        if prefix in self.local_prefixes or prefix not in self.remote:
            # Unknown prefixes answer from the local dispatcher (its 404 names the path).
            return await self.local.handle_async_request(request)
        base = self.remote[prefix]
        request.url = request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
        request.headers["host"] = base.netloc.decode("ascii")
        return await self.network.handle_async_request(request)

    async def aclose(self) -> None:
        """Nothing: every ``runtime.http()`` client closes its transport on exit, and this
        one (with its connection pool) is shared. ``shutdown`` closes it for good."""

    async def shutdown(self) -> None:
        await self.network.aclose()
