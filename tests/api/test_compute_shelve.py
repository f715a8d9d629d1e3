"""shelve, shelveOffload and unshelve over the fake driver: the snapshot image, the
host's VM and placement allocation going (offload) and coming back (unshelve), the
shelved image deleted once the server runs again, refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.testing.service import auth
from tests.api.compute_support import Cloud, V, cloud, mv


async def _settle(c: Cloud, sid: str, *statuses: str) -> dict[str, Any]:
    for _ in range(500):
        server = await c.show(sid)
        if server["status"] in statuses and server["OS-EXT-STS:task_state"] is None:
            return server
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {statuses}: {server['status']}/{server['OS-EXT-STS:task_state']}")


async def _held(c: Cloud, consumer: str) -> dict[str, Any]:
    headers = auth("admin", **{"OpenStack-API-Version": "placement 1.36"})
    r = await c.client.get(f"/placement/allocations/{consumer}", headers=headers)
    return dict(r.json()["allocations"])


async def _shelved_image(c: Cloud, name: str) -> dict[str, Any]:
    images = (await c.client.get(f"/image/v2/images?name={name}-shelved", headers=auth("demo"))).json()["images"]
    assert len(images) == 1, images
    return dict(images[0])


def _driver(c: Cloud) -> FakeDriver:
    driver = c.compute.agents["fake-host"].driver
    assert isinstance(driver, FakeDriver)
    return driver


async def test_shelve_offloads_and_unshelve_places_again(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot("shelf"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"unshelve": None})).status_code == 409
        assert (await c.action(sid, {"shelve": None})).status_code == 202
        server = await _settle(c, sid, "SHELVED_OFFLOADED")
        assert server["OS-EXT-SRV-ATTR:host"] is None and server["OS-EXT-STS:power_state"] == 0
        assert sid not in _driver(c).instances
        assert await _held(c, sid) == {}
        image = await _shelved_image(c, "shelf")
        assert image["status"] == "active" and image["instance_uuid"] == sid
        assert (await c.action(sid, {"shelve": None})).status_code == 409
        bad = await c.action(sid, {"unshelve": {"availability_zone": "nova"}}, version="2.76")
        assert bad.status_code == 400  # a zone only from 2.77
        assert (await c.action(sid, {"unshelve": None})).status_code == 202
        server = await _settle(c, sid, "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == "fake-host" and server["OS-EXT-STS:power_state"] == 1
        assert _driver(c).instances[sid].spec.image["id"] == image["id"]
        assert list(await _held(c, sid)) != []
        # The snapshot image goes once the server runs again.
        for _ in range(100):
            gone = (await c.client.get(f"/image/v2/images/{image['id']}", headers=auth("demo"))).status_code == 404
            if gone:
                break
            await asyncio.sleep(0.02)
        assert gone
        shown = await c.client.get(f"{V}/servers/{sid}/os-instance-actions", headers=auth("demo"))
        names = [a["action"] for a in shown.json()["instanceActions"]]
        assert "shelve" in names and "unshelve" in names


async def test_shelved_kept_on_its_host_then_offloaded_or_unshelved(tmp_path: Path) -> None:
    async with cloud(tmp_path, shelved_offload_time=-1.0) as c:
        sid = (await c.boot("kept"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"shelve": None})).status_code == 202
        server = await _settle(c, sid, "SHELVED")
        assert server["OS-EXT-SRV-ATTR:host"] == "fake-host" and server["OS-EXT-STS:power_state"] == 4
        assert list(await _held(c, sid)) != []
        # Straight back on the same host: powered on.
        assert (await c.action(sid, {"unshelve": None})).status_code == 202
        await _settle(c, sid, "ACTIVE")
        assert _driver(c).instances[sid].state == 1
        # Shelved again, then offloaded by an admin (members may not).
        assert (await c.action(sid, {"shelve": None})).status_code == 202
        await _settle(c, sid, "SHELVED")
        assert (await c.action(sid, {"shelveOffload": None})).status_code == 403
        assert (await c.action(sid, {"shelveOffload": None}, token="admin")).status_code == 202
        await _settle(c, sid, "SHELVED_OFFLOADED")
        assert await _held(c, sid) == {}
        image = await _shelved_image(c, "kept")
        # Deleting an offloaded server deletes its shelved image too.
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=mv("demo"))).status_code == 204
        await c.wait_gone(sid)
        assert (await c.client.get(f"/image/v2/images/{image['id']}", headers=auth("demo"))).status_code == 404


async def test_a_failed_shelve_leaves_the_server_stopped_with_a_fault(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot("fails"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        _driver(c).faults.inject("snapshot", "no room for the snapshot")
        assert (await c.action(sid, {"shelve": None})).status_code == 202
        server = await _settle(c, sid, "SHUTOFF")
        assert server["OS-EXT-SRV-ATTR:host"] == "fake-host"
        images = (await c.client.get("/image/v2/images?name=fails-shelved", headers=auth("demo"))).json()
        assert images["images"] == []
        assert (await c.action(sid, {"os-start": None})).status_code == 202
        await _settle(c, sid, "ACTIVE")


async def test_unshelve_to_a_zone_or_host(tmp_path: Path) -> None:
    """2.77 availability_zone and 2.91 host (admins) for an offloaded server."""
    async with cloud(tmp_path, hosts=2) as c:
        sid = (await c.boot())["server"]["id"]
        source = (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"]
        assert (await c.action(sid, {"shelve": None})).status_code == 202
        await _settle(c, sid, "SHELVED_OFFLOADED")
        other = "fake-host-2" if source == "fake-host-1" else "fake-host-1"
        refusals = [
            ({"availability_zone": "nova"}, "demo", "2.76", 400),
            ({"availability_zone": "nowhere"}, "demo", "2.77", 400),
            ({"host": other}, "demo", "2.90", 400),
            ({"host": other}, "demo", "2.91", 403),
            ({"host": "no-such-host"}, "admin", "2.91", 400),
            ({"availability_zone": None}, "demo", "2.77", 400),
        ]
        for body, token, version, status in refusals:
            r = await c.action(sid, {"unshelve": body}, token=token, version=version)
            assert r.status_code == status, (body, version, r.text)
        r = await c.action(sid, {"unshelve": {"host": other}}, token="admin", version="2.91")
        assert r.status_code == 202, r.text
        server = await _settle(c, sid, "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == other
        # A server that is not offloaded cannot be sent anywhere: 409.
        r = await c.action(sid, {"unshelve": {"availability_zone": "nova"}}, version="2.77")
        assert r.status_code == 409
