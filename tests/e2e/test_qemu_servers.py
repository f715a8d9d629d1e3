"""Real VMs through the compute API: the whole cloud in-process with the qemu driver.

One cloud for the module (driver ``qemu``, TCG, the tiny guest published as image
``tiny``), servers booted without networks (``"networks": "none"``); NICs on real taps
are the network data plane's part. Proves: boot to the guest's marker with the server's
name as hostname, the keypair's fingerprint inside the guest, user data, stop/start,
soft and hard reboot, a VM killed from outside turning SHUTOFF, delete leaving nothing,
and a corrupt qcow2 image ending in ERROR with the driver's fault.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import tiny_available
from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config
from pocketstack.testing.qemu import qemu_missing

pytestmark = [pytest.mark.e2e, pytest.mark.root, pytest.mark.asyncio(loop_scope="module")]

V = "/compute/v2.1"
MARKER = re.compile(r"pocketstack-guest: up hostname=(\S*) ips=(\S*)")
BOOT_TIMEOUT = 120.0


class Api:
    def __init__(self, client: CloudClient, data_dir: Path) -> None:
        self.client = client
        self.http = client.http
        self.data_dir = data_dir
        self.tokens: dict[str, str] = {}

    async def headers(self, user: str = "demo", version: str = "2.37") -> dict[str, str]:
        if user not in self.tokens:
            self.tokens[user] = await self.client.token(user)
        return {"X-Auth-Token": self.tokens[user], "OpenStack-API-Version": f"compute {version}"}

    async def call(self, method: str, path: str, expect: int, user: str = "demo", **kw: Any) -> Any:
        r = await self.http.request(method, path, headers=await self.headers(user), **kw)
        assert r.status_code == expect, r.text
        return r.json() if r.content else None

    async def server(self, sid: str) -> dict[str, Any]:
        return dict((await self.call("GET", f"{V}/servers/{sid}", 200, user="admin"))["server"])

    async def wait(self, sid: str, status: str, timeout: float = BOOT_TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                server = await self.server(sid)
                if server["status"] == status and not server.get("OS-EXT-STS:task_state"):
                    return server
                if server["status"] == "ERROR" and status != "ERROR":
                    raise AssertionError(f"server went to ERROR: {server.get('fault')}")
                await asyncio.sleep(0.2)

    async def action(self, sid: str, body: dict[str, Any], expect: int = 202) -> Any:
        return await self.call("POST", f"{V}/servers/{sid}/action", expect, json=body)

    async def console(self, sid: str, length: int | None = None) -> str:
        args = {} if length is None else {"length": length}
        return str((await self.action(sid, {"os-getConsoleOutput": args}, 200))["output"])

    async def wait_markers(self, sid: str, count: int, timeout: float = BOOT_TIMEOUT) -> str:
        async with asyncio.timeout(timeout):
            while True:
                text = await self.console(sid)
                if len(MARKER.findall(text)) >= count:
                    return text
                await asyncio.sleep(0.3)

    def instance_dir(self, sid: str) -> Path:
        return self.data_dir / "instances" / sid


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    missing = qemu_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    data_dir = tmp_path_factory.mktemp("qemu-cloud")
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
            # Whatever a failed test left: end its QEMU by PID and remove its files.
            compute = next(s for s in client.cloud.services if s.name == "compute")
            for agent in compute.agents.values():  # type: ignore[attr-defined]
                for uuid in await agent.driver.list_instances():
                    await agent.driver.destroy(uuid)


def _public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode() + " e2e@pocketstack"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(api: Api) -> dict[str, Any]:
    keypair = await api.call(
        "POST", f"{V}/os-keypairs", 201, json={"keypair": {"name": "e2e-key", "public_key": _public_key()}}
    )
    images = await api.call("GET", "/image/v2/images?name=tiny", 200)
    image_id = images["images"][0]["id"]
    user_data = base64.b64encode(b"#!/bin/sh\necho user-data-ran-$(hostname)\n").decode()
    body = {
        "server": {
            "name": "qemu-one",
            "flavorRef": "1",
            "imageRef": image_id,
            "networks": "none",
            "key_name": "e2e-key",
            "user_data": user_data,
        }
    }
    made = await api.call("POST", f"{V}/servers", 202, json=body)
    sid = made["server"]["id"]
    active = await api.wait(sid, "ACTIVE")
    return {"id": sid, "fingerprint": keypair["keypair"]["fingerprint"], "image_id": image_id, "active": active}


async def test_boots_to_the_marker_with_its_name_key_and_user_data(api: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    assert server["active"]["OS-EXT-STS:power_state"] == 1
    text = await api.wait_markers(sid, 1)
    assert MARKER.search(text)[1] == "qemu-one"  # type: ignore[index]
    assert f"pocketstack-guest: key e2e-key {server['fingerprint']}" in text
    text = await api.wait_markers(sid, 1)
    async with asyncio.timeout(60):
        while "user-data-ran-qemu-one" not in text:
            await asyncio.sleep(0.3)
            text = await api.console(sid)
    # length= gives the last lines only: Nova's tail, the last pieces split on newlines
    # (a log ending in a newline has an empty last piece).
    tail = await api.console(sid, length=2)
    assert tail.strip() and len(tail.split("\n")) <= 2
    assert tail in await api.console(sid)


async def test_hypervisor_reports_qemu_and_tcg(api: Api, server: dict[str, Any]) -> None:
    found = await api.call("GET", f"{V}/os-hypervisors/detail", 200, user="admin")
    hypervisor = found["hypervisors"][0]
    assert hypervisor["hypervisor_type"] == "QEMU"
    assert hypervisor["vcpus"] == os.cpu_count()


async def test_stop_start_and_reboots(api: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    await api.wait_markers(sid, 1)
    await api.action(sid, {"os-stop": None})
    stopped = await api.wait(sid, "SHUTOFF", timeout=60)
    assert stopped["OS-EXT-STS:power_state"] == 4
    assert process.running_pid(api.instance_dir(sid) / "qemu.pid", sid) is None
    await api.action(sid, {"os-start": None})
    await api.wait(sid, "ACTIVE", timeout=60)
    await api.wait_markers(sid, 2)
    await api.action(sid, {"reboot": {"type": "SOFT"}})
    await api.wait(sid, "ACTIVE", timeout=60)
    await api.wait_markers(sid, 3)
    await api.action(sid, {"reboot": {"type": "HARD"}})
    await api.wait(sid, "ACTIVE", timeout=60)
    text = await api.wait_markers(sid, 4)
    assert {m[0] for m in MARKER.findall(text)} == {"qemu-one"}


async def test_vm_killed_from_outside_shows_shutoff(api: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    pid = process.running_pid(api.instance_dir(sid) / "qemu.pid", sid)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    server_now = await api.wait(sid, "SHUTOFF", timeout=15)
    assert server_now["OS-EXT-STS:power_state"] == 4
    await api.action(sid, {"os-start": None})
    await api.wait(sid, "ACTIVE", timeout=60)


async def test_delete_leaves_no_process_or_file(api: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    await api.call("DELETE", f"{V}/servers/{sid}", 204)
    async with asyncio.timeout(30):
        while (await api.http.get(f"{V}/servers/{sid}", headers=await api.headers("admin"))).status_code != 404:
            await asyncio.sleep(0.2)
    assert not api.instance_dir(sid).exists()
    # No live process names the server (a killed QEMU nobody reaped is an empty zombie).
    assert [p for p in Path("/proc").glob("[0-9]*") if process.pid_is(int(p.name), sid)] == []
    # The base image stays cached for the next boot (until unused for image_cache_max_age).
    assert (api.data_dir / "image-cache" / server["image_id"]).exists()


async def test_corrupt_qcow2_image_ends_in_error_with_the_drivers_fault(api: Api) -> None:
    image = await api.call(
        "POST",
        "/image/v2/images",
        201,
        user="admin",
        json={"name": "corrupt", "disk_format": "qcow2", "container_format": "bare", "visibility": "public"},
    )
    garbage = b"QFI\xfb" + b"\x00\x00\x00\x03" + os.urandom(64 * 1024)
    r = await api.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=garbage,
        headers={**await api.headers("admin"), "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 204, r.text
    body = {"server": {"name": "broken", "flavorRef": "1", "imageRef": image["id"], "networks": "none"}}
    made = await api.call("POST", f"{V}/servers", 202, json=body)
    sid = made["server"]["id"]
    errored = await api.wait(sid, "ERROR", timeout=60)
    assert "qcow2" in errored["fault"]["message"], errored["fault"]
    assert not api.instance_dir(sid).exists()
    assert not (api.data_dir / "image-cache" / image["id"]).exists()
    await api.call("DELETE", f"{V}/servers/{sid}", 204)
