"""Volumes and images with the real file backend: create from an image (streamed,
bootable, image metadata, size checks) and upload a volume to a new image."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.common.config import Config
from pocketstack.image import service as image_service
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services
from pocketstack.volume.backends.file import FileBackend
from pocketstack.volume.service import VolumeService
from tests.api.volume_support import VolumeApi, fault

MiB = 1024 * 1024


@pytest.fixture(name="fapi")
async def fapi_fixture(tmp_path: Path) -> AsyncIterator[VolumeApi]:
    backend = FileBackend(tmp_path / "volumes", volume_format="raw", capacity_gb=50)

    def volume_factory(runtime: Runtime) -> VolumeService:
        return VolumeService(runtime, backend=backend)

    async with running_services([volume_factory, image_service.create], tmp_path, config=Config(data_dir=tmp_path)) as (
        runtime,
        services,
        client,
    ):
        svc = services["volume"]
        assert isinstance(svc, VolumeService)
        yield VolumeApi(client, svc, runtime, tmp_path)


def _head(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


async def _image(api: VolumeApi, data: bytes, token: str = "demo", **extra: Any) -> dict[str, Any]:
    body = {"name": "img", "disk_format": "raw", "container_format": "bare", **extra}
    resp = await api.client.post("/image/v2/images", json=body, headers=auth(token))
    assert resp.status_code == 201, resp.text
    image = resp.json()
    up = await api.client.put(
        f"/image/v2/images/{image['id']}/file",
        content=data,
        headers=auth(token, **{"Content-Type": "application/octet-stream"}),
    )
    assert up.status_code == 204, up.text
    return image  # type: ignore[no-any-return]


async def test_volume_from_image(fapi: VolumeApi) -> None:
    payload = b"BOOT" + bytes(3 * MiB) + b"END!"
    image = await _image(fapi, payload, kernel_id="k-1", ramdisk_id="r-1")
    vol = await fapi.create(imageRef=image["id"], size=1)
    assert vol["bootable"] == "true"
    meta = vol["volume_image_metadata"]
    assert meta["image_id"] == image["id"] and meta["kernel_id"] == "k-1" and meta["disk_format"] == "raw"
    path = fapi.backend.directory / f"volume-{vol['id']}.raw"
    assert path.stat().st_size == 1024**3
    assert _head(path, len(payload)) == payload


async def test_volume_from_image_bad_input(fapi: VolumeApi) -> None:
    image = await _image(fapi, b"x" * MiB, min_disk=3)
    msg = fault(await fapi.request("POST", "/volumes", json={"volume": {"imageRef": image["id"], "size": 2}}), 400)
    assert "minDisk size 3GB" in msg
    assert "size is required" in fault(
        await fapi.request("POST", "/volumes", json={"volume": {"imageRef": image["id"]}}), 400
    )
    queued = (
        await fapi.client.post(
            "/image/v2/images",
            json={"name": "q", "disk_format": "raw", "container_format": "bare"},
            headers=auth("demo"),
        )
    ).json()
    assert "not active" in fault(
        await fapi.request("POST", "/volumes", json={"volume": {"imageRef": queued["id"], "size": 1}}), 400
    )
    private = await _image(fapi, b"y" * 10, token="alt")
    assert "Invalid image" in fault(
        await fapi.request("POST", "/volumes", json={"volume": {"imageRef": private["id"], "size": 1}}), 400
    )


async def test_upload_volume_to_image(fapi: VolumeApi) -> None:
    image = await _image(fapi, b"DATA" * 1024)
    vol = await fapi.create(imageRef=image["id"], size=1)
    body = {"os-volume_upload_image": {"image_name": "from-vol", "disk_format": "raw"}}
    resp = await fapi.action(vol["id"], body)
    assert resp.status_code == 202, resp.text
    out = resp.json()["os-volume_upload_image"]
    assert out["status"] == "uploading" and out["image_name"] == "from-vol"
    await fapi.wait(vol["id"], "available", timeout=120)
    for _ in range(500):
        new = (await fapi.client.get(f"/image/v2/images/{out['image_id']}", headers=auth("demo"))).json()
        if new["status"] == "active":
            break
        await asyncio.sleep(0.02)
    assert new["status"] == "active" and new["size"] == 1024**3 and new["owner"] == "p-demo"
    data = await fapi.client.get(f"/image/v2/images/{out['image_id']}/file", headers=auth("demo"))
    assert data.content[:4096] == b"DATA" * 1024
    assert "image_name" in fault(await fapi.action(vol["id"], {"os-volume_upload_image": {}}), 400)
    refused = fault(
        await fapi.action(vol["id"], {"os-volume_upload_image": {"image_name": "x", "disk_format": "vhd"}}), 400
    )
    assert "disk_format 'vhd'" in refused and "raw or qcow2" in refused


async def _active(api: VolumeApi, image_id: str) -> dict[str, Any]:
    for _ in range(1000):
        image: dict[str, Any] = (await api.client.get(f"/image/v2/images/{image_id}", headers=auth("demo"))).json()
        if image["status"] == "active":
            return image
        await asyncio.sleep(0.02)
    raise AssertionError(f"image {image_id} is {image['status']}")


async def test_upload_volume_as_qcow2_and_back(fapi: VolumeApi) -> None:
    payload = b"QCOW" * 1024 + bytes(MiB) + b"TAIL"
    vol = await fapi.create(imageRef=(await _image(fapi, payload))["id"], size=1)
    body = {"os-volume_upload_image": {"image_name": "as-qcow2", "disk_format": "qcow2"}}
    resp = await fapi.action(vol["id"], body)
    assert resp.status_code == 202, resp.text
    out = resp.json()["os-volume_upload_image"]
    assert out["disk_format"] == "qcow2"
    await fapi.wait(vol["id"], "available", timeout=120)
    image = await _active(fapi, out["image_id"])
    assert image["disk_format"] == "qcow2" and image["min_disk"] == 1
    data = (await fapi.client.get(f"/image/v2/images/{out['image_id']}/file", headers=auth("demo"))).content
    # A real (compact) qcow2 file: the magic, the 1 GiB virtual size, far fewer bytes.
    assert data[:4] == b"QFI\xfb" and int.from_bytes(data[24:32], "big") == 1024**3
    assert len(data) < 16 * MiB
    # A volume made from that image holds the same bytes again.
    back = await fapi.create(imageRef=out["image_id"], size=1)
    path = fapi.backend.directory / f"volume-{back['id']}.raw"
    assert _head(path, len(payload)) == payload
    assert [p.name for p in fapi.backend.directory.iterdir() if p.name.startswith(".")] == []


async def test_file_backend_snapshot_clone_extend(fapi: VolumeApi) -> None:
    image = await _image(fapi, b"ORIG" * 256)
    vol = await fapi.create(imageRef=image["id"], size=1)
    snap = await fapi.snapshot(vol["id"])
    await fapi.action(vol["id"], {"os-extend": {"new_size": 2}})
    extended = await fapi.wait(vol["id"], "available")
    assert extended["size"] == 2
    path = fapi.backend.directory / f"volume-{vol['id']}.raw"
    assert path.stat().st_size == 2 * 1024**3
    restored = await fapi.create(snapshot_id=snap["id"], size=None)
    assert _head(fapi.backend.directory / f"volume-{restored['id']}.raw", 1024) == b"ORIG" * 256
    clone = await fapi.create(source_volid=vol["id"], size=None)
    assert clone["size"] == 2
    for v in (restored, clone):
        await fapi.request("DELETE", f"/volumes/{v['id']}")
    await fapi.request("DELETE", f"/volumes/{vol['id']}?cascade=true")
    for v in (restored, clone, vol):
        await fapi.wait_gone(f"/volumes/{v['id']}")
    assert list(fapi.backend.directory.iterdir()) == []
    assert fapi.backend.capacity().allocated_gb == 0


async def test_reimage(fapi: VolumeApi) -> None:
    first = await _image(fapi, b"FIRST" + bytes(1000))
    second = await _image(fapi, b"SECOND" + bytes(1000), kernel_id="k-2")
    vol = await fapi.create(imageRef=first["id"])
    path = Path(fapi.backend.directory) / f"volume-{vol['id']}.raw"
    assert _head(path, 5) == b"FIRST"
    body = {"os-reimage": {"image_id": second["id"]}}
    assert "no such action" in fault(await fapi.action(vol["id"], body, version="volume 3.67"), 400)
    assert (await fapi.action(vol["id"], body)).status_code == 202
    done = await fapi.wait(vol["id"], "available")
    assert _head(path, 6) == b"SECOND" and done["size"] == vol["size"]
    meta = done["volume_image_metadata"]
    assert meta["image_id"] == second["id"] and meta["kernel_id"] == "k-2"
    # Reserved (a server rebuilding on it) only with reimage_reserved, and it stays reserved.
    reserve = {"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1"}}
    assert (await fapi.request("POST", "/attachments", json=reserve)).status_code == 200
    assert (await fapi.show(vol["id"]))["status"] == "reserved"
    assert "status must be" in fault(await fapi.action(vol["id"], body), 400)
    again = {"os-reimage": {"image_id": first["id"], "reimage_reserved": True}}
    assert (await fapi.action(vol["id"], again)).status_code == 202
    await fapi.wait(vol["id"], "reserved")
    assert _head(path, 5) == b"FIRST"
    assert "Invalid image" in fault(await fapi.action(vol["id"], {"os-reimage": {"image_id": "nope"}}), 400)
    other = await fapi.create(imageRef=first["id"])
    await fapi.snapshot(other["id"])
    refused = await fapi.action(other["id"], {"os-reimage": {"image_id": second["id"]}})
    assert "has snapshots" in fault(refused, 400)
