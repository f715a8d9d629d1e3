"""The network service: Neutron v2.0 under /network, plus the ``network`` bus topic on
which host agents report plugged ports and ask for their host's ports on resync.

In the all-in-one (in-process bus) the host agents run in this process too: one per host,
started the first time a port is bound to that host (and, on start, for every host that
already has bound ports, which it then resyncs). Distributed deployments run each host's
agent in a process of its own (``pocketstack serve network-agent``: ``pocketstack/agents.py``)
and none here (``[network] local_agents``, or ``local_agents=False``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pocketstack.bus import Subscription
from pocketstack.common import policy as policy_engine
from pocketstack.common.config import resolve_local_agents
from pocketstack.network import policy
from pocketstack.network.agent import configured_backend
from pocketstack.network.agent.base import NetworkBackend
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.binding import Binder
from pocketstack.network.deps import Deps
from pocketstack.network.models import Port
from pocketstack.network.notifier import ComputeNotifier, EventNotifier
from pocketstack.network.openapi import REQUEST_BODIES
from pocketstack.network.routes import routes
from pocketstack.network.rpcapi import SERVICE_TOPIC, NetworkEndpoint
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp

log = logging.getLogger(__name__)


class NetworkService(Service):
    name = "network"
    service_type = "network"
    prefix = "network"
    migrations = Path(__file__).parent / "migrations"

    def __init__(
        self,
        runtime: Runtime,
        notifier: EventNotifier | None = None,
        *,
        local_agents: bool | None = None,
        backend_factory: Callable[[], NetworkBackend] | None = None,
    ) -> None:
        super().__init__(runtime)
        self.db = runtime.database(self.name)
        # The operator's policy.yaml, parsed now: a bad rule stops the service here.
        policy_engine.load(policy.ENFORCER, runtime.config)
        self.notifier: EventNotifier = notifier or ComputeNotifier(runtime)
        if local_agents is None:
            local_agents = _local_agents(runtime.config.network.local_agents, runtime.config.bus.url)
        self.local_agents = local_agents
        # None: the backend ``[network] backend`` names (fake unless configured).
        self.backend_factory = backend_factory
        self.agents: dict[str, NetworkAgent] = {}
        self.binder = Binder(runtime.bus, self.db, self.notifier, self._ensure_agent if local_agents else None)
        self.deps = Deps(db=self.db, binder=self.binder, bus=runtime.bus)
        self._app = ServiceApp(
            self.name,
            routes(self.deps),
            error_format="neutron",
            request_bodies=REQUEST_BODIES,
            authenticator=runtime.authenticator,
            admin_rule=policy.is_admin,
            max_body_bytes=runtime.config.server.max_body_bytes,
        )
        self._subscription: Subscription | None = None

    @property
    def app(self) -> Any:
        return self._app

    async def start(self) -> None:
        self._subscription = await self.runtime.bus.serve(SERVICE_TOPIC, NetworkEndpoint(self.binder))
        if self.local_agents:
            async with self.db.reader() as session:
                hosts = list(
                    await session.scalars(select(Port.binding_host_id).distinct().where(Port.binding_host_id != ""))
                )
            for host in hosts:
                await self._ensure_agent(host, resync=True)

    async def _ensure_agent(self, host: str, resync: bool = False) -> None:
        if host in self.agents:
            return
        backend = self.backend_factory() if self.backend_factory else configured_backend(self.runtime.config, host)
        agent = NetworkAgent(self.runtime.bus, host, backend)
        self.agents[host] = agent
        try:
            await agent.start(resync=resync)
        except Exception:
            del self.agents[host]
            log.exception("network: the local agent for host %s did not start", host)

    async def stop(self) -> None:
        for agent in self.agents.values():
            await agent.stop()
        self.agents.clear()
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None


def create(runtime: Runtime) -> NetworkService:
    return NetworkService(runtime)


def _local_agents(setting: str, bus_url: str) -> bool:
    return resolve_local_agents(setting, bus_url, "network")
