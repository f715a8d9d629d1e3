"""Typed RPC of the network agents (see ``pocketstack.bus.rpc``).

Topics: ``network-agent.<host>`` (work for one host's agent: a cast, taken by that host's
agent) and ``network-agent`` (fanned out to every agent). Both are served by the same
``NetworkAgentEndpoint``; the network service is the caller (``Binder``).

Version history:
- 1.0: plug_port, unplug_port (per host); delete_network, update_router, delete_router
  (fanout). Port and router specs are the dicts described in ``network/agent/base.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext

if TYPE_CHECKING:
    from pocketstack.network.agent.manager import AgentWorker

AGENTS_TOPIC = "network-agent"


def agent_topic(host: str) -> str:
    return f"{AGENTS_TOPIC}.{host}"


@rpc.payload
class PlugPort(rpc.Payload):
    METHOD = "plug_port"
    port: dict[str, Any]


@rpc.payload
class UnplugPort(rpc.Payload):
    METHOD = "unplug_port"
    port: dict[str, Any]


@rpc.payload
class DeleteNetwork(rpc.Payload):
    METHOD = "delete_network"
    network_id: str


@rpc.payload
class UpdateRouter(rpc.Payload):
    METHOD = "update_router"
    router: dict[str, Any]


@rpc.payload
class DeleteRouter(rpc.Payload):
    METHOD = "delete_router"
    router_id: str


class NetworkAgentAPI(rpc.Client):
    async def plug_port(self, ctx: RequestContext, host: str, port: dict[str, Any]) -> None:
        await self._cast(agent_topic(host), ctx, PlugPort(port=port))

    async def unplug_port(self, ctx: RequestContext, host: str, port: dict[str, Any]) -> None:
        await self._cast(agent_topic(host), ctx, UnplugPort(port=port))

    async def delete_network(self, ctx: RequestContext, network_id: str) -> None:
        await self._fanout(AGENTS_TOPIC, ctx, DeleteNetwork(network_id=network_id))

    async def update_router(self, ctx: RequestContext, router: dict[str, Any]) -> None:
        await self._fanout(AGENTS_TOPIC, ctx, UpdateRouter(router=router))

    async def delete_router(self, ctx: RequestContext, router_id: str) -> None:
        await self._fanout(AGENTS_TOPIC, ctx, DeleteRouter(router_id=router_id))


class NetworkAgentEndpoint(rpc.Server):
    """What the network service may ask of a host's agent (its start/stop are not here)."""

    def __init__(self, worker: AgentWorker) -> None:
        self.worker = worker

    @rpc.serves(PlugPort)
    async def plug_port(self, ctx: RequestContext, p: PlugPort) -> None:
        await self.worker.plug_port(ctx, p.port)

    @rpc.serves(UnplugPort)
    async def unplug_port(self, ctx: RequestContext, p: UnplugPort) -> None:
        await self.worker.unplug_port(ctx, p.port)

    @rpc.serves(DeleteNetwork)
    async def delete_network(self, ctx: RequestContext, p: DeleteNetwork) -> None:
        await self.worker.delete_network(ctx, p.network_id)

    @rpc.serves(UpdateRouter)
    async def update_router(self, ctx: RequestContext, p: UpdateRouter) -> None:
        await self.worker.update_router(ctx, p.router)

    @rpc.serves(DeleteRouter)
    async def delete_router(self, ctx: RequestContext, p: DeleteRouter) -> None:
        await self.worker.delete_router(ctx, p.router_id)
