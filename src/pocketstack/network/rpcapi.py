"""Typed RPC of the ``network`` topic, served by the network service (see
``pocketstack.bus.rpc``); the callers are the host network agents.

Version history:
- 1.0: port_plugged, port_failed, report_state (casts); host_ports, host_routers (calls,
  an agent's resync on start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext
from pocketstack.network.objects import agents as agent_reports
from pocketstack.network.objects import ports, routers

if TYPE_CHECKING:
    from pocketstack.network.binding import Binder

SERVICE_TOPIC = "network"


@rpc.payload
class PortPlugged(rpc.Payload):
    METHOD = "port_plugged"
    port_id: str
    host: str
    # Where the agent put the port (the tap's namespace and name), for the hypervisor.
    vif_details: dict[str, Any] | None = None


@rpc.payload
class PortFailed(rpc.Payload):
    METHOD = "port_failed"
    port_id: str
    host: str
    reason: str


@rpc.payload
class ReportState(rpc.Payload):
    METHOD = "report_state"
    host: str
    agents: list[dict[str, Any]]
    start_flag: bool = False


@rpc.payload
class HostPorts(rpc.Payload):
    METHOD = "host_ports"
    host: str


@rpc.payload
class HostRouters(rpc.Payload):
    METHOD = "host_routers"
    host: str


class NetworkAPI(rpc.Client):
    async def port_plugged(
        self, ctx: RequestContext, port_id: str, host: str, vif_details: dict[str, Any] | None
    ) -> None:
        await self._cast(SERVICE_TOPIC, ctx, PortPlugged(port_id=port_id, host=host, vif_details=vif_details))

    async def port_failed(self, ctx: RequestContext, port_id: str, host: str, reason: str) -> None:
        await self._cast(SERVICE_TOPIC, ctx, PortFailed(port_id=port_id, host=host, reason=reason))

    async def report_state(
        self, ctx: RequestContext, host: str, agents: list[dict[str, Any]], start_flag: bool
    ) -> None:
        await self._cast(SERVICE_TOPIC, ctx, ReportState(host=host, agents=agents, start_flag=start_flag))

    async def host_ports(self, ctx: RequestContext, host: str, *, timeout: float | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._call(SERVICE_TOPIC, ctx, HostPorts(host=host), timeout=timeout)
        return found

    async def host_routers(
        self, ctx: RequestContext, host: str, *, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._call(SERVICE_TOPIC, ctx, HostRouters(host=host), timeout=timeout)
        return found


class NetworkEndpoint(rpc.Server):
    """What host agents call on the ``network`` topic."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder

    @rpc.serves(PortPlugged)
    async def port_plugged(self, ctx: RequestContext, p: PortPlugged) -> bool:
        return await self.binder.port_plugged(p.port_id, p.host, p.vif_details)

    @rpc.serves(PortFailed)
    async def port_failed(self, ctx: RequestContext, p: PortFailed) -> None:
        await self.binder.port_failed(p.port_id, p.host, p.reason)

    @rpc.serves(ReportState)
    async def report_state(self, ctx: RequestContext, p: ReportState) -> None:
        """A host agent's periodic report (its L2, DHCP and L3 parts): GET /v2.0/agents."""
        await agent_reports.report(self.binder.db, p.host, p.agents, p.start_flag)

    @rpc.serves(HostPorts)
    async def host_ports(self, ctx: RequestContext, p: HostPorts) -> list[dict[str, Any]]:
        """Every port bound to ``host``, as plug specs: an agent's resync on start."""
        return await ports.host_specs(self.binder.db, p.host)

    @rpc.serves(HostRouters)
    async def host_routers(self, ctx: RequestContext, p: HostRouters) -> list[dict[str, Any]]:
        """Every router an agent on ``host`` serves, as specs: its resync on start. Router
        changes are fanned out to all agents (``router_changed``), so this is every router;
        ``host`` is there for when routers are scheduled to some hosts only."""
        return await routers.all_specs(self.binder.db)
