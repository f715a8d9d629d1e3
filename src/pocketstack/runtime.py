"""What every service is given to run: config, its database, the bus, the token
authenticator, and HTTP clients for the other services' APIs.

The all-in-one cloud builds one Runtime and hands it to every service; a distributed
``pocketstack serve SERVICE`` builds one for a single service. Services never reach
into each other's objects: they use the bus and ``runtime.client(service)``.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pocketstack.bus import Bus
from pocketstack.common.config import Config
from pocketstack.db import Database
from pocketstack.web.app import Authenticator


async def _static_admin_token() -> str:
    return "admin"


@dataclass
class Runtime:
    config: Config
    bus: Bus
    authenticator: Authenticator
    databases: dict[str, Database] = field(default_factory=dict)
    # Transport for internal HTTP calls: the all-in-one routes them in-process (ASGI),
    # the distributed mode over the network. Tests swap it the same way.
    transport: httpx.AsyncBaseTransport | None = None
    base_url: str = ""
    # Returns a token of this cloud's service user, for service-to-service calls (sent as
    # X-Auth-Token, with the user's token as X-Service-Token where one acts for a user).
    # The identity service installs the real one; StaticAuthenticator tests use "admin".
    service_token: Callable[[], Awaitable[str]] = field(default=_static_admin_token)

    def database(self, service: str) -> Database:
        """The service's database: the shared URL unless the service has its own."""
        url = self.config.database_url
        db = self.databases.get(url)
        if db is None:
            cfg = self.config.database
            db = self.databases[url] = Database(
                url, connect_timeout=cfg.connect_timeout, statement_timeout=cfg.statement_timeout
            )
        return db

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url=self.base_url or self.config.public_url, timeout=60)

    async def close(self) -> None:
        for db in self.databases.values():
            await db.close()


class Service(abc.ABC):
    """A service of the cloud: an ASGI app under ``prefix`` plus background work."""

    name: str = ""
    service_type: str = ""
    prefix: str = ""
    # Directory of the service's Alembic revisions (None: no tables).
    migrations: Path | None = None

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    @abc.abstractmethod
    def app(self) -> Any: ...

    async def start(self) -> None:
        """Start background tasks (bus servers, periodic jobs). Migrations ran before."""

    async def stop(self) -> None:
        """Stop background tasks; leave nothing running that this service started."""
