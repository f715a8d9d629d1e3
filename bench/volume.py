"""Volume benchmarks, in-process (volume + image services over ASGI, SQLite, the file
backend with real qemu-img):

1. create (empty, 1 GiB) + delete cycles at N concurrent clients: operations/s, where
   each cycle is two operations (target >= 50 ops/s at 10 clients);
2. create-from-image of a 1 GiB raw image: MB/s until the volume is available, against
   ``qemu-img convert`` of the same file to the volume format in the same run (target
   ratio >= 0.7);
3. time from attach request to the disk visible in a real QEMU guest, p50 (see
   bench/volume_attach.py; ``--attach-rounds 0`` skips it, as does a missing QEMU).

Usage: python bench/volume.py [--clients 10] [--cycles 100] [--image-mib 1024] [--attach-rounds 5]
                              [--volume-format raw|qcow2]  (default: the config's)
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pocketstack.common.config import Config
from pocketstack.image import service as image_service
from pocketstack.testing.qemu import qemu_missing
from pocketstack.testing.service import auth, running_services
from pocketstack.volume import service as volume_service

sys.path.insert(0, str(Path(__file__).parent))
import volume_attach

H = {**auth("demo"), "OpenStack-API-Version": "volume 3.71"}
MiB = 1024 * 1024


async def _status(client: httpx.AsyncClient, vid: str) -> str | None:
    r = await client.get(f"/volume/v3/volumes/{vid}", headers=H)
    return None if r.status_code == 404 else str(r.json()["volume"]["status"])


async def _until(client: httpx.AsyncClient, vid: str, want: str | None, poll: float = 0.05) -> None:
    """Poll as clients do, but tighter: 2 ms, growing x1.5 up to ``poll`` seconds (a fixed
    5 ms poll from 10 clients made GETs most of the server's work: 2/3 of its CPU)."""
    delay = 0.002
    while (status := await _status(client, vid)) != want:
        if status and status.startswith("error"):
            raise RuntimeError(f"volume {vid} went to {status}")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, poll)


async def cycles(client: httpx.AsyncClient, clients: int, total: int) -> dict[str, Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            r = await client.post("/volume/v3/volumes", json={"volume": {"size": 1}}, headers=H)
            vid = r.json()["volume"]["id"]
            await _until(client, vid, "available")
            await client.delete(f"/volume/v3/volumes/{vid}", headers=H)
            await _until(client, vid, None)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "cycles": total,
        "seconds": round(elapsed, 3),
        "ops_per_s": round(2 * total / elapsed, 1),
    }


async def from_image(client: httpx.AsyncClient, work: Path, mib: int, fmt: str) -> dict[str, Any]:
    src = work / "image.raw"
    block = bytes(range(256)) * (MiB // 256)
    with src.open("wb") as fh:
        for _ in range(mib):
            fh.write(block)
    img = (
        await client.post(
            "/image/v2/images",
            json={"name": "b", "disk_format": "raw", "container_format": "bare"},
            headers=auth("demo"),
        )
    ).json()

    async def chunks() -> Any:
        with src.open("rb") as fh:
            while chunk := fh.read(4 * MiB):
                yield chunk

    r = await client.put(
        f"/image/v2/images/{img['id']}/file",
        content=chunks(),
        headers={**auth("demo"), "Content-Type": "application/octet-stream"},
        timeout=600,
    )
    assert r.status_code == 204, r.text
    size_gb = max(1, -(-mib // 1024))
    # Both copies start with no dirty pages pending: otherwise the one measured first
    # is throttled by the writeback of the 2 GiB the set-up just wrote.
    await asyncio.to_thread(os.sync)
    start = time.perf_counter()
    r = await client.post("/volume/v3/volumes", json={"volume": {"size": size_gb, "imageRef": img["id"]}}, headers=H)
    vid = r.json()["volume"]["id"]
    await _until(client, vid, "available")
    volume_s = time.perf_counter() - start
    await asyncio.to_thread(os.sync)
    start = time.perf_counter()
    # The same job for qemu-img: the image's file into a file of the volume format.
    convert = ["qemu-img", "convert", "-f", "raw", "-O", fmt, str(src), str(work / f"convert.{fmt}")]
    await asyncio.to_thread(subprocess.run, convert, check=True)
    convert_s = time.perf_counter() - start
    volume_mbs = mib / volume_s
    convert_mbs = mib / convert_s
    return {
        "image_mib": mib,
        "volume_seconds": round(volume_s, 3),
        "volume_mb_s": round(volume_mbs, 1),
        "qemu_img_convert_seconds": round(convert_s, 3),
        "qemu_img_convert_mb_s": round(convert_mbs, 1),
        "ratio": round(volume_mbs / convert_mbs, 3),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--image-mib", type=int, default=1024)
    parser.add_argument("--attach-rounds", type=int, default=5)
    parser.add_argument("--volume-format", choices=("raw", "qcow2"), default=None)
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="pocketstack-bench-volume-") as tmp:
        work = Path(tmp)
        cfg = Config(data_dir=work)
        cfg.volume.backend = "file"
        if args.volume_format:
            cfg.volume.volume_format = args.volume_format
        cfg.volume.quota_volumes = -1
        cfg.volume.quota_gigabytes = -1
        cfg.image.quota_bytes = 1 << 40
        factories = [volume_service.create, image_service.create]
        async with running_services(factories, work, config=cfg) as (_rt, _svcs, client):
            client.timeout = httpx.Timeout(600)
            result = {
                "create_delete": await cycles(client, args.clients, args.cycles),
                "create_from_image": await from_image(client, work, args.image_mib, cfg.volume.volume_format),
            }
            result["volume_format"] = cfg.volume.volume_format
    result["load_average_before"] = load_before
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    attach: dict[str, Any] | None = None
    if args.attach_rounds > 0 and qemu_missing() is None:
        attach = await asyncio.to_thread(volume_attach.measure, args.attach_rounds)
        result["attach"] = attach
    print(json.dumps(result, indent=2))
    cd, fi = result["create_delete"], result["create_from_image"]
    print(
        f"volume: {cd['ops_per_s']} ops/s create+delete 1 GiB at {cd['clients']} clients; "
        f"from image {fi['volume_mb_s']} MB/s vs qemu-img convert {fi['qemu_img_convert_mb_s']} MB/s "
        f"(ratio {fi['ratio']})"
        + (f"; attach to visible in guest p50 {attach['attach_to_visible_p50_s']} s" if attach else "")
        + f"; load {result['load_average_before'][0]} -> {result['load_average_after'][0]}"
    )


if __name__ == "__main__":
    asyncio.run(main())
