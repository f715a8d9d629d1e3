"""The compute service: the API app plus, as asyncio tasks on the bus, the scheduler,
the conductor and one compute agent per (fake) host."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pocketstack.compute.api.common import MAX_VERSION, MIN_VERSION
from pocketstack.compute.api.routes import ROUTES
from pocketstack.compute.objects import flavors
from pocketstack.db import Database
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp
from pocketstack.web.microversion import Microversions

log = logging.getLogger(__name__)


class ComputeService(Service):
    name = "compute"
    service_type = "compute"
    prefix = "compute"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.config = runtime.config.compute
        self.db: Database = runtime.database(self.name)
        self._app = ServiceApp(
            "compute",
            ROUTES,
            error_format="nova",
            authenticator=runtime.authenticator,
            microversions=Microversions(
                "compute", MIN_VERSION, MAX_VERSION, legacy_header="x-openstack-nova-api-version"
            ),
            max_body_bytes=runtime.config.server.max_body_bytes,
            request_id_headers=("x-openstack-request-id", "x-compute-request-id"),
        )

    @property
    def app(self) -> Any:
        return self._asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Handlers find this service (database, bus, clients) in the scope.
        scope["pocketstack.compute"] = self
        await self._app(scope, receive, send)


async def bootstrap(runtime: Runtime) -> None:
    """First-run data for `pocketstack up`: the default flavors (idempotent)."""
    await flavors.ensure_defaults(runtime.database(ComputeService.name))


def create(runtime: Runtime) -> ComputeService:
    return ComputeService(runtime)
