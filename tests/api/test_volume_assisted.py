"""qcow2 volumes on the file backend with compute (fake driver): snapshots are internal
qcow2 snapshots (qemu-img while the volume is free; through compute's
os-assisted-volume-snapshots while attached), and an attached qcow2 volume is grown by
the hypervisor, its new size set only once compute reports (os-extend_volume_completion).

The fake driver takes the snapshots and copies in the volume file itself (qemu-img, as
the qemu driver does with no QEMU running); for an online extend, the tests wrap it so
the resize also happens in the file, as QMP would.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.common.config import Config
from pocketstack.compute import service as compute
from pocketstack.compute.service import ComputeService
from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.image import service as image
from pocketstack.placement import service as placement
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services
from pocketstack.volume.backends.file import FileBackend
from pocketstack.volume.service import VolumeService
from tests.api.compute_support import Cloud, V, make_image
from tests.api.test_volume_compute import Both
from tests.api.volume_support import VolumeApi, fault

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")
GiB = 1024**3
AVS = f"{V}/os-assisted-volume-snapshots"


@pytest.fixture(name="both")
async def both_fixture(tmp_path: Path) -> AsyncIterator[Both]:
    async for both in _cloud(tmp_path, "qcow2"):
        yield both


@pytest.fixture(name="rawboth")
async def rawboth_fixture(tmp_path: Path) -> AsyncIterator[Both]:
    async for both in _cloud(tmp_path, "raw"):
        yield both


async def _cloud(tmp_path: Path, fmt: str) -> AsyncIterator[Both]:
    cfg = Config(data_dir=tmp_path)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = 1
    backend = FileBackend(tmp_path / "volumes", volume_format=fmt, capacity_gb=20)

    def volume_factory(runtime: Runtime) -> VolumeService:
        return VolumeService(runtime, backend=backend)

    factories = [placement.create, image.create, compute.create, volume_factory]
    async with running_services(factories, tmp_path, config=cfg) as (runtime, services, client):
        await compute.bootstrap(runtime)
        image_id = await make_image(client)
        svc, vsvc = services["compute"], services["volume"]
        assert isinstance(svc, ComputeService) and isinstance(vsvc, VolumeService)
        yield Both(Cloud(runtime, svc, client, image_id), VolumeApi(client, vsvc, runtime, tmp_path))


def _img(*args: str) -> str:
    return subprocess.run(["qemu-img", *args], check=True, capture_output=True, text=True).stdout


def _internal(path: Path) -> list[str]:
    return [s["name"] for s in json.loads(_img("info", "-U", "--output=json", str(path))).get("snapshots", [])]


def _write(path: Path, pattern: int) -> None:
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P {pattern} 0 64k", str(path)], check=True)


def _read(path: Path, n: int = 4) -> bytes:
    raw = path.with_suffix(".check.raw")
    _img("convert", "-U", "-f", "qcow2", "-O", "raw", str(path), str(raw))
    try:
        with raw.open("rb") as fh:
            return fh.read(n)
    finally:
        raw.unlink()


def _path(both: Both, volume_id: str) -> Path:
    return Path(both.vol.backend.directory) / f"volume-{volume_id}.qcow2"


def _act_on_files(driver: FakeDriver) -> None:
    """Make the fake driver's online extend also grow the file, as QEMU's QMP would."""
    extend = driver.extend_volume

    def path(uuid: str, mountpoint: str) -> str:
        return str(driver.instances[uuid].volumes[mountpoint]["data"]["path"])

    async def grow(uuid: str, mountpoint: str, size: int) -> None:
        await extend(uuid, mountpoint, size)
        _img("resize", "-q", "-f", "qcow2", path(uuid, mountpoint), str(size))

    driver.extend_volume = grow  # type: ignore[method-assign]


async def _snapshot_status(both: Both, snap_id: str, want: str) -> dict[str, Any]:
    for _ in range(1000):
        resp = await both.vol.request("GET", f"/snapshots/{snap_id}", "admin")
        if resp.status_code == 404 and want == "gone":
            return {}
        snap: dict[str, Any] = resp.json()["snapshot"]
        if snap["status"] == want:
            return snap
        await asyncio.sleep(0.01)
    raise AssertionError(f"snapshot {snap_id} never became {want}")


async def test_offline_snapshots_are_internal_and_point_in_time(both: Both) -> None:
    vol = await both.vol.create(size=1)
    path = _path(both, vol["id"])
    _write(path, 0x41)
    backend = both.vol.backend
    snap = await both.vol.snapshot(vol["id"])
    # Inside the volume file, no copy next to it.
    assert _internal(path) == [f"snapshot-{snap['id']}"]
    assert sorted(p.name for p in backend.directory.iterdir()) == [path.name]
    assert backend.capacity().allocated_gb == 2
    _write(path, 0x42)
    restored = await both.vol.create(snapshot_id=snap["id"], size=None)
    assert _read(_path(both, restored["id"])) == b"AAAA" and _read(path) == b"BBBB"
    # A restart counts the internal snapshot again (read from the qcow2 header).
    assert FileBackend(backend.directory, volume_format="qcow2").capacity().allocated_gb == 3
    # A volume with snapshots is refused without cascade, then both go.
    assert "snapshots" in fault(await both.vol.request("DELETE", f"/volumes/{vol['id']}"), 400)
    await both.vol.request("DELETE", f"/snapshots/{snap['id']}")
    await _snapshot_status(both, snap["id"], "gone")
    assert _internal(path) == []
    for v in (vol, restored):
        await both.vol.request("DELETE", f"/volumes/{v['id']}")
        await both.vol.wait_gone(f"/volumes/{v['id']}")
    assert backend.capacity().allocated_gb == 0 and list(backend.directory.iterdir()) == []


async def test_attached_snapshots_go_through_the_hypervisor(both: Both) -> None:
    driver = both.driver()
    _act_on_files(driver)
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    path = _path(both, vol["id"])
    snap = await both.vol.snapshot(vol["id"], force=True)
    name = f"snapshot-{snap['id']}"
    assert driver.instances[server["id"]].volume_snapshots == {"/dev/vdb": [name]}
    assert _internal(path) == [name]

    # The hypervisor fails: the snapshot is in error, the file unchanged.
    driver.faults.inject("volume_snapshot_create", "QMP said no (injected)")
    resp = await both.vol.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"], "force": True}})
    failed = await _snapshot_status(both, resp.json()["snapshot"]["id"], "error")
    assert _internal(path) == [name] and failed["volume_id"] == vol["id"]
    await both.vol.request("DELETE", f"/snapshots/{failed['id']}")
    await _snapshot_status(both, failed["id"], "gone")

    # Delete while attached: through the hypervisor too; a failure leaves error_deleting.
    driver.faults.inject("volume_snapshot_delete", "busy (injected)")
    await both.vol.request("DELETE", f"/snapshots/{snap['id']}")
    await _snapshot_status(both, snap["id"], "error_deleting")
    assert _internal(path) == [name]
    await both.vol.request("POST", f"/snapshots/{snap['id']}/action", "admin", json={"os-force_delete": {}})
    await _snapshot_status(both, snap["id"], "gone")
    assert _internal(path) == [] and driver.instances[server["id"]].volume_snapshots == {"/dev/vdb": []}
    assert both.vol.backend.capacity().allocated_gb == 1


async def test_attached_qcow2_extend_waits_for_compute(both: Both) -> None:
    driver = both.driver()
    _act_on_files(driver)
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    path = _path(both, vol["id"])
    resp = await both.vol.action(vol["id"], {"os-extend": {"new_size": 2}}, version="volume 3.42")
    assert resp.status_code == 202, resp.text
    shown = await both.vol.wait(vol["id"], "in-use")
    assert shown["size"] == 2
    # The hypervisor grew the file (the backend did not touch it), and the guest was told.
    assert driver.instances[server["id"]].volume_sizes == {"/dev/vdb": 2 * GiB}
    assert json.loads(_img("info", "-U", "--output=json", str(path)))["virtual-size"] == 2 * GiB
    assert both.vol.backend.capacity().allocated_gb == 2

    # Compute fails: error_extending, the old size kept.
    driver.faults.inject("extend_volume", "block_resize failed (injected)")
    await both.vol.action(vol["id"], {"os-extend": {"new_size": 3}}, version="volume 3.42")
    failed = await both.vol.wait(vol["id"], "error_extending")
    assert failed["size"] == 2 and both.vol.backend.capacity().allocated_gb == 2


async def test_extend_completion_action(both: Both) -> None:
    vol = await both.vol.create(size=1)
    body = {"os-extend_volume_completion": {"error": False}}
    assert fault(await both.vol.action(vol["id"], body), 403)
    assert "extending" in fault(await both.vol.action(vol["id"], body, token="admin"), 400)
    assert "3.71" in fault(await both.vol.action(vol["id"], body, token="admin", version="volume 3.70"), 400)
    bad = {"os-extend_volume_completion": {}}
    assert "error" in fault(await both.vol.action(vol["id"], bad, token="admin"), 400)


async def test_assisted_snapshot_api_refusals(both: Both) -> None:
    client = both.cloud.client
    vol = await both.vol.create(size=1)
    good = {"snapshot": {"volume_id": vol["id"], "create_info": {"snapshot_id": "s-1", "type": "qcow2"}}}
    assert (await client.post(AVS, json=good, headers=auth("demo"))).status_code == 403
    # Not attached anywhere.
    resp = await client.post(AVS, json=good, headers=auth("admin"))
    assert resp.status_code == 400 and "not attached" in resp.json()["badRequest"]["message"]
    external = json.loads(json.dumps(good))
    external["snapshot"]["create_info"]["new_file"] = "snap.qcow2"
    resp = await client.post(AVS, json=external, headers=auth("admin"))
    assert resp.status_code == 400 and "new_file" in resp.json()["badRequest"]["message"]
    wrong = json.loads(json.dumps(good))
    wrong["snapshot"]["create_info"]["type"] = "raw"
    assert (await client.post(AVS, json=wrong, headers=auth("admin"))).status_code == 400
    assert (await client.post(AVS, json={"snapshot": {}}, headers=auth("admin"))).status_code == 400
    assert (await client.delete(f"{AVS}/s-1", headers=auth("admin"))).status_code == 400
    assert (await client.delete(f"{AVS}/s-1?delete_info=nope", headers=auth("admin"))).status_code == 400
    info = json.dumps({"volume_id": vol["id"]})
    assert (await client.delete(f"{AVS}/s-1", params={"delete_info": info}, headers=auth("demo"))).status_code == 403
    resp = await client.delete(f"{AVS}/s-1", params={"delete_info": info}, headers=auth("admin"))
    assert resp.status_code == 400 and "not attached" in resp.text


async def test_restart_removes_an_internal_snapshot_a_crash_left(both: Both) -> None:
    from pocketstack.volume.models import Snapshot

    vol = await both.vol.create(size=1)
    path = _path(both, vol["id"])
    snap = await both.vol.snapshot(vol["id"])
    # As if the process died after qemu-img made it, before the row was updated.
    async with both.vol.service.deps.db.writer() as s:
        row = await s.get(Snapshot, snap["id"])
        assert row is not None
        row.status, row.provider_location = "creating", {}
    assert _internal(path) == [f"snapshot-{snap['id']}"]
    done = await both.vol.service.manager.recover()
    assert done["error"] == 1 and _internal(path) == []
    assert (await _snapshot_status(both, snap["id"], "error"))["volume_id"] == vol["id"]


async def test_attached_raw_snapshot_is_a_copy_made_by_the_hypervisor(rawboth: Both) -> None:
    both = rawboth
    driver = both.driver()
    _act_on_files(driver)
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    directory = Path(both.vol.backend.directory)
    raw = directory / f"volume-{vol['id']}.raw"
    with raw.open("r+b") as fh:
        fh.write(b"LIVE")
    snap = await both.vol.snapshot(vol["id"], force=True)
    # QEMU was asked for a copy beside the volume (drive-backup); it became the snapshot.
    ((mountpoint, target),) = driver.instances[server["id"]].volume_backups
    assert mountpoint == "/dev/vdb" and target == str(directory / f".snapshot-{snap['id']}.qcow2.part")
    assert sorted(p.name for p in directory.iterdir()) == [f"snapshot-{snap['id']}.qcow2", raw.name]
    assert _read(directory / f"snapshot-{snap['id']}.qcow2") == b"LIVE"
    assert both.vol.backend.capacity().allocated_gb == 2

    driver.faults.inject("volume_backup", "drive-backup failed (injected)")
    resp = await both.vol.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"], "force": True}})
    failed = await _snapshot_status(both, resp.json()["snapshot"]["id"], "error")
    assert not [p for p in directory.iterdir() if failed["id"] in p.name]
    assert both.vol.backend.capacity().allocated_gb == 2
    # A copy is a file of the volume service's own: deleted without the hypervisor.
    for sid in (snap["id"], failed["id"]):
        await both.vol.request("DELETE", f"/snapshots/{sid}")
        await _snapshot_status(both, sid, "gone")
    assert sorted(p.name for p in directory.iterdir()) == [raw.name]
    assert both.vol.backend.capacity().allocated_gb == 1


async def test_assisted_backup_refusals(both: Both) -> None:
    client = both.cloud.client
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    body = {"snapshot": {"volume_id": vol["id"], "create_info": {"snapshot_id": "s-9", "type": "backup"}}}
    resp = await client.post(AVS, json=body, headers=auth("admin"))
    assert resp.status_code == 400 and "target" in resp.json()["badRequest"]["message"]
    body["snapshot"]["create_info"]["target"] = "/tmp/x.qcow2"
    both.driver().faults.inject("volume_backup", "target refused (injected)")
    resp = await client.post(AVS, json=body, headers=auth("admin"))
    assert resp.status_code == 409 and "target refused" in resp.json()["conflictingRequest"]["message"]
