"""What every service is given to run: config, its database, the bus, the token
authenticator, and HTTP clients for the other services' APIs.

The all-in-one cloud builds one Runtime and hands it to every service; a distributed
``pocketstack serve SERVICE`` builds one for a single service. Services never reach
into each other's objects: they use the bus and ``runtime.client(service)``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pocketstack.bus import Bus
from pocketstack.common.config import Config
from pocketstack.db import Database
from pocketstack.web.app import Authenticator


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
    # Filled by the identity service (or a service user login) for service-to-service calls.
    service_token_source: Any = None

    def database(self, service: str) -> Database:
        """The service's database: the shared URL unless the service has its own."""
        url = self.config.database_url
        db = self.databases.get(url)
        if db is None:
            db = self.databases[url] = Database(url)
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
