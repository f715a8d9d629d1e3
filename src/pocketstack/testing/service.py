"""Run one or more services in-process for API tests (no identity: StaticAuthenticator)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from pocketstack.bus import Bus
from pocketstack.bus.memory import MemoryBus
from pocketstack.common.config import Config
from pocketstack.db import migrate
from pocketstack.runtime import Runtime, Service
from pocketstack.testing.auth import StaticAuthenticator
from pocketstack.web.app import Authenticator, Dispatcher
from pocketstack.web.transport import InProcessTransport


@asynccontextmanager
async def running_services(
    factories: list[Callable[[Runtime], Service]],
    data_dir: Path,
    *,
    config: Config | None = None,
    bus: Bus | None = None,
    authenticator: Authenticator | None = None,
) -> AsyncIterator[tuple[Runtime, dict[str, Service], httpx.AsyncClient]]:
    """Start the services on one Dispatcher; yield (runtime, services by name, client).

    The client's base URL is the endpoint root (``http://pocketstack.test``): request
    ``/image/v2/images`` and send ``X-Auth-Token: admin`` (or demo, alt, reader).
    """
    cfg = config or Config(data_dir=data_dir)
    cfg.data_dir = data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    the_bus = bus or MemoryBus()
    await the_bus.start()
    runtime = Runtime(cfg, the_bus, authenticator or StaticAuthenticator())
    services: dict[str, Service] = {}
    for factory in factories:
        service = factory(runtime)
        services[service.name] = service
    dispatcher = Dispatcher({s.prefix: s.app for s in services.values()})
    runtime.transport = InProcessTransport(dispatcher)
    runtime.base_url = "http://pocketstack.test"
    for service in services.values():
        if service.migrations is not None:
            await migrate.upgrade(runtime.database(service.name), service.name, service.migrations)
    for service in services.values():
        await service.start()
    client = httpx.AsyncClient(transport=runtime.transport, base_url=runtime.base_url, timeout=30)
    try:
        yield runtime, services, client
    finally:
        await client.aclose()
        for service in reversed(list(services.values())):
            await service.stop()
        await the_bus.close()
        await runtime.close()


def auth(token: str, **extra: Any) -> dict[str, str]:
    """Headers for a request as one of StaticAuthenticator's users."""
    return {"X-Auth-Token": token, **{k: str(v) for k, v in extra.items()}}
