"""os-interface through the whole cloud in-process (fake compute driver, fake network
backend): list, attach a new port on a network or a given port, detach (a port compute
made is deleted, a given one unbound), the server's addresses following, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")
C = "/compute/v2.1"
N = "/network/v2.0"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("ifaces"))) as client:
        yield client


async def _req(c: CloudClient, method: str, path: str, token: str, version: str = "2.1", **kw: Any) -> Any:
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"}
    return await c.http.request(method, path, headers=headers, **kw)


async def _network(c: CloudClient, token: str, name: str, cidr: str) -> str:
    net = (await _req(c, "POST", f"{N}/networks", token, json={"network": {"name": name}})).json()["network"]["id"]
    body = {"subnet": {"network_id": net, "cidr": cidr, "ip_version": 4}}
    assert (await _req(c, "POST", f"{N}/subnets", token, json=body)).status_code == 201
    return str(net)


async def _image(c: CloudClient) -> str:
    admin = await c.token("admin")
    body = {"name": "pixel-if", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = (await _req(c, "POST", "/image/v2/images", admin, json=body)).json()
    put = await c.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=b"\0" * 1024,
        headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204
    return str(image["id"])


async def _server(c: CloudClient, token: str, sid: str) -> dict[str, Any]:
    return dict((await _req(c, "GET", f"{C}/servers/{sid}", token)).json()["server"])


def _fake(c: CloudClient) -> FakeDriver:
    compute = next(s for s in c.cloud.services if s.name == "compute")
    driver = next(iter(compute.agents.values())).driver  # type: ignore[attr-defined]
    assert isinstance(driver, FakeDriver)
    return driver


async def test_attach_list_detach(c: CloudClient) -> None:
    demo = await c.token("demo")
    first = await _network(c, demo, "first", "10.40.0.0/24")
    second = await _network(c, demo, "second", "10.41.0.0/24")
    body = {"server": {"name": "if-vm", "flavorRef": "1", "imageRef": await _image(c), "networks": [{"uuid": first}]}}
    made = await _req(c, "POST", f"{C}/servers", demo, json=body)
    assert made.status_code == 202, made.text
    sid = made.json()["server"]["id"]
    for _ in range(300):
        if (await _server(c, demo, sid))["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.02)
    listed = (await _req(c, "GET", f"{C}/servers/{sid}/os-interface", demo)).json()["interfaceAttachments"]
    assert [i["net_id"] for i in listed] == [first]
    boot_port = listed[0]["port_id"]
    assert listed[0]["fixed_ips"][0]["ip_address"].startswith("10.40.0.")

    # A new port on a network, with a fixed IP asked for.
    want = {"interfaceAttachment": {"net_id": second, "fixed_ips": [{"ip_address": "10.41.0.50"}]}}
    r = await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json=want)
    assert r.status_code == 200, r.text
    made_port = r.json()["interfaceAttachment"]
    assert made_port["net_id"] == second and made_port["fixed_ips"][0]["ip_address"] == "10.41.0.50"
    assert made_port["port_id"] in _fake(c).instances[sid].vifs
    server = await _server(c, demo, sid)
    assert [a["addr"] for a in server["addresses"]["second"]] == ["10.41.0.50"]
    shown = await _req(c, "GET", f"{C}/servers/{sid}/os-interface/{made_port['port_id']}", demo)
    assert shown.json()["interfaceAttachment"]["port_id"] == made_port["port_id"]

    # A port the user made, with a tag (2.49); listed with it from 2.70.
    own = (await _req(c, "POST", f"{N}/ports", demo, json={"port": {"network_id": second}})).json()["port"]
    tagged = {"interfaceAttachment": {"port_id": own["id"], "tag": "data"}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json=tagged)).status_code == 400
    r = await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, version="2.49", json=tagged)
    assert r.status_code == 200, r.text
    admin = await c.token("admin")
    port = (await _req(c, "GET", f"{N}/ports/{own['id']}", admin)).json()["port"]
    assert port["device_id"] == sid and port["binding:host_id"]
    listed = (await _req(c, "GET", f"{C}/servers/{sid}/os-interface", demo, version="2.70")).json()
    assert {i["port_id"]: i["tag"] for i in listed["interfaceAttachments"]}[own["id"]] == "data"
    assert len(listed["interfaceAttachments"]) == 3

    # Refusals.
    again = await _req(
        c, "POST", f"{C}/servers/{sid}/os-interface", demo, json={"interfaceAttachment": {"port_id": own["id"]}}
    )
    assert again.status_code == 409
    both = {"interfaceAttachment": {"port_id": own["id"], "net_id": second}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json=both)).status_code == 400
    # The network service's refusals are the caller's 4xx (an address in use: 409).
    taken = {"interfaceAttachment": {"net_id": second, "fixed_ips": [{"ip_address": "10.41.0.50"}]}}
    in_use = await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json=taken)
    assert in_use.status_code == 409 and "10.41.0.50" in in_use.text, in_use.text
    nowhere = {"interfaceAttachment": {"net_id": "5b0b5e4c-0000-4000-8000-000000000000"}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json=nowhere)).status_code == 404
    missing = f"{C}/servers/{sid}/os-interface/5b0b5e4c-0000-4000-8000-000000000001"
    assert (await _req(c, "DELETE", missing, demo)).status_code == 404

    # Detach: the port compute made is deleted, the user's is unbound and kept.
    assert (await _req(c, "DELETE", f"{C}/servers/{sid}/os-interface/{made_port['port_id']}", demo)).status_code == 202
    assert (await _req(c, "GET", f"{N}/ports/{made_port['port_id']}", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/servers/{sid}/os-interface/{own['id']}", demo)).status_code == 202
    port = (await _req(c, "GET", f"{N}/ports/{own['id']}", admin)).json()["port"]
    assert port["device_id"] == "" and not port["binding:host_id"]
    server = await _server(c, demo, sid)
    assert "second" not in server["addresses"] and "first" in server["addresses"]
    assert not _fake(c).instances[sid].vifs

    # The boot port (made at create) goes too, from the driver's NICs as well.
    assert (await _req(c, "DELETE", f"{C}/servers/{sid}/os-interface/{boot_port}", demo)).status_code == 202
    assert (await _req(c, "GET", f"{N}/ports/{boot_port}", demo)).status_code == 404
    assert _fake(c).instances[sid].spec.network_info == []
    assert (await _server(c, demo, sid))["addresses"] == {}

    # A user's port attached when the server is deleted outlives it, unbound.
    r = await _req(
        c, "POST", f"{C}/servers/{sid}/os-interface", demo, json={"interfaceAttachment": {"port_id": own["id"]}}
    )
    assert r.status_code == 200
    assert (await _req(c, "DELETE", f"{C}/servers/{sid}", demo)).status_code == 204
    for _ in range(300):
        if (await _req(c, "GET", f"{C}/servers/{sid}", demo)).status_code == 404:
            break
        await asyncio.sleep(0.02)
    port = (await _req(c, "GET", f"{N}/ports/{own['id']}", demo)).json()["port"]
    assert port["device_id"] == ""


async def test_a_failed_hot_plug_leaves_no_port(c: CloudClient) -> None:
    demo = await c.token("demo")
    net = await _network(c, demo, "third", "10.42.0.0/24")
    body = {"server": {"name": "if-fail", "flavorRef": "1", "imageRef": await _image(c), "networks": "none"}}
    sid = (await _req(c, "POST", f"{C}/servers", demo, version="2.37", json=body)).json()["server"]["id"]
    for _ in range(300):
        if (await _server(c, demo, sid))["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.02)
    _fake(c).faults.inject("attach_interface", "no free PCI slot")
    r = await _req(c, "POST", f"{C}/servers/{sid}/os-interface", demo, json={"interfaceAttachment": {"net_id": net}})
    assert r.status_code >= 500 and "no free PCI slot" in r.text
    ports = (await _req(c, "GET", f"{N}/ports?network_id={net}", demo)).json()["ports"]
    assert [p for p in ports if p["device_owner"].startswith("compute")] == []
    assert (await _server(c, demo, sid))["addresses"] == {}
    assert (await _req(c, "GET", f"{C}/servers/{sid}/os-interface", demo)).json()["interfaceAttachments"] == []


async def test_shelve_offload_keeps_the_ports_and_unshelve_binds_them_again(c: CloudClient) -> None:
    demo = await c.token("demo")
    admin = await c.token("admin")
    net = await _network(c, demo, "shelf-net", "10.43.0.0/24")
    body = {"server": {"name": "if-shelf", "flavorRef": "1", "imageRef": await _image(c), "networks": [{"uuid": net}]}}
    sid = (await _req(c, "POST", f"{C}/servers", demo, json=body)).json()["server"]["id"]

    async def settled(status: str) -> dict[str, Any]:
        for _ in range(400):
            server = await _server(c, demo, sid)
            if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
                return server
            await asyncio.sleep(0.02)
        raise AssertionError(f"not {status}: {server['status']}")

    before = (await settled("ACTIVE"))["addresses"]
    (port,) = (await _req(c, "GET", f"{N}/ports?device_id={sid}", admin)).json()["ports"]
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={"shelve": None})).status_code == 202
    await settled("SHELVED_OFFLOADED")
    kept = (await _req(c, "GET", f"{N}/ports/{port['id']}", admin)).json()["port"]
    assert kept["device_id"] == sid and not kept["binding:host_id"]
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={"unshelve": None})).status_code == 202
    server = await settled("ACTIVE")
    assert server["addresses"] == before
    bound = (await _req(c, "GET", f"{N}/ports/{port['id']}", admin)).json()["port"]
    assert bound["binding:host_id"] == server.get("OS-EXT-SRV-ATTR:host", bound["binding:host_id"]) != ""
    assert [v["id"] for v in _fake(c).instances[sid].spec.network_info] == [port["id"]]
    # Offloaded again and deleted: the port compute made goes with the server.
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={"shelve": None})).status_code == 202
    await settled("SHELVED_OFFLOADED")
    assert (await _req(c, "DELETE", f"{C}/servers/{sid}", demo)).status_code == 204
    for _ in range(200):
        if (await _req(c, "GET", f"{N}/ports/{port['id']}", admin)).status_code == 404:
            break
        await asyncio.sleep(0.02)
    assert (await _req(c, "GET", f"{N}/ports/{port['id']}", admin)).status_code == 404
