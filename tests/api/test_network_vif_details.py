"""Where a plugged port's tap is: the agent's backend says (``vif_details``), the service
merges it into ``binding:vif_details`` for the hypervisor; a rebind forgets it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.network.agent.base import Spec
from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.linuxbridge import LinuxBridgeBackend, vif_device
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.service import NetworkService
from pocketstack.testing.service import running_services
from tests.api.network_support import Api


class TapBackend(FakeBackend):
    """The fake data plane, telling where it would have put each tap."""

    def vif_details(self, port_id: str) -> Spec:
        return {"namespace": "pocketstack-test-ns", "devname": f"tap{port_id[:11]}"}


async def _port(api: Api, port_id: str) -> dict[str, Any]:
    r = await api.get(f"ports/{port_id}", "admin")
    assert r.status_code == 200, r.text
    return dict(r.json()["port"])


async def _until_active(api: Api, port_id: str) -> dict[str, Any]:
    for _ in range(300):
        port = await _port(api, port_id)
        if port["status"] == "ACTIVE":
            return port
        await asyncio.sleep(0.01)
    raise AssertionError(f"port {port_id} never became ACTIVE")


async def test_plugged_port_carries_the_agents_vif_details(tmp_path: Path) -> None:
    factories = [lambda rt: NetworkService(rt, local_agents=False)]
    async with running_services(factories, tmp_path) as (runtime, _, client):
        agents = [NetworkAgent(runtime.bus, "host1", TapBackend()), NetworkAgent(runtime.bus, "host2", FakeBackend())]
        for agent in agents:
            await agent.start()
        try:
            api = Api(client, runtime)
            net, _ = await api.net_with_subnet()
            port = await api.port(net["id"], device_id="server-1", device_owner="compute:nova")
            r = await api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host1"}}, "admin")
            assert r.status_code == 200, r.text
            # Before the agent answered, only the API's own details are there.
            assert "devname" not in r.json()["port"]["binding:vif_details"]
            plugged = await _until_active(api, port["id"])
            details = plugged["binding:vif_details"]
            assert details["namespace"] == "pocketstack-test-ns"
            assert details["devname"] == f"tap{port['id'][:11]}"
            assert details["bridge_name"] == f"brq{net['id'][:11]}"
            # Not shown to the project's users (admin and service only, as Neutron).
            assert "binding:vif_details" not in (await api.get(f"ports/{port['id']}")).json()["port"]
            # Rebound to a host whose backend makes no device: the old tap is forgotten.
            r = await api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "host2"}}, "admin")
            assert r.status_code == 200, r.text
            moved = await _until_active(api, port["id"])
            assert "devname" not in moved["binding:vif_details"]
            assert "namespace" not in moved["binding:vif_details"]
        finally:
            for agent in agents:
                await agent.stop()


def test_linuxbridge_details_are_its_vif_device(tmp_path: Path) -> None:
    backend = LinuxBridgeBackend(host="node-1", data_dir=tmp_path)
    port_id = "0123456789abcdef0123"
    namespace, tap = vif_device(tmp_path, "node-1", port_id)
    assert backend.vif_details(port_id) == {"namespace": namespace, "devname": tap}
    assert tap == "tap0123456789a" and namespace.startswith("pocketstack-")
