"""os-volume_attachments on servers with the fake driver: attach hot-plugs through the
agent, detach unplugs, failures undo, server delete releases volumes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.common.config import Config
from pocketstack.common.errors import PocketError
from pocketstack.compute import service as compute
from pocketstack.compute.objects import actions
from pocketstack.compute.service import ComputeService
from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.image import service as image
from pocketstack.placement import service as placement
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services
from pocketstack.volume.backends.fake import FakeBackend
from pocketstack.volume.service import VolumeService
from tests.api.compute_support import Cloud, V, make_image, mv
from tests.api.volume_support import VolumeApi, fault


class Both:
    def __init__(self, cloud: Cloud, vol: VolumeApi) -> None:
        self.cloud = cloud
        self.vol = vol

    def driver(self) -> FakeDriver:
        (agent,) = self.cloud.compute.agents.values()
        assert isinstance(agent.driver, FakeDriver)
        return agent.driver

    async def server(self) -> dict[str, Any]:
        server = (await self.cloud.boot())["server"]
        return await self.cloud.wait(server["id"], "ACTIVE")

    async def attach(self, server_id: str, volume_id: str, token: str = "demo", **extra: Any) -> Any:
        body = {"volumeAttachment": {"volumeId": volume_id, **extra}}
        return await self.cloud.client.post(
            f"{V}/servers/{server_id}/os-volume_attachments", json=body, headers=mv(token, "2.79")
        )

    async def detach(self, server_id: str, volume_id: str, token: str = "demo") -> Any:
        return await self.cloud.client.delete(
            f"{V}/servers/{server_id}/os-volume_attachments/{volume_id}", headers=auth(token)
        )


@pytest.fixture(name="both")
async def both_fixture(tmp_path: Path) -> AsyncIterator[Both]:
    cfg = Config(data_dir=tmp_path)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = 1
    backend = FakeBackend()

    def volume_factory(runtime: Runtime) -> VolumeService:
        return VolumeService(runtime, backend=backend)

    factories = [placement.create, image.create, compute.create, volume_factory]
    async with running_services(factories, tmp_path, config=cfg) as (runtime, services, client):
        await compute.bootstrap(runtime)
        image_id = await make_image(client)
        svc = services["compute"]
        vsvc = services["volume"]
        assert isinstance(svc, ComputeService) and isinstance(vsvc, VolumeService)
        yield Both(Cloud(runtime, svc, client, image_id), VolumeApi(client, vsvc, runtime, tmp_path))


async def test_attach_and_detach(both: Both) -> None:
    server = await both.server()
    vol = await both.vol.create(size=1)
    resp = await both.attach(server["id"], vol["id"], delete_on_termination=False)
    assert resp.status_code == 200, resp.text
    att = resp.json()["volumeAttachment"]
    assert att["device"] == "/dev/vdb" and att["volumeId"] == vol["id"] and att["serverId"] == server["id"]
    info = both.driver().instances[server["id"]].volumes["/dev/vdb"]
    assert info["driver_volume_type"] == "fake" and info["data"]["volume_id"] == vol["id"]
    shown = await both.vol.show(vol["id"])
    assert shown["status"] == "in-use" and shown["attachments"][0]["server_id"] == server["id"]
    listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-volume_attachments", headers=auth("demo"))
    assert [a["volumeId"] for a in listed.json()["volumeAttachments"]] == [vol["id"]]
    one = await both.cloud.client.get(
        f"{V}/servers/{server['id']}/os-volume_attachments/{vol['id']}", headers=mv("demo", "2.89")
    )
    assert one.json()["volumeAttachment"]["attachment_id"] == shown["attachments"][0]["attachment_id"]
    srv = await both.cloud.show(server["id"], version="2.3")
    assert srv["os-extended-volumes:volumes_attached"] == [{"id": vol["id"], "delete_on_termination": False}]
    assert (await both.cloud.show(server["id"]))["os-extended-volumes:volumes_attached"] == [{"id": vol["id"]}]
    # a second volume gets the next device
    vol2 = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol2["id"])).json()["volumeAttachment"]["device"] == "/dev/vdc"
    # detach: 202 at once, the host unplugs it afterwards (as Nova)
    assert (await both.detach(server["id"], vol["id"])).status_code == 202
    await both.vol.wait(vol["id"], "available")
    assert "/dev/vdb" not in both.driver().instances[server["id"]].volumes
    assert fault(await both.detach(server["id"], vol["id"]), 404)


async def test_detach_is_asynchronous(both: Both) -> None:
    """Nova answers a detach with 202 before the host acts: the volume is 'detaching'
    meanwhile (a second detach is refused), then 'available', and the server's action
    list holds detach_volume with its compute_detach_volume event."""
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    driver = both.driver()
    original = driver.detach_volume
    release = asyncio.Event()

    async def slow(uuid: str, mountpoint: str) -> None:
        await release.wait()
        await original(uuid, mountpoint)

    driver.detach_volume = slow  # type: ignore[method-assign]
    try:
        resp = await both.detach(server["id"], vol["id"])
        assert resp.status_code == 202 and resp.content == b""
        await both.vol.wait(vol["id"], "detaching")
        # Still listed until the host has let it go; a second detach is a 400 (Cinder's refusal).
        listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-volume_attachments", headers=auth("demo"))
        assert [a["volumeId"] for a in listed.json()["volumeAttachments"]] == [vol["id"]]
        assert "in-use" in fault(await both.detach(server["id"], vol["id"]), 400)
        release.set()
        await both.vol.wait(vol["id"], "available")
    finally:
        driver.detach_volume = original  # type: ignore[method-assign]
    listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-volume_attachments", headers=auth("demo"))
    assert listed.json()["volumeAttachments"] == []
    request_id = resp.headers["x-openstack-request-id"]
    action = await both.cloud.client.get(
        f"{V}/servers/{server['id']}/os-instance-actions/{request_id}", headers=mv("demo", "2.51")
    )
    assert action.status_code == 200, action.text
    body = action.json()["instanceAction"]
    assert body["action"] == "detach_volume"
    assert [(e["event"], e["result"]) for e in body["events"]] == [("compute_detach_volume", "Success")]


async def test_failed_detach_leaves_the_volume_in_use(both: Both) -> None:
    """A guest that keeps the device: the volume goes back to in-use, the attachment
    stays, the server stays ACTIVE with an instance fault and an Error event."""
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    driver = both.driver()
    original = driver.detach_volume

    async def stuck(uuid: str, mountpoint: str) -> None:
        raise PocketError(f"The guest of instance {uuid} did not release disk-vdb within 20s (4 requests).")

    driver.detach_volume = stuck  # type: ignore[method-assign]
    try:
        resp = await both.detach(server["id"], vol["id"])
        assert resp.status_code == 202
        request_id = resp.headers["x-openstack-request-id"]
        url = f"{V}/servers/{server['id']}/os-instance-actions/{request_id}"
        deadline = asyncio.get_running_loop().time() + 20
        while not (
            events := (await both.cloud.client.get(url, headers=mv("admin", "2.51"))).json()["instanceAction"]["events"]
        ):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.02)
    finally:
        driver.detach_volume = original  # type: ignore[method-assign]
    assert [(e["event"], e["result"]) for e in events] == [("compute_detach_volume", "Error")]
    assert "did not release" in events[0]["traceback"]
    shown = await both.vol.wait(vol["id"], "in-use")
    assert shown["attachments"][0]["server_id"] == server["id"]
    assert "/dev/vdb" in driver.instances[server["id"]].volumes
    assert (await both.cloud.show(server["id"]))["status"] == "ACTIVE"
    async with both.cloud.compute.db.reader() as s:
        last = await actions.latest_fault(s, server["id"])
    assert last is not None and "did not release" in last.message
    # The mapping is attached again: a later detach works.
    assert (await both.detach(server["id"], vol["id"])).status_code == 202
    await both.vol.wait(vol["id"], "available")


async def test_attach_refusals(both: Both) -> None:
    server = await both.server()
    other = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    # in-use volume to another server
    msg = fault(await both.attach(other["id"], vol["id"]), 400)
    assert "in-use" in msg or "status" in msg
    # the same volume again
    assert "already attached" in fault(await both.attach(server["id"], vol["id"]), 400)
    assert fault(await both.attach(server["id"], "no-such-volume"), 404)
    assert fault(await both.attach(server["id"], vol["id"], token="reader"), 403)
    assert fault(await both.attach(server["id"], vol["id"], token="alt"), 404)
    bad = await both.cloud.client.post(
        f"{V}/servers/{server['id']}/os-volume_attachments", json={"volumeAttachment": {}}, headers=auth("demo")
    )
    assert fault(bad, 400)
    vol2 = await both.vol.create(size=1)
    assert "invalid" in fault(await both.attach(server["id"], vol2["id"], device="sdb"), 400)
    # wrong server state
    await both.cloud.action(server["id"], {"suspend": None})
    await both.cloud.wait(server["id"], "SUSPENDED")
    assert "vm_state suspended" in fault(await both.attach(server["id"], vol2["id"]), 409)
    assert (await both.vol.show(vol2["id"]))["status"] == "available"


async def test_failed_attach_leaves_volume_available(both: Both) -> None:
    server = await both.server()
    vol = await both.vol.create(size=1)
    driver = both.driver()
    original = driver.attach_volume

    async def broken(uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None:
        raise RuntimeError("device_add failed")

    driver.attach_volume = broken  # type: ignore[method-assign]
    try:
        resp = await both.attach(server["id"], vol["id"])
        assert resp.status_code >= 400
    finally:
        driver.attach_volume = original  # type: ignore[method-assign]
    assert (await both.vol.show(vol["id"]))["status"] == "available"
    assert driver.instances[server["id"]].volumes == {}
    listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-volume_attachments", headers=auth("demo"))
    assert listed.json()["volumeAttachments"] == []
    # and it attaches fine afterwards
    assert (await both.attach(server["id"], vol["id"])).status_code == 200


async def test_server_delete_releases_volumes(both: Both) -> None:
    server = await both.server()
    keep = await both.vol.create(size=1)
    drop = await both.vol.create(size=1)
    assert (await both.attach(server["id"], keep["id"])).status_code == 200
    assert (await both.attach(server["id"], drop["id"], delete_on_termination=True)).status_code == 200
    assert "delete_on_termination" in fault(
        await both.cloud.client.post(
            f"{V}/servers/{server['id']}/os-volume_attachments",
            json={"volumeAttachment": {"volumeId": keep["id"], "delete_on_termination": True}},
            headers=mv("demo", "2.78"),
        ),
        400,
    )
    r = await both.cloud.client.delete(f"{V}/servers/{server['id']}", headers=auth("demo"))
    assert r.status_code == 204
    await both.cloud.wait_gone(server["id"])
    await both.vol.wait(keep["id"], "available")
    await both.vol.wait_gone(f"/volumes/{drop['id']}")
    await asyncio.sleep(0)


async def test_delete_while_the_host_is_down_lets_the_volumes_go(both: Both) -> None:
    # No agent will clean up after this server: the API's local delete ends the
    # attachments and deletes the delete_on_termination volume, as Nova's does.
    server = await both.server()
    kept = await both.vol.create(size=1)
    dropped = await both.vol.create(size=1)
    assert (await both.attach(server["id"], kept["id"], delete_on_termination=False)).status_code == 200
    assert (await both.attach(server["id"], dropped["id"], delete_on_termination=True)).status_code == 200
    services = await both.cloud.client.get(f"{V}/os-services?binary=nova-compute", headers=mv("admin", "2.53"))
    (row,) = services.json()["services"]
    forced = await both.cloud.client.put(
        f"{V}/os-services/{row['id']}", headers=mv("admin", "2.53"), json={"forced_down": True}
    )
    assert forced.status_code == 200, forced.text
    assert (await both.cloud.client.delete(f"{V}/servers/{server['id']}", headers=auth("demo"))).status_code == 204
    await both.cloud.wait_gone(server["id"])
    # The VM itself stays on the dead host (the agent is the one to reap it).
    assert server["id"] in both.driver().instances
    shown = await both.vol.show(kept["id"])
    assert shown["status"] == "available" and shown["attachments"] == []
    await both.vol.wait_gone(f"/volumes/{dropped['id']}")


async def test_update_attachment(both: Both) -> None:
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"], delete_on_termination=False)).status_code == 200
    url = f"{V}/servers/{server['id']}/os-volume_attachments"

    async def put(volume_in_uri: str, token: str = "demo", version: str = "2.85", **body: Any) -> Any:
        payload = {"volumeAttachment": {"volumeId": vol["id"], **body}}
        return await both.cloud.client.put(f"{url}/{volume_in_uri}", json=payload, headers=mv(token, version))

    # 2.85: the same volume, its delete_on_termination changed.
    assert (await put(vol["id"], delete_on_termination=True)).status_code == 202
    srv = await both.cloud.show(server["id"], version="2.3")
    assert srv["os-extended-volumes:volumes_attached"] == [{"id": vol["id"], "delete_on_termination": True}]
    assert (await put(vol["id"], version="2.84", delete_on_termination=False)).status_code == 400
    assert (await put(vol["id"], device="/dev/vdz")).status_code == 400
    # A volume the server does not have in the URI: 404; a swap: admins only, and not built (501).
    missing = "7a0c1c52-0000-4000-8000-000000000000"
    assert fault(await put(missing, token="admin"), 404)
    assert (await put(missing)).status_code == 403
    other = await both.vol.create(size=1)
    swap = {"volumeAttachment": {"volumeId": other["id"]}}
    r = await both.cloud.client.put(f"{url}/{vol['id']}", json=swap, headers=mv("admin", "2.1"))
    assert r.status_code == 501


async def _settle_shelf(both: Both, sid: str, status: str) -> dict[str, Any]:
    for _ in range(500):
        server = await both.cloud.show(sid)
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {status}")


async def test_volumes_of_a_shelved_offloaded_server(both: Both) -> None:
    """2.20: attach to and detach from a SHELVED_OFFLOADED server; data volumes go
    along through shelve and unshelve."""
    server = await both.server()
    sid = server["id"]
    assert (await both.cloud.action(sid, {"shelve": None})).status_code == 202
    await _settle_shelf(both, sid, "SHELVED_OFFLOADED")
    vol = await both.vol.create(size=1)
    body = {"volumeAttachment": {"volumeId": vol["id"]}}
    url = f"{V}/servers/{sid}/os-volume_attachments"
    assert (await both.cloud.client.post(url, json=body, headers=mv("demo", "2.19"))).status_code == 409
    r = await both.cloud.client.post(f"{V}/servers/{sid}/os-volume_attachments", json=body, headers=mv("demo", "2.20"))
    assert r.status_code == 200, r.text
    device = r.json()["volumeAttachment"]["device"]
    assert (await both.vol.show(vol["id"]))["status"] == "in-use"  # completed with no host, as Nova
    assert (await both.cloud.action(sid, {"unshelve": None})).status_code == 202
    await _settle_shelf(both, sid, "ACTIVE")
    assert both.driver().instances[sid].volumes[device]["data"]["volume_id"] == vol["id"]
    assert (await both.vol.show(vol["id"]))["status"] == "in-use"
    # Shelved again with its volume: offloaded, the volume still the server's.
    assert (await both.cloud.action(sid, {"shelve": None})).status_code == 202
    await _settle_shelf(both, sid, "SHELVED_OFFLOADED")
    assert sid not in both.driver().instances
    shown = await both.cloud.show(sid, version="2.3")
    assert shown["os-extended-volumes:volumes_attached"] == [{"id": vol["id"], "delete_on_termination": False}]
    assert (await both.vol.show(vol["id"]))["status"] == "in-use"
    gone = await both.cloud.client.delete(
        f"{V}/servers/{sid}/os-volume_attachments/{vol['id']}", headers=mv("demo", "2.20")
    )
    assert gone.status_code == 202
    assert (await both.vol.show(vol["id"]))["status"] == "available"
    assert (await both.cloud.action(sid, {"unshelve": None})).status_code == 202
    await _settle_shelf(both, sid, "ACTIVE")
    assert both.driver().instances[sid].volumes == {}


@pytest.fixture(name="both2")
async def both2_fixture(tmp_path: Path) -> AsyncIterator[Both]:
    """Two fake hosts, resizes never on the same host: the volumes must move."""
    cfg = Config(data_dir=tmp_path)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = 2
    cfg.compute.allow_resize_to_same_host = False
    backend = FakeBackend()

    def volume_factory(runtime: Runtime) -> VolumeService:
        return VolumeService(runtime, backend=backend)

    factories = [placement.create, image.create, compute.create, volume_factory]
    async with running_services(factories, tmp_path, config=cfg) as (runtime, services, client):
        await compute.bootstrap(runtime)
        image_id = await make_image(client)
        svc, vsvc = services["compute"], services["volume"]
        assert isinstance(svc, ComputeService) and isinstance(vsvc, VolumeService)
        yield Both(Cloud(runtime, svc, client, image_id), VolumeApi(client, vsvc, runtime, tmp_path))


def _fake(both: Both, host: str) -> FakeDriver:
    driver = both.cloud.compute.agents[host].driver
    assert isinstance(driver, FakeDriver)
    return driver


async def test_resize_to_another_host_takes_the_data_volumes(both2: Both) -> None:
    server = await both2.server()
    sid, source = server["id"], server["OS-EXT-SRV-ATTR:host"]
    vol = await both2.vol.create(size=1)
    device = (await both2.attach(sid, vol["id"])).json()["volumeAttachment"]["device"]
    assert (await both2.cloud.action(sid, {"resize": {"flavorRef": "2"}})).status_code == 202
    moved = await _settle_shelf(both2, sid, "VERIFY_RESIZE")
    dest = moved["OS-EXT-SRV-ATTR:host"]
    assert dest != source and _fake(both2, dest).instances[sid].volumes[device]["data"]["volume_id"] == vol["id"]
    assert (await both2.vol.show(vol["id"]))["status"] == "in-use"
    # Revert: back on the source with its volume, connected there again.
    assert (await both2.cloud.action(sid, {"revertResize": None})).status_code == 202
    back = await _settle_shelf(both2, sid, "ACTIVE")
    assert back["OS-EXT-SRV-ATTR:host"] == source and sid not in _fake(both2, dest).instances
    assert device in _fake(both2, source).instances[sid].volumes
    attachment = (await both2.vol.show(vol["id"]))["attachments"][0]
    assert attachment["server_id"] == sid
    # Resize and confirm: the volume stays with the server on its new host; detach works there.
    assert (await both2.cloud.action(sid, {"resize": {"flavorRef": "2"}})).status_code == 202
    await _settle_shelf(both2, sid, "VERIFY_RESIZE")
    assert (await both2.cloud.action(sid, {"confirmResize": None})).status_code == 204
    done = await _settle_shelf(both2, sid, "ACTIVE")
    assert device in _fake(both2, done["OS-EXT-SRV-ATTR:host"]).instances[sid].volumes
    assert (await both2.detach(sid, vol["id"])).status_code == 202
    await both2.vol.wait(vol["id"], "available")
