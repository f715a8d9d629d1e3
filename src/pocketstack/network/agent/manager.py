"""The network agent of one host: serves ``network-agent.HOST`` (and the fanout topic
``network-agent``), applies the work through its backend, and reports back to the
network service (``port_plugged`` / ``port_failed`` on the ``network`` topic).

On start it reconciles with the API (``resync``): it asks the service for every port bound
to its host and for every router (routers go to all agents), plugs those ports and ensures
those routers, and removes whatever the backend still has that is not wanted any more
(ports unbound or deleted, their networks, routers deleted while the agent was down).
Work cast to the agent while a resync runs waits for it, so an older resync result never
overwrites a newer change. When the service cannot be reached at start the agent keeps
what its backend restored and retries the resync in the background until it succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pocketstack.bus import Bus, Subscription
from pocketstack.common.context import RequestContext
from pocketstack.network.agent.base import BackendState, NetworkBackend, Spec
from pocketstack.network.agent.rpcapi import AGENTS_TOPIC, NetworkAgentEndpoint, agent_topic
from pocketstack.network.rpcapi import NetworkAPI

log = logging.getLogger(__name__)

# Seconds between two reports of this host's agents to the service (Neutron's default).
REPORT_INTERVAL = 30.0
# The availability zone this host's DHCP and L3 parts are in.
ZONE = "nova"


def agent_reports(backend: str, state: BackendState, zone: str = ZONE) -> list[dict[str, Any]]:
    """What one host's agent is, in Neutron's terms: its L2, DHCP and L3 parts (one
    process here, three agents there), each with what it serves now."""
    common = {"backend": backend}
    return [
        {
            "agent_type": "Linux bridge agent",
            "binary": "neutron-linuxbridge-agent",
            "topic": "N/A",
            "availability_zone": None,
            "configurations": {**common, "devices": len(state.ports)},
        },
        {
            "agent_type": "DHCP agent",
            "binary": "neutron-dhcp-agent",
            "topic": "dhcp_agent",
            "availability_zone": zone,
            "configurations": {**common, "networks": len(state.networks)},
        },
        {
            "agent_type": "L3 agent",
            "binary": "neutron-l3-agent",
            "topic": "l3_agent",
            "availability_zone": zone,
            "configurations": {**common, "agent_mode": "legacy", "routers": len(state.routers)},
        },
    ]


class AgentWorker:
    """The work the network service sends the agent (served by ``rpcapi.NetworkAgentEndpoint``)."""

    def __init__(self, bus: Bus, host: str, backend: NetworkBackend, settled: asyncio.Event | None = None) -> None:
        self.network = NetworkAPI(bus)
        self.host = host
        self.backend = backend
        # Cleared by the agent while a resync applies what it fetched: casts wait, then
        # apply on top of it (they are newer).
        self._settled = settled or asyncio.Event()
        if settled is None:
            self._settled.set()

    async def plug_port(self, ctx: RequestContext, port: Spec) -> None:
        await self._settled.wait()
        await self.plug(ctx, port)

    async def plug(self, ctx: RequestContext, port: Spec) -> None:
        """Plug ``port`` now (the resync calls it while casts wait) and tell the service."""
        try:
            await self.backend.ensure_network(port["network"])
            await self.backend.plug_port(port)
        except Exception as exc:
            log.warning("%s: plugging port %s on %s failed: %s", ctx.request_id, port["id"], self.host, exc)
            await self.network.port_failed(ctx, port["id"], self.host, str(exc) or type(exc).__name__)
            return
        await self.network.port_plugged(ctx, port["id"], self.host, self.backend.vif_details(port["id"]))

    async def unplug_port(self, ctx: RequestContext, port: Spec) -> None:
        await self._settled.wait()
        await self.backend.unplug_port(port["id"])

    async def delete_network(self, ctx: RequestContext, network_id: str) -> None:
        await self._settled.wait()
        await self.backend.delete_network(network_id)

    async def update_router(self, ctx: RequestContext, router: Spec) -> None:
        await self._settled.wait()
        await self.backend.ensure_router(router)

    async def delete_router(self, ctx: RequestContext, router_id: str) -> None:
        await self._settled.wait()
        await self.backend.delete_router(router_id)


class NetworkAgent:
    def __init__(
        self,
        bus: Bus,
        host: str,
        backend: NetworkBackend,
        *,
        resync_timeout: float = 10.0,
        resync_retry: float = 5.0,
        report_interval: float = REPORT_INTERVAL,
    ) -> None:
        self.bus = bus
        self.host = host
        self.backend = backend
        self._settled = asyncio.Event()
        self._settled.set()
        self.worker = AgentWorker(bus, host, backend, self._settled)
        self.network = NetworkAPI(bus)
        self.resync_timeout = resync_timeout
        # Seconds between attempts when the service was unreachable at start (0: no retry).
        self.resync_retry = resync_retry
        self._subscriptions: list[Subscription] = []
        self._retry: asyncio.Task[None] | None = None
        self.report_interval = report_interval
        self._reporter: asyncio.Task[None] | None = None

    async def start(self, resync: bool = True) -> None:
        await self.backend.start()
        # Subscribe first: a change made while the resync runs is not lost, it waits.
        served = NetworkAgentEndpoint(self.worker)
        self._subscriptions.append(await self.bus.serve(agent_topic(self.host), served))
        self._subscriptions.append(await self.bus.serve(AGENTS_TOPIC, served))
        self._reporter = asyncio.get_running_loop().create_task(self._report_state())
        if resync and not await self.resync() and self.resync_retry > 0:
            self._retry = asyncio.get_running_loop().create_task(self._retry_resync())

    async def _retry_resync(self) -> None:
        while True:
            await asyncio.sleep(self.resync_retry)
            try:
                if await self.resync():
                    log.info("network agent %s: resync done after the service came back", self.host)
                    return
            except Exception as exc:  # keep trying: one bad round must not end the retries
                log.warning("network agent %s: resync failed: %s", self.host, exc)

    async def _report_state(self) -> None:
        """Tell the service this host's agents are alive, now and every report_interval."""
        start_flag = True
        while True:
            try:
                reports = agent_reports(self.backend.name, await self.backend.state())
                await self.network.report_state(RequestContext.internal(), self.host, reports, start_flag)
                start_flag = False
            except Exception as exc:  # the next round tries again; a silent agent goes down
                log.warning("network agent %s: cannot report its state: %s", self.host, exc)
            await asyncio.sleep(self.report_interval)

    async def _fetch(self, ctx: RequestContext) -> tuple[list[Spec], list[Spec]] | None:
        """(ports bound here, routers to serve) from the service, or None if unreachable."""
        try:
            ports = await self.network.host_ports(ctx, self.host, timeout=self.resync_timeout)
            routers = await self.network.host_routers(ctx, self.host, timeout=self.resync_timeout)
        except Exception as exc:
            log.warning("network agent %s: resync skipped, network service unavailable: %s", self.host, exc)
            return None
        return ports, routers

    async def resync(self) -> bool:
        """Bring the backend to what the service says this host must have; False when the
        service could not be asked (nothing changed then)."""
        ctx = RequestContext.internal()
        self._settled.clear()
        try:
            fetched = await self._fetch(ctx)
            if fetched is None:
                return False
            await self._apply(ctx, *fetched)
            return True
        finally:
            self._settled.set()

    async def _apply(self, ctx: RequestContext, bound: list[Spec], routers: list[Spec]) -> None:
        wanted = {p["id"] for p in bound}
        in_place = await self.backend.state()
        for port_id in set(in_place.ports) - wanted:
            await self.backend.unplug_port(port_id)
        # Networks are ensured here only for their ports: one no bound port uses is stale
        # (deleted, or its ports moved away while the agent was down).
        for network_id in set(in_place.networks) - {p["network_id"] for p in bound}:
            await self.backend.delete_network(network_id)
        for port in bound:
            # Not through plug_port: that one waits for this very resync to end.
            await self.worker.plug(ctx, port)
        for router_id in set(in_place.routers) - {r["id"] for r in routers}:
            await self.backend.delete_router(router_id)
        for router in routers:
            try:
                await self.backend.ensure_router(router)
            except Exception as exc:
                # One broken router must not keep the others from being served.
                log.warning("network agent %s: cannot ensure router %s: %s", self.host, router["id"], exc)

    async def stop(self) -> None:
        if self._reporter is not None:
            self._reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reporter
            self._reporter = None
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
            self._retry = None
        for sub in self._subscriptions:
            await sub.stop()
        self._subscriptions.clear()
        await self.backend.close()
