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
from pocketstack.network.agent.rpcapi import NetworkAgentAPI
from pocketstack.network.notifier import EventNotifier, vif_event
from pocketstack.network.objects import ports, routers
from pocketstack.network.objects.ports import AgentWork

log = logging.getLogger(__name__)

PortCast = Callable[[RequestContext, str, dict[str, Any]], Awaitable[None]]


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
        self.agents = NetworkAgentAPI(bus)
        self.db = db
        self.notifier = notifier
        # All-in-one: starts the in-process agent of a host the first time work goes there.
        self.ensure_agent = ensure_agent

    async def send(self, ctx: RequestContext, work: AgentWork) -> None:
        for host, spec in work.unplug:
            await self._cast(ctx, host, self.agents.unplug_port, spec)
        for host, spec in work.plug:
            await self._cast(ctx, host, self.agents.plug_port, spec)

    async def _cast(self, ctx: RequestContext, host: str, verb: PortCast, spec: dict[str, Any]) -> None:
        try:
            if self.ensure_agent is not None:
                await self.ensure_agent(host)
            await verb(ctx, host, spec)
        except Exception as exc:
            # The port stays DOWN; the agent's resync on (re)start picks it up.
            log.warning("%s: cannot cast %s to host %s: %s", ctx.request_id, verb.__name__, host, exc)

    async def network_deleted(self, ctx: RequestContext, network_id: str, removed: list[dict[str, Any]]) -> None:
        try:
            await self.agents.delete_network(ctx, network_id)
        except Exception as exc:
            log.warning("%s: cannot announce deletion of network %s: %s", ctx.request_id, network_id, exc)

    async def security_group_changed(self, ctx: RequestContext, sg_id: str) -> None:
        """Re-send the bound ports using the group so their hosts refresh the firewall."""
        for host, spec in await ports.specs_using_group(self.db, sg_id):
            await self._cast(ctx, host, self.agents.plug_port, spec)

    async def router_changed(self, ctx: RequestContext, router_id: str) -> None:
        spec = await routers.spec(self.db, router_id)
        try:
            if spec is None:
                await self.agents.delete_router(ctx, router_id)
            else:
                await self.agents.update_router(ctx, spec)
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
