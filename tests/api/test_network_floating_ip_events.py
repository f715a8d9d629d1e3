"""Floating IPs: ``port_details`` of the associated port (fip-port-details), and
``network-changed`` sent to compute for the port's server when a floating IP is mapped
to it or away from it, or when the port's fixed IPs change (as Neutron's Nova notifier),
so compute refreshes the server's addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.network_support import Api
from tests.api.test_network_binding import Cloud, _cloud


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with _cloud(tmp_path, True) as c:
        yield c


async def _topology(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    ext = await api.network("admin", name="ext", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    router = await api.made("routers", "router", external_gateway_info={"network_id": ext["id"]})
    net, sub = await api.net_with_subnet("10.0.0.0/24")
    await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    port = await api.port(net["id"], name="vm-port", device_id="server-1", device_owner="compute:nova")
    return ext, port


def _changed(cloud: Cloud) -> list[dict[str, Any]]:
    assert cloud.compute is not None
    return [e for e in cloud.compute.events if e["name"] == "network-changed"]


async def test_port_details_follow_the_association(cloud: Cloud) -> None:
    api = cloud.api
    ext, port = await _topology(api)
    fip = await api.made("floatingips", "floatingip", floating_network_id=ext["id"])
    assert fip["port_details"] is None
    r = await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": port["id"]}})
    details = r.json()["floatingip"]["port_details"]
    assert details == {
        "name": "vm-port",
        "network_id": port["network_id"],
        "mac_address": port["mac_address"],
        "admin_state_up": True,
        "status": "DOWN",
        "device_id": "server-1",
        "device_owner": "compute:nova",
    }
    assert (await api.get(f"floatingips/{fip['id']}")).json()["floatingip"]["port_details"] == details
    assert (await api.get("floatingips")).json()["floatingips"][0]["port_details"] == details
    r = await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
    assert r.json()["floatingip"]["port_details"] is None


async def test_compute_is_told_network_changed(cloud: Cloud) -> None:
    api = cloud.api
    ext, port = await _topology(api)
    event = {"name": "network-changed", "server_uuid": "server-1", "tag": port["id"], "status": "completed"}
    fip = await api.made("floatingips", "floatingip", floating_network_id=ext["id"], port_id=port["id"])
    assert _changed(cloud) == [event]
    # A description change maps nothing: nothing to tell.
    await api.put(f"floatingips/{fip['id']}", {"floatingip": {"description": "d"}})
    assert len(_changed(cloud)) == 1
    await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
    assert _changed(cloud) == [event, event]
    await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": port["id"]}})
    assert (await api.delete(f"floatingips/{fip['id']}")).status_code == 204
    assert _changed(cloud) == [event] * 4


async def test_ports_of_no_server_send_nothing(cloud: Cloud) -> None:
    api = cloud.api
    ext, port = await _topology(api)
    net_port = await api.port(port["network_id"], device_owner="")
    fip = await api.made("floatingips", "floatingip", floating_network_id=ext["id"], port_id=net_port["id"])
    assert fip["port_details"]["device_owner"] == ""
    assert _changed(cloud) == []


async def test_changing_a_server_ports_addresses_tells_compute(cloud: Cloud) -> None:
    api = cloud.api
    _, port = await _topology(api)
    await api.put(f"ports/{port['id']}", {"port": {"name": "renamed"}})
    assert _changed(cloud) == []
    r = await api.put(f"ports/{port['id']}", {"port": {"fixed_ips": [{"ip_address": "10.0.0.77"}]}})
    assert r.status_code == 200, r.text
    assert _changed(cloud) == [
        {"name": "network-changed", "server_uuid": "server-1", "tag": port["id"], "status": "completed"}
    ]
