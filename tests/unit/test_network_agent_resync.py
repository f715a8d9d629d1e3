"""The network agent's resync on start, against the fake backend and a stand-in service
on the memory bus: what the service says wins, what it no longer has is removed, casts
made during a resync are applied after it, and an unreachable service is retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from pocketstack.bus import rpc
from pocketstack.bus.memory import MemoryBus
from pocketstack.common.context import RequestContext
from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.agent.rpcapi import NetworkAgentAPI
from pocketstack.network.rpcapi import SERVICE_TOPIC, HostPorts, HostRouters, PortPlugged

HOST = "h1"


def network(net_id: str) -> dict[str, Any]:
    return {"id": net_id, "mtu": 1500, "external": False, "subnets": []}


def port(port_id: str, net_id: str) -> dict[str, Any]:
    return {
        "id": port_id,
        "network_id": net_id,
        "mac_address": "fa:16:3e:00:00:01",
        "fixed_ips": [],
        "security_group_rules": [],
        "network": network(net_id),
    }


def router(router_id: str, *cidrs: str) -> dict[str, Any]:
    interfaces = [
        {
            "port_id": f"{router_id}-{i}",
            "network_id": f"net-{i}",
            "mac_address": f"fa:16:3e:00:01:0{i}",
            "ips": [{"ip_address": cidr.replace("0/24", "1"), "cidr": cidr}],
        }
        for i, cidr in enumerate(cidrs)
    ]
    return {
        "id": router_id,
        "admin_state_up": True,
        "enable_snat": True,
        "routes": [],
        "interfaces": interfaces,
        "gateway": None,
        "floating_ips": [],
    }


class StandInService(rpc.Server):
    """What the network service answers an agent's resync with."""

    def __init__(self, ports: list[dict[str, Any]], routers: list[dict[str, Any]]) -> None:
        self.ports = ports
        self.routers = routers
        self.asked: list[str] = []
        # Set to hold the answer back (a slow service while casts arrive).
        self.gate = asyncio.Event()
        self.gate.set()

    @rpc.serves(HostPorts)
    async def host_ports(self, ctx: RequestContext, p: HostPorts) -> list[dict[str, Any]]:
        self.asked.append(f"host_ports:{p.host}")
        await self.gate.wait()
        return self.ports

    @rpc.serves(HostRouters)
    async def host_routers(self, ctx: RequestContext, p: HostRouters) -> list[dict[str, Any]]:
        self.asked.append(f"host_routers:{p.host}")
        return self.routers

    @rpc.serves(PortPlugged)
    async def port_plugged(self, ctx: RequestContext, p: PortPlugged) -> bool:
        return True


@pytest.fixture
async def bus() -> AsyncIterator[MemoryBus]:
    b = MemoryBus()
    await b.start()
    try:
        yield b
    finally:
        await b.close()


async def stale_backend() -> FakeBackend:
    """A backend as a restarted agent finds it: a router and a port from before."""
    backend = FakeBackend()
    await backend.ensure_router(router("r-deleted", "10.9.0.0/24"))
    await backend.ensure_router(router("r-kept", "10.1.0.0/24"))
    await backend.ensure_network(network("net-old"))
    await backend.plug_port(port("p-old", "net-old"))
    return backend


async def wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_resync_deletes_unwanted_routers_and_ensures_the_wanted_ones(bus: MemoryBus) -> None:
    wanted = [router("r-kept", "10.1.0.0/24", "10.2.0.0/24"), router("r-new", "10.3.0.0/24")]
    service = StandInService([port("p1", "net-a")], wanted)
    sub = await bus.serve(SERVICE_TOPIC, service)
    backend = await stale_backend()
    agent = NetworkAgent(bus, HOST, backend)
    await agent.start()
    try:
        state = await backend.state()
        assert service.asked == [f"host_ports:{HOST}", f"host_routers:{HOST}"]
        assert sorted(state.routers) == ["r-kept", "r-new"]
        # The interface added while the agent was down is there.
        assert state.routers["r-kept"].interfaces == ["10.1.0.1/24", "10.2.0.1/24"]
        assert list(state.ports) == ["p1"] and list(state.networks) == ["net-a"]
        assert "r-deleted" in backend.called("delete_router")
        # Idempotent: a second resync changes nothing.
        assert await agent.resync()
        assert await backend.state() == state
    finally:
        await agent.stop()
        await sub.stop()


async def test_a_router_that_fails_does_not_stop_the_others(bus: MemoryBus) -> None:
    service = StandInService([], [router("r-a", "10.1.0.0/24"), router("r-b", "10.2.0.0/24")])
    sub = await bus.serve(SERVICE_TOPIC, service)
    backend = FakeBackend()
    backend.fail("ensure_router")
    agent = NetworkAgent(bus, HOST, backend)
    await agent.start()
    try:
        assert list((await backend.state()).routers) == ["r-b"]
    finally:
        await agent.stop()
        await sub.stop()


async def test_casts_during_a_resync_are_applied_after_it(bus: MemoryBus) -> None:
    service = StandInService([], [router("r-1", "10.1.0.0/24")])
    service.gate.clear()
    sub = await bus.serve(SERVICE_TOPIC, service)
    backend = FakeBackend()
    agent = NetworkAgent(bus, HOST, backend)
    starting = asyncio.create_task(agent.start())
    try:
        await wait_for(lambda: _true(bool(service.asked)), "the resync asking the service")
        # The router is deleted while the service's (older) answer is still on its way.
        await NetworkAgentAPI(bus).delete_router(rpc.no_context(), "r-1")
        await asyncio.sleep(0.05)
        assert backend.called("delete_router") == []
        service.gate.set()
        await starting
        await wait_for(lambda: _true(backend.called("delete_router") == ["r-1"]), "the cast applied")
        assert (await backend.state()).routers == {}
    finally:
        await agent.stop()
        await sub.stop()


async def test_unreachable_service_keeps_the_host_and_retries_until_it_answers(bus: MemoryBus) -> None:
    backend = await stale_backend()
    agent = NetworkAgent(bus, HOST, backend, resync_timeout=0.1, resync_retry=0.05)
    await agent.start()
    try:
        # Nothing is removed on the word of nobody.
        assert sorted((await backend.state()).routers) == ["r-deleted", "r-kept"]
        sub = await bus.serve(SERVICE_TOPIC, StandInService([], [router("r-kept", "10.1.0.0/24")]))

        async def reconciled() -> bool:
            state = await backend.state()
            return list(state.routers) == ["r-kept"] and state.ports == {}

        await wait_for(reconciled, "the retried resync")
        await sub.stop()
    finally:
        await agent.stop()


async def _true(value: bool) -> bool:
    return value
