"""The network service: Neutron v2.0 under /network, plus the ``network`` bus topic on
which host agents report plugged ports and ask for their host's ports on resync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pocketstack.bus import Subscription
from pocketstack.network.binding import SERVICE_TOPIC, Binder, ServiceEndpoint
from pocketstack.network.deps import Deps
from pocketstack.network.notifier import ComputeNotifier, EventNotifier
from pocketstack.network.routes import routes
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp


class NetworkService(Service):
    name = "network"
    service_type = "network"
    prefix = "network"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime, notifier: EventNotifier | None = None) -> None:
        super().__init__(runtime)
        self.db = runtime.database(self.name)
        self.notifier: EventNotifier = notifier or ComputeNotifier(runtime)
        self.binder = Binder(runtime.bus, self.db, self.notifier)
        self.deps = Deps(db=self.db, binder=self.binder)
        self._app = ServiceApp(
            self.name,
            routes(self.deps),
            error_format="neutron",
            authenticator=runtime.authenticator,
            max_body_bytes=runtime.config.server.max_body_bytes,
        )
        self._subscription: Subscription | None = None

    @property
    def app(self) -> Any:
        return self._app

    async def start(self) -> None:
        self._subscription = await self.runtime.bus.serve(SERVICE_TOPIC, ServiceEndpoint(self.binder))

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None


def create(runtime: Runtime) -> NetworkService:
    return NetworkService(runtime)
