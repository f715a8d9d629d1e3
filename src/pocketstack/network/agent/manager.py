"""The network agent of one host: serves ``network-agent.HOST`` (and the fanout topic
``network-agent``), applies the work through its backend, and reports back to the
network service (``port_plugged`` / ``port_failed`` on the ``network`` topic).

On start it reconciles: it asks the service for every port bound to its host, plugs
them, and unplugs whatever the backend still has that is no longer bound here.
"""

from __future__ import annotations

import logging
from typing import Any

from pocketstack.bus import Bus, Subscription
from pocketstack.common.context import RequestContext
from pocketstack.network.agent.base import NetworkBackend, Spec
from pocketstack.network.binding import AGENTS_TOPIC, SERVICE_TOPIC, agent_topic

log = logging.getLogger(__name__)


class AgentEndpoint:
    """The methods the network service calls on the agent (nothing else is callable)."""

    def __init__(self, bus: Bus, host: str, backend: NetworkBackend) -> None:
        self.bus = bus
        self.host = host
        self.backend = backend

    async def plug_port(self, ctx: dict[str, Any], port: Spec) -> None:
        try:
            await self.backend.ensure_network(port["network"])
            await self.backend.plug_port(port)
        except Exception as exc:
            log.warning("%s: plugging port %s on %s failed: %s", ctx.get("request_id"), port["id"], self.host, exc)
            await self.bus.cast(
                SERVICE_TOPIC,
                "port_failed",
                ctx,
                port_id=port["id"],
                host=self.host,
                reason=str(exc) or type(exc).__name__,
            )
            return
        await self.bus.cast(
            SERVICE_TOPIC,
            "port_plugged",
            ctx,
            port_id=port["id"],
            host=self.host,
            vif_details=self.backend.vif_details(port["id"]),
        )

    async def unplug_port(self, ctx: dict[str, Any], port: Spec) -> None:
        await self.backend.unplug_port(port["id"])

    async def delete_network(self, ctx: dict[str, Any], network_id: str) -> None:
        await self.backend.delete_network(network_id)

    async def update_router(self, ctx: dict[str, Any], router: Spec) -> None:
        await self.backend.ensure_router(router)

    async def delete_router(self, ctx: dict[str, Any], router_id: str) -> None:
        await self.backend.delete_router(router_id)


class NetworkAgent:
    def __init__(self, bus: Bus, host: str, backend: NetworkBackend, *, resync_timeout: float = 10.0) -> None:
        self.bus = bus
        self.host = host
        self.backend = backend
        self.endpoint = AgentEndpoint(bus, host, backend)
        self.resync_timeout = resync_timeout
        self._subscriptions: list[Subscription] = []

    async def start(self, resync: bool = True) -> None:
        await self.backend.start()
        self._subscriptions.append(await self.bus.serve(agent_topic(self.host), self.endpoint))
        self._subscriptions.append(await self.bus.serve(AGENTS_TOPIC, self.endpoint))
        if resync:
            await self.resync()

    async def resync(self) -> None:
        """Bring the backend to what the service says is bound to this host."""
        ctx = RequestContext.internal().to_dict()
        try:
            bound: list[Spec] = await self.bus.call(
                SERVICE_TOPIC, "host_ports", ctx, timeout=self.resync_timeout, host=self.host
            )
        except Exception as exc:
            log.warning("network agent %s: resync skipped, network service unavailable: %s", self.host, exc)
            return
        wanted = {p["id"] for p in bound}
        in_place = await self.backend.state()
        for port_id in set(in_place.ports) - wanted:
            await self.backend.unplug_port(port_id)
        # Networks are ensured here only for their ports: one no bound port uses is stale
        # (deleted, or its ports moved away while the agent was down).
        for network_id in set(in_place.networks) - {p["network_id"] for p in bound}:
            await self.backend.delete_network(network_id)
        for port in bound:
            await self.endpoint.plug_port(ctx, port)

    async def stop(self) -> None:
        for sub in self._subscriptions:
            await sub.stop()
        self._subscriptions.clear()
        await self.backend.close()
