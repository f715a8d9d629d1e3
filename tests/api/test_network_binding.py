"""The port binding flow: bind -> agent plugs through the fake backend -> port ACTIVE ->
network-vif-plugged sent to compute's os-server-external-events (a small fake compute
app mounted at /compute records them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pocketstack.network.agent.base import BackendError
from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.service import NetworkService
from pocketstack.runtime import Runtime, Service
from pocketstack.testing.service import running_services
from pocketstack.web import Route, ServiceApp, json_response
from pocketstack.web.request import Request
from pocketstack.web.response import Response
from tests.api.network_support import Api


class FakeCompute(Service):
    """Just enough of the compute API to receive server external events."""

    name = "compute"
    service_type = "compute"
    prefix = "compute"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.events: list[dict[str, Any]] = []
        self.tokens: list[str | None] = []
        self.arrived = asyncio.Event()
        self._app = ServiceApp(
            "compute",
            [Route("POST", "/v2.1/os-server-external-events", self.receive)],
            error_format="nova",
            authenticator=runtime.authenticator,
        )

    @property
    def app(self) -> Any:
        return self._app

    async def receive(self, request: Request) -> Response:
        body = await request.json()
        self.events.extend(body["events"])
        self.tokens.append(request.headers.get("x-auth-token"))
        self.arrived.set()
        return json_response({"events": [{**e, "code": 200} for e in body["events"]]})


@dataclass
class Cloud:
    api: Api
    backend: FakeBackend
    agent: NetworkAgent
    compute: FakeCompute | None
    runtime: Runtime
    extra: list[Any] = field(default_factory=list)


@asynccontextmanager
async def _cloud(tmp_path: Path, with_compute: bool) -> AsyncIterator[Cloud]:
    # The agent is started by the test (as a separate process would be), not by the service.
    factories: list[Callable[[Runtime], Service]] = [lambda rt: NetworkService(rt, local_agents=False)]
    if with_compute:
        factories.append(FakeCompute)
    async with running_services(factories, tmp_path) as (runtime, services, client):
        backend = FakeBackend()
        agent = NetworkAgent(runtime.bus, "host1", backend)
        await agent.start()
        compute = services.get("compute")
        cloud = Cloud(
            Api(client, runtime), backend, agent, compute if isinstance(compute, FakeCompute) else None, runtime
        )
        try:
            yield cloud
        finally:
            # A test may have restarted the agent: stop the one running now.
            await cloud.agent.stop()


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with _cloud(tmp_path, True) as c:
        yield c


async def wait_for(check: Callable[[], Any], what: str) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def server_port(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"], device_id="server-1", device_owner="compute:nova")
    return net, port


async def status(api: Api, port_id: str) -> str:
    return str((await api.get(f"ports/{port_id}", "admin")).json()["port"]["status"])


async def test_bind_plugs_port_and_sends_vif_plugged(cloud: Cloud) -> None:
    net, port = await server_port(cloud.api)
    r = await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")
    assert r.status_code == 200 and r.json()["port"]["binding:vif_type"] == "bridge"

    async def active() -> bool:
        return await status(cloud.api, port["id"]) == "ACTIVE"

    await wait_for(active, "port ACTIVE")
    assert cloud.compute is not None
    await asyncio.wait_for(cloud.compute.arrived.wait(), 2)
    assert cloud.compute.events == [
        {"name": "network-vif-plugged", "server_uuid": "server-1", "tag": port["id"], "status": "completed"}
    ]
    assert cloud.compute.tokens == ["admin"]  # the service token
    state = await cloud.backend.state()
    assert state.ports[port["id"]].ips == [port["fixed_ips"][0]["ip_address"]]
    assert state.networks[net["id"]].dhcp_hosts == {port["mac_address"]: port["fixed_ips"][0]["ip_address"]}
    assert state.ports[port["id"]].firewall is not None


async def test_bind_at_create_time(cloud: Cloud) -> None:
    net, _ = await cloud.api.net_with_subnet()
    port = await cloud.api.port(
        net["id"], "admin", device_id="server-2", device_owner="compute:nova", **{"binding:host_id": "host1"}
    )

    async def active() -> bool:
        return await status(cloud.api, port["id"]) == "ACTIVE"

    await wait_for(active, "port ACTIVE")


async def test_unbind_and_delete_unplug(cloud: Cloud) -> None:
    _, port = await server_port(cloud.api)
    await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")

    async def plugged() -> bool:
        return port["id"] in (await cloud.backend.state()).ports

    await wait_for(plugged, "plugged")
    r = await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": ""}}, "admin")
    assert r.json()["port"]["binding:vif_type"] == "unbound" and r.json()["port"]["status"] == "DOWN"

    async def unplugged() -> bool:
        return port["id"] not in (await cloud.backend.state()).ports

    await wait_for(unplugged, "unplugged")
    await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")
    await wait_for(plugged, "plugged again")
    assert (await cloud.api.delete(f"ports/{port['id']}")).status_code == 204
    await wait_for(unplugged, "unplugged after delete")
    assert cloud.compute is not None
    assert cloud.compute.events[-1]["name"] == "network-vif-deleted"


async def test_backend_failure_marks_binding_failed_and_reports_it(cloud: Cloud) -> None:
    _, port = await server_port(cloud.api)
    cloud.backend.fail("plug_port", BackendError("no tap for you"))
    await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")

    async def failed() -> bool:
        shown = (await cloud.api.get(f"ports/{port['id']}", "admin")).json()["port"]
        return bool(shown["binding:vif_type"] == "binding_failed")

    await wait_for(failed, "binding_failed")
    assert cloud.compute is not None
    await asyncio.wait_for(cloud.compute.arrived.wait(), 2)
    assert cloud.compute.events[0]["status"] == "failed"
    assert (await status(cloud.api, port["id"])) == "DOWN"


async def test_security_group_rule_change_refreshes_the_firewall(cloud: Cloud) -> None:
    _, port = await server_port(cloud.api)
    await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")

    async def plugged() -> bool:
        return port["id"] in (await cloud.backend.state()).ports

    await wait_for(plugged, "plugged")
    rule = await cloud.api.made(
        "security-group-rules",
        "security_group_rule",
        security_group_id=port["security_groups"][0],
        direction="ingress",
        protocol="icmp",
    )

    async def has_icmp() -> bool:
        fw = (await cloud.backend.state()).ports[port["id"]].firewall or []
        return any(r["id"] == rule["id"] for r in fw)

    await wait_for(has_icmp, "icmp rule on the host")


async def test_router_and_network_changes_reach_agents(cloud: Cloud) -> None:
    ext = await cloud.api.network("admin", name="ext", **{"router:external": True})
    await cloud.api.subnet(ext["id"], "172.24.4.0/24", "admin")
    net, sub = await cloud.api.net_with_subnet("10.0.0.0/24")
    router = await cloud.api.made("routers", "router", name="r", external_gateway_info={"network_id": ext["id"]})
    await cloud.api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})

    async def routed() -> bool:
        r = (await cloud.backend.state()).routers.get(router["id"])
        return r is not None and r.interfaces == ["10.0.0.1/24"] and r.gateway is not None

    await wait_for(routed, "router on the host")
    await cloud.api.put(f"routers/{router['id']}/remove_router_interface", {"subnet_id": sub["id"]})
    await cloud.api.delete(f"routers/{router['id']}")

    async def gone() -> bool:
        return router["id"] not in (await cloud.backend.state()).routers

    await wait_for(gone, "router removed")
    await cloud.backend.ensure_network({"id": net["id"], "mtu": 1500, "subnets": []})
    await cloud.api.delete(f"networks/{net['id']}")

    async def net_gone() -> bool:
        return net["id"] not in (await cloud.backend.state()).networks

    await wait_for(net_gone, "network removed")


async def test_agent_resync_plugs_bound_ports_and_drops_stale_ones(cloud: Cloud) -> None:
    _, port = await server_port(cloud.api)
    await cloud.agent.stop()
    await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host2"}}, "admin")
    backend = FakeBackend()
    await backend.ensure_network({"id": "stale-net", "mtu": 1500, "subnets": []})
    await backend.plug_port(
        {
            "id": "stale-port",
            "network_id": "stale-net",
            "mac_address": "fa:16:3e:0:0:9",
            "fixed_ips": [],
            "security_group_rules": [],
        }
    )
    agent = NetworkAgent(cloud.runtime.bus, "host2", backend)
    await agent.start()
    try:

        async def active() -> bool:
            return await status(cloud.api, port["id"]) == "ACTIVE"

        await wait_for(active, "resynced port ACTIVE")
        assert set((await backend.state()).ports) == {port["id"]}
    finally:
        await agent.stop()


async def test_compute_missing_does_not_break_binding(tmp_path: Path) -> None:
    async with _cloud(tmp_path, False) as cloud:
        _, port = await server_port(cloud.api)
        r = await cloud.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")
        assert r.status_code == 200

        async def active() -> bool:
            return await status(cloud.api, port["id"]) == "ACTIVE"

        await wait_for(active, "port ACTIVE without compute")


async def test_all_in_one_starts_an_agent_per_host_on_first_binding(tmp_path: Path) -> None:
    backends: list[FakeBackend] = []

    def factory() -> FakeBackend:
        backends.append(FakeBackend())
        return backends[-1]

    def network(rt: Runtime) -> Service:
        return NetworkService(rt, backend_factory=factory)

    async with running_services([network, FakeCompute], tmp_path) as (_runtime, services, client):
        api = Api(client, _runtime)
        _, port = await server_port(api)
        await api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "fake-host-1"}}, "admin")

        async def active() -> bool:
            return await status(api, port["id"]) == "ACTIVE"

        await wait_for(active, "port ACTIVE through the in-process agent")
        service = services["network"]
        assert isinstance(service, NetworkService) and list(service.agents) == ["fake-host-1"]
        assert len(backends) == 1 and port["id"] in (await backends[0].state()).ports
        compute = services["compute"]
        assert isinstance(compute, FakeCompute) and compute.events[0]["name"] == "network-vif-plugged"


async def test_agent_resync_brings_routers_to_what_the_api_has(cloud: Cloud) -> None:
    api = cloud.api
    _, sub1 = await api.net_with_subnet("10.61.0.0/24")
    net2 = await api.network(name="n2")
    sub2 = await api.subnet(net2["id"], "10.62.0.0/24")
    kept = await api.made("routers", "router", name="kept")
    gone = await api.made("routers", "router", name="gone")
    await api.put(f"routers/{kept['id']}/add_router_interface", {"subnet_id": sub1["id"]})

    async def both() -> bool:
        return {kept["id"], gone["id"]} <= set((await cloud.backend.state()).routers)

    await wait_for(both, "both routers on the host")
    await cloud.agent.stop()
    # While the agent is down: one router goes, the other gets a second interface.
    assert (await api.delete(f"routers/{gone['id']}")).status_code == 204
    r = await api.put(f"routers/{kept['id']}/add_router_interface", {"subnet_id": sub2["id"]})
    assert r.status_code == 200, r.text
    assert set((await cloud.backend.state()).routers) == {kept["id"], gone["id"]}

    cloud.agent = NetworkAgent(cloud.runtime.bus, "host1", cloud.backend)
    await cloud.agent.start()
    routers = (await cloud.backend.state()).routers
    assert list(routers) == [kept["id"]]
    assert routers[kept["id"]].interfaces == ["10.61.0.1/24", "10.62.0.1/24"]
