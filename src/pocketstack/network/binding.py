"""The port binding flow between the API, the host agents and compute (DESIGN §1 step 9).

1. The compute agent sets ``binding:host_id`` on a port (PUT /v2.0/ports/ID).
2. After commit the API casts ``plug_port`` to ``network-agent.HOST`` with the port spec.
3. The agent applies it through its backend (tap, DHCP entry, firewall) and casts
   ``port_plugged`` (with the backend's vif details: the tap's namespace and name) or
   ``port_failed`` back to the ``network`` topic.
4. The service marks the port ACTIVE, merges those details into ``binding:vif_details``
   and sends ``network-vif-plugged`` to compute, whose driver attaches the VM's NIC there.
Unbinding or deleting casts ``unplug_port``; deleting a network fans out ``delete_network``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network.notifier import EventNotifier, vif_event
from pocketstack.network.objects import agents as agent_reports
from pocketstack.network.objects import ports, routers
from pocketstack.network.objects.ports import AgentWork

log = logging.getLogger(__name__)

SERVICE_TOPIC = "network"
AGENTS_TOPIC = "network-agent"


def agent_topic(host: str) -> str:
    return f"{AGENTS_TOPIC}.{host}"


def _server_of(port: dict[str, Any]) -> str | None:
    owner = port.get("device_owner") or ""
    return port.get("device_id") or None if owner.startswith("compute:") else None


class Binder:
    def __init__(
        self,
        bus: Bus,
        db: Database,
        notifier: EventNotifier,
        ensure_agent: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.bus = bus
        self.db = db
        self.notifier = notifier
        # All-in-one: starts the in-process agent of a host the first time work goes there.
        self.ensure_agent = ensure_agent

    async def send(self, ctx: RequestContext, work: AgentWork) -> None:
        for host, spec in work.unplug:
            await self._cast(ctx, host, "unplug_port", port=spec)
        for host, spec in work.plug:
            await self._cast(ctx, host, "plug_port", port=spec)

    async def _cast(self, ctx: RequestContext, host: str, method: str, **args: Any) -> None:
        try:
            if self.ensure_agent is not None:
                await self.ensure_agent(host)
            await self.bus.cast(agent_topic(host), method, ctx.to_dict(), **args)
        except Exception as exc:
            # The port stays DOWN; the agent's resync on (re)start picks it up.
            log.warning("%s: cannot cast %s to host %s: %s", ctx.request_id, method, host, exc)

    async def network_deleted(self, ctx: RequestContext, network_id: str, removed: list[dict[str, Any]]) -> None:
        try:
            await self.bus.fanout(AGENTS_TOPIC, "delete_network", ctx.to_dict(), network_id=network_id)
        except Exception as exc:
            log.warning("%s: cannot announce deletion of network %s: %s", ctx.request_id, network_id, exc)

    async def security_group_changed(self, ctx: RequestContext, sg_id: str) -> None:
        """Re-send the bound ports using the group so their hosts refresh the firewall."""
        for host, spec in await ports.specs_using_group(self.db, sg_id):
            await self._cast(ctx, host, "plug_port", port=spec)

    async def router_changed(self, ctx: RequestContext, router_id: str) -> None:
        spec = await routers.spec(self.db, router_id)
        try:
            if spec is None:
                await self.bus.fanout(AGENTS_TOPIC, "delete_router", ctx.to_dict(), router_id=router_id)
            else:
                await self.bus.fanout(AGENTS_TOPIC, "update_router", ctx.to_dict(), router=spec)
        except Exception as exc:
            log.warning("%s: cannot announce router %s: %s", ctx.request_id, router_id, exc)

    async def ports_changed(self, ctx: RequestContext, ports: list[dict[str, Any]]) -> None:
        """``network-changed`` to compute for the servers of ``ports`` (a floating IP mapped
        to or from them), as Neutron's Nova notifier: compute refreshes their network info."""
        events = [vif_event("network-changed", server, p["id"]) for p in ports if (server := _server_of(p))]
        if events:
            await self.notifier.send(events)

    async def port_deleted(self, ctx: RequestContext, port: dict[str, Any]) -> None:
        server = _server_of(port)
        if server:
            await self.notifier.send([vif_event("network-vif-deleted", server, port["id"])])

    async def port_plugged(self, port_id: str, host: str, vif_details: dict[str, Any] | None = None) -> bool:
        port = await ports.mark_plugged(self.db, port_id, host, vif_details)
        if port is None:
            return False
        server = _server_of({"device_owner": port.device_owner, "device_id": port.device_id})
        if server:
            await self.notifier.send([vif_event("network-vif-plugged", server, port_id)])
        return True

    async def port_failed(self, port_id: str, host: str, reason: str) -> None:
        port = await ports.mark_failed(self.db, port_id, host)
        log.warning("port %s could not be plugged on %s: %s", port_id, host, reason)
        if port is not None:
            server = _server_of({"device_owner": port.device_owner, "device_id": port.device_id})
            if server:
                await self.notifier.send([vif_event("network-vif-plugged", server, port_id, "failed")])


class ServiceEndpoint:
    """What host agents call on the ``network`` topic."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder

    async def port_plugged(
        self, ctx: dict[str, Any], port_id: str, host: str, vif_details: dict[str, Any] | None = None
    ) -> bool:
        # vif_details: where the agent put the port (the tap's namespace and name), for the hypervisor.
        return await self.binder.port_plugged(port_id, host, vif_details)

    async def port_failed(self, ctx: dict[str, Any], port_id: str, host: str, reason: str) -> None:
        await self.binder.port_failed(port_id, host, reason)

    async def report_state(
        self, ctx: dict[str, Any], host: str, agents: list[dict[str, Any]], start_flag: bool = False
    ) -> None:
        """A host agent's periodic report (its L2, DHCP and L3 parts): GET /v2.0/agents."""
        await agent_reports.report(self.binder.db, host, agents, start_flag)

    async def host_ports(self, ctx: dict[str, Any], host: str) -> list[dict[str, Any]]:
        """Every port bound to ``host``, as plug specs: an agent's resync on start."""
        return await ports.host_specs(self.binder.db, host)

    async def host_routers(self, ctx: dict[str, Any], host: str) -> list[dict[str, Any]]:
        """Every router an agent on ``host`` serves, as specs: its resync on start. Router
        changes are fanned out to all agents (``router_changed``), so this is every router;
        ``host`` is there for when routers are scheduled to some hosts only."""
        return await routers.all_specs(self.binder.db)
