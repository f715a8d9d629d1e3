"""A typed async client of pocketstack's public APIs (any OpenStack cloud laid out the
same way), over httpx: one small client per service, all sharing one ``httpx.AsyncClient``.

    async with Connection("http://127.0.0.1:8080") as conn:   # every API under one URL
        token = await conn.identity().password_token("default", "demo", password)
        api = conn.scoped(token)
        servers = await api.compute.servers()

Pass ``transport=`` (e.g. ``pocketstack.web.transport.InProcessTransport(app)`` or
``httpx.ASGITransport``) to call an app in-process: tests and the dashboard inside the
cloud use that, with the same code as over the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

import httpx

from pocketstack.client.base import ApiError, Resource, ServiceClient, error_message
from pocketstack.client.compute import ComputeClient
from pocketstack.client.identity import IdentityClient, Token
from pocketstack.client.image import ImageClient
from pocketstack.client.network import NetworkClient
from pocketstack.client.volume import VolumeClient


@dataclass(frozen=True)
class Clients:
    """The clients of every service for one project-scoped token."""

    token: Token
    identity: IdentityClient
    compute: ComputeClient
    network: NetworkClient
    image: ImageClient
    volume: VolumeClient


class Connection:
    """One ``httpx.AsyncClient`` to a cloud's endpoint (every API under one base URL)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        verify: bool | str = True,
    ) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout, verify=verify)

    def identity(self, token: str = "") -> IdentityClient:
        return IdentityClient(self.http, token)

    def scoped(self, token: Token) -> Clients:
        if not token.project_id:
            raise ValueError("a project-scoped token is needed")
        return Clients(
            token=token,
            identity=IdentityClient(self.http, token.id),
            compute=ComputeClient(self.http, token.id),
            network=NetworkClient(self.http, token.id),
            image=ImageClient(self.http, token.id),
            volume=VolumeClient(self.http, token.id, token.project_id),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


__all__ = [
    "ApiError",
    "Clients",
    "ComputeClient",
    "Connection",
    "IdentityClient",
    "ImageClient",
    "NetworkClient",
    "Resource",
    "ServiceClient",
    "Token",
    "VolumeClient",
    "error_message",
]
