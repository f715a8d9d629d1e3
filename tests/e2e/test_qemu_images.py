"""createImage and rebuild with real VMs: the whole cloud in-process with the qemu
driver (TCG), the tiny guest published as image ``tiny``, servers without networks.

Proves: a snapshot of a running tiny guest is a standalone qcow2 image in the image
service carrying the boot properties (kernel, ramdisk, command line), the source keeps
running, a new server boots from the snapshot to its marker with its own name; rebuild
of the source with the snapshot boots it again (one more marker) on the same host.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import tiny_available
from pocketstack.testing.cloud import in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config
from pocketstack.testing.qemu import qemu_missing
from tests.e2e.test_qemu_servers import Api, V

pytestmark = [pytest.mark.e2e, pytest.mark.root, pytest.mark.asyncio(loop_scope="module")]

MARKER = re.compile(r"pocketstack-guest: up hostname=(\S*) ips=(\S*)")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    missing = qemu_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    data_dir = tmp_path_factory.mktemp("qemu-images")
    config = cloud_config(data_dir)
    config.compute.driver = "qemu"
    config.compute.qemu_accel = "tcg"
    config.compute.power_sync_interval = 1.0
    config.compute.shutdown_timeout = 20.0
    config.compute.destroy_timeout = 2.0
    config.compute.max_attempts = 1
    config.image.tiny_guest = True
    async with in_process_cloud(data_dir, config) as client:
        the_api = Api(client, data_dir)
        try:
            yield the_api
        finally:
            compute = next(s for s in client.cloud.services if s.name == "compute")
            for agent in compute.agents.values():  # type: ignore[attr-defined]
                for uuid in await agent.driver.list_instances():
                    await agent.driver.destroy(uuid)


async def _boot(api: Api, name: str, image_id: str) -> str:
    body = {"server": {"name": name, "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
    sid = str((await api.call("POST", f"{V}/servers", 202, json=body))["server"]["id"])
    await api.wait(sid, "ACTIVE")
    return sid


async def _active_image(api: Api, image_id: str, timeout: float = 120.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            image = await api.call("GET", f"/image/v2/images/{image_id}", 200)
            if image["status"] == "active":
                return dict(image)
            assert image["status"] in ("queued", "saving"), image
            await asyncio.sleep(0.2)


async def test_snapshot_of_a_running_guest_boots_as_a_new_server(api: Api) -> None:
    tiny = (await api.call("GET", "/image/v2/images?name=tiny", 200))["images"][0]
    source = await _boot(api, "snap-source", tiny["id"])
    await api.wait_markers(source, 1)
    r = await api.http.post(
        f"{V}/servers/{source}/action",
        json={"createImage": {"name": "tiny-snap", "metadata": {"made_by": "e2e"}}},
        headers=await api.headers(version="2.45"),
    )
    assert r.status_code == 202, r.text
    image = await _active_image(api, r.json()["image_id"])
    assert (image["disk_format"], image["container_format"]) == ("qcow2", "bare")
    assert image["image_type"] == "snapshot" and image["instance_uuid"] == source
    assert image["base_image_ref"] == tiny["id"] and image["made_by"] == "e2e"
    assert image["kernel_id"] == tiny["kernel_id"] and image["ramdisk_id"] == tiny["ramdisk_id"]
    # The source was paused for the copy only, not rebooted.
    server = await api.wait(source, "ACTIVE")
    assert server["OS-EXT-STS:power_state"] == 1
    assert len(MARKER.findall(await api.console(source))) == 1
    clone = await _boot(api, "snap-clone", image["id"])
    text = await api.wait_markers(clone, 1)
    assert MARKER.search(text)[1] == "snap-clone"  # type: ignore[index]
    # Rebuild the source from the snapshot: same server, booted again.
    rebuilt = await api.action(source, {"rebuild": {"imageRef": image["id"], "name": "snap-rebuilt"}})
    assert rebuilt["server"]["status"] in ("REBUILD", "ACTIVE")
    await api.wait(source, "ACTIVE")
    text = await api.wait_markers(source, 2)
    # A new name is not a new hostname (Nova keeps the hostname of the create).
    assert MARKER.findall(text)[-1][0] == "snap-source"
    server = await api.server(source)
    assert server["image"]["id"] == image["id"] and server["name"] == "snap-rebuilt"
    for sid in (source, clone):
        await api.call("DELETE", f"{V}/servers/{sid}", 204)


async def test_resize_on_the_host_then_shelve_and_unshelve(api: Api) -> None:
    tiny = (await api.call("GET", "/image/v2/images?name=tiny", 200))["images"][0]
    flavor = {"flavor": {"name": "e2e-bigger", "vcpus": 2, "ram": 640, "disk": 2}}
    bigger = (await api.call("POST", f"{V}/flavors", 200, user="admin", json=flavor))["flavor"]["id"]
    sid = await _boot(api, "grow-me", tiny["id"])
    await api.wait_markers(sid, 1)
    await api.action(sid, {"resize": {"flavorRef": bigger}})
    server = await api.wait(sid, "VERIFY_RESIZE")
    assert server["OS-EXT-STS:power_state"] == 1
    await api.wait_markers(sid, 2)
    pid = process.running_pid(api.instance_dir(sid) / "qemu.pid", sid)
    assert pid is not None
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert argv[argv.index(b"-smp") + 1] == b"2" and argv[argv.index(b"-m") + 1] == b"640"
    await api.action(sid, {"confirmResize": None}, expect=204)
    await api.wait(sid, "ACTIVE")
    assert not list(api.instance_dir(sid).glob("*.resize"))
    # Shelved: offloaded at once, nothing of it left on the host; unshelved from the snapshot.
    await api.action(sid, {"shelve": None})
    await api.wait(sid, "SHELVED_OFFLOADED")
    assert not api.instance_dir(sid).exists()
    await api.action(sid, {"unshelve": None})
    await api.wait(sid, "ACTIVE")
    text = await api.wait_markers(sid, 1)
    assert MARKER.search(text)[1] == "grow-me"  # type: ignore[index]
    await api.call("DELETE", f"{V}/servers/{sid}", 204)
