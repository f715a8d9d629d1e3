"""A server deleted while it builds on a live host reads as deleted only once its host
has undone the build (ports, VM, claim), as Nova keeps it 'deleting' until then: a
caller that deletes the server, waits for its 404 and deletes the network next (Tempest's
class teardown) finds no port of it left."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.testing import cloud as testing_cloud
from pocketstack.testing.cloud import CloudClient, in_process_cloud

C = "/compute/v2.1"
N = "/network/v2.0"


async def _req(c: CloudClient, method: str, path: str, token: str, **kw: Any) -> Any:
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.37"}
    return await c.http.request(method, path, headers=headers, **kw)


async def test_delete_while_building_releases_ports_before_the_404(tmp_path: Path) -> None:
    config = testing_cloud.test_config(tmp_path)
    config.compute.fake_boot_delay = 0.5
    async with in_process_cloud(tmp_path, config) as c:
        demo, admin = await c.token("demo"), await c.token("admin")
        net = (await _req(c, "POST", f"{N}/networks", demo, json={"network": {"name": "n"}})).json()["network"]["id"]
        body = {"subnet": {"network_id": net, "cidr": "10.60.0.0/24", "ip_version": 4}}
        subnet = (await _req(c, "POST", f"{N}/subnets", demo, json=body)).json()["subnet"]["id"]
        image = (
            await _req(c, "POST", "/image/v2/images", admin,
                       json={"name": "i", "disk_format": "raw", "container_format": "bare", "visibility": "public"})
        ).json()["id"]  # fmt: skip
        put = await c.http.put(f"/image/v2/images/{image}/file", content=b"\0" * 512,
                               headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"})  # fmt: skip
        assert put.status_code == 204
        server = {"server": {"name": "b", "flavorRef": "1", "imageRef": image, "networks": [{"uuid": net}]}}
        sid = (await _req(c, "POST", f"{C}/servers", demo, json=server)).json()["server"]["id"]
        # Deleted once its port exists, while the (slow) spawn runs.
        for _ in range(500):
            ports = (await _req(c, "GET", f"{N}/ports?device_id={sid}", admin)).json()["ports"]
            if ports:
                break
            await asyncio.sleep(0.01)
        assert ports, "the build never made its port"
        shown = (await _req(c, "GET", f"{C}/servers/{sid}", demo)).json()["server"]
        assert shown["status"] == "BUILD"
        assert (await _req(c, "DELETE", f"{C}/servers/{sid}", demo)).status_code == 204
        for _ in range(1000):
            got = await _req(c, "GET", f"{C}/servers/{sid}", demo)
            if got.status_code == 404:
                break
            assert got.json()["server"]["OS-EXT-STS:task_state"] == "deleting"
            await asyncio.sleep(0.01)
        assert got.status_code == 404
        # Gone with it: its port (the subnet can go at once), its VM and its claim.
        assert (await _req(c, "GET", f"{N}/ports?device_id={sid}", admin)).json()["ports"] == []
        assert (await _req(c, "DELETE", f"{N}/subnets/{subnet}", demo)).status_code == 204
        compute = next(s for s in c.cloud.services if s.name == "compute")
        driver = next(iter(compute.agents.values())).driver  # type: ignore[attr-defined]
        assert isinstance(driver, FakeDriver) and sid not in driver.instances
        usage = await c.http.get(f"/placement/allocations/{sid}", headers={"X-Auth-Token": admin})
        assert usage.json()["allocations"] == {}
