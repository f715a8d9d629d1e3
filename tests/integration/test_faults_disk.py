"""Faults: a full disk under the image store and under the volume backend, for real.

Each directory is a tmpfs mount of a few MiB (root is needed; unmounted at the end).
Bound: an upload that does not fit is a 413 with a message (Glance's StorageFull), the
image back to ``queued``, no partial file, the project's usage unchanged; a volume
made from an image that does not fit ends ``error`` (Cinder's create is asynchronous:
202, then the status) with a user message, no partial file, and once deleted the
quota usage is what it was. The cloud serves both afterwards. Prints ``FAULT {...}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config

pytestmark = [pytest.mark.integration, pytest.mark.root, pytest.mark.asyncio(loop_scope="module")]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def small_disks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    base = tmp_path_factory.mktemp("small-disks")
    disks = {"images": base / "images", "volumes": base / "volumes"}
    mounted: list[Path] = []
    try:
        for path in disks.values():
            path.mkdir()
            proc = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(path)], capture_output=True, text=True
            )
            if proc.returncode != 0:
                pytest.skip(f"cannot mount a tmpfs: {proc.stderr.strip()}")
            mounted.append(path)
        yield disks
    finally:
        for path in mounted:
            subprocess.run(["umount", str(path)], capture_output=True)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory, small_disks: dict[str, Path]) -> AsyncIterator[CloudClient]:
    data_dir = Path(tmp_path_factory.mktemp("faults-disk"))
    config = cloud_config(data_dir)
    config.image.store_dir = str(small_disks["images"])
    config.volume.backend_dir = str(small_disks["volumes"])
    config.volume.volume_format = "raw"
    async with in_process_cloud(data_dir, config) as client:
        yield client


async def _req(c: CloudClient, method: str, path: str, **kw: Any) -> Any:
    headers = {"X-Auth-Token": await c.token("demo"), **kw.pop("headers", {})}
    return await c.http.request(method, path, headers=headers, **kw)


async def _image(c: CloudClient, name: str) -> str:
    body = {"name": name, "disk_format": "raw", "container_format": "bare"}
    return str((await _req(c, "POST", "/image/v2/images", json=body)).json()["id"])


async def _upload(c: CloudClient, image_id: str, data: bytes) -> Any:
    headers = {"Content-Type": "application/octet-stream"}
    return await _req(c, "PUT", f"/image/v2/images/{image_id}/file", content=data, headers=headers)


async def _image_usage(c: CloudClient) -> Any:
    return (await _req(c, "GET", "/image/v2/info/usage")).json()["usage"]


async def test_image_upload_on_a_full_disk(c: CloudClient, small_disks: dict[str, Path]) -> None:
    image_id = await _image(c, "too-big")
    before = await _image_usage(c)
    started = time.monotonic()
    # Random bytes: nothing a file system could make sparse.
    answer = await _upload(c, image_id, os.urandom(8 * MiB))
    assert answer.status_code == 413, answer.text
    assert "full" in answer.text and "No space left on device" in answer.text, answer.text
    shown = (await _req(c, "GET", f"/image/v2/images/{image_id}")).json()
    assert shown["status"] == "queued" and shown["size"] is None
    assert list(small_disks["images"].iterdir()) == []
    assert await _image_usage(c) == before
    # The disk is usable again at once: a small image fits, the queued one takes data.
    assert (await _upload(c, image_id, os.urandom(MiB))).status_code == 204
    print("FAULT " + json.dumps({"case": "image-store-disk-full", "recover_s": round(time.monotonic() - started, 3),
                                 "work_lost": 0, "orphans": len(list(small_disks["images"].glob(".*")))}))  # fmt: skip


async def test_volume_from_image_on_a_full_disk(c: CloudClient, small_disks: dict[str, Path]) -> None:
    image_id = await _image(c, "fills-the-volume-disk")
    # Fits the image disk (4 MiB, 1 MiB used by the test before), not the volume disk.
    assert (await _upload(c, image_id, os.urandom(2 * MiB + MiB // 2))).status_code == 204
    filler = small_disks["volumes"] / "filler"
    filler.write_bytes(b"\1" * (2 * MiB))
    project = (await _req(c, "GET", "/identity/v3/auth/projects")).json()["projects"][0]["id"]
    quota = f"/volume/v3/{project}/os-quota-sets/{project}?usage=true"
    before = (await _req(c, "GET", quota)).json()["quota_set"]
    started = time.monotonic()
    made = await _req(c, "POST", f"/volume/v3/{project}/volumes", json={"volume": {"size": 1, "imageRef": image_id}})
    assert made.status_code == 202, made.text
    volume_id = made.json()["volume"]["id"]
    status = ""
    for _ in range(500):
        status = (await _req(c, "GET", f"/volume/v3/{project}/volumes/{volume_id}")).json()["volume"]["status"]
        if status not in ("creating", "downloading"):
            break
        await asyncio.sleep(0.02)
    assert status == "error"
    messages = (
        await _req(c, "GET", f"/volume/v3/{project}/messages", headers={"OpenStack-API-Version": "volume 3.3"})
    ).json()["messages"]
    mine = [m for m in messages if m["resource_uuid"] == volume_id]
    assert mine and "exceeds available space" in mine[0]["user_message"], messages
    assert sorted(p.name for p in small_disks["volumes"].iterdir()) == ["filler"]
    assert (await _req(c, "DELETE", f"/volume/v3/{project}/volumes/{volume_id}")).status_code == 202
    for _ in range(500):
        if (await _req(c, "GET", f"/volume/v3/{project}/volumes/{volume_id}")).status_code == 404:
            break
        await asyncio.sleep(0.02)
    after = (await _req(c, "GET", quota)).json()["quota_set"]
    assert after["volumes"] == before["volumes"] and after["gigabytes"] == before["gigabytes"]
    # Room again: the same create works.
    filler.unlink()
    made = await _req(c, "POST", f"/volume/v3/{project}/volumes", json={"volume": {"size": 1, "imageRef": image_id}})
    volume_id = made.json()["volume"]["id"]
    for _ in range(500):
        status = (await _req(c, "GET", f"/volume/v3/{project}/volumes/{volume_id}")).json()["volume"]["status"]
        if status == "available":
            break
        await asyncio.sleep(0.02)
    assert status == "available"
    print("FAULT " + json.dumps({"case": "volume-backend-disk-full", "recover_s": round(time.monotonic() - started, 3),
                                 "work_lost": 0, "orphans": len(list(small_disks["volumes"].glob(".*")))}))  # fmt: skip
