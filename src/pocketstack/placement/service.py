"""The placement service: its ASGI app under /placement and its standard rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pocketstack.common import policy as policy_engine
from pocketstack.placement import policy
from pocketstack.placement.objects import names
from pocketstack.placement.openapi import REQUEST_BODIES
from pocketstack.placement.routes import ROUTES
from pocketstack.placement.versions import MICROVERSIONS
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp


class PlacementService(Service):
    name = "placement"
    service_type = "placement"
    prefix = "placement"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.db = runtime.database(self.name)
        policy_engine.load(policy.ENFORCER, runtime.config)
        self._app = ServiceApp(
            "placement",
            ROUTES,
            error_format="placement",
            request_bodies=REQUEST_BODIES,
            authenticator=runtime.authenticator,
            microversions=MICROVERSIONS,
            max_body_bytes=runtime.config.server.max_body_bytes,
        )

    @property
    def app(self) -> Any:
        return self._asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Handlers reach the database through the scope: they stay plain functions.
        scope["placement.db"] = self.db
        await self._app(scope, receive, send)

    async def start(self) -> None:
        async with self.db.writer() as session:
            await names.ensure_standard(session)


def create(runtime: Runtime) -> PlacementService:
    return PlacementService(runtime)
