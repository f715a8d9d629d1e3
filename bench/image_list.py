"""GET /v2/images?limit=100 with 10,000 images in the database (target p50 < 30 ms).

The server is the image service alone on a real uvicorn (bench/image_server.py) with
SQLite; the images are seeded straight into its database (creating 10,000 over HTTP
would only measure seeding): a mix of public, shared (some shared with the caller),
private and community images of three projects, each with a few properties and tags.

Usage: python bench/image_list.py [--images 10000] [--samples 300]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from pocketstack.db import Database, migrate
from pocketstack.image.models import Image, ImageMember, ImageProperty, ImageTag
from pocketstack.image.service import ImageService

HERE = Path(__file__).resolve().parent


async def seed(data_dir: Path, count: int) -> None:
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'pocketstack.db'}")
    assert ImageService.migrations is not None
    await migrate.upgrade(db, "image", ImageService.migrations)
    owners = ("p-demo", "p-alt", "p-admin")
    visibilities = ("public", "shared", "private", "community")
    start = dt.datetime(2026, 1, 1)
    images, props, tags, members = [], [], [], []
    for i in range(count):
        image_id = str(uuid.uuid4())
        owner, visibility = owners[i % 3], visibilities[(i // 3) % 4]
        images.append(
            {
                "id": image_id,
                "name": f"image-{i:05d}",
                "status": "active",
                "visibility": visibility,
                "protected": False,
                "os_hidden": False,
                "owner": owner,
                "disk_format": "qcow2",
                "container_format": "bare",
                "size": 1024 * i,
                "checksum": "0" * 32,
                "os_hash_algo": "sha512",
                "os_hash_value": "0" * 128,
                "min_disk": 1,
                "min_ram": 64,
                "location": f"file:///nowhere/{image_id}",
                "created_at": start + dt.timedelta(seconds=i),
                "updated_at": start + dt.timedelta(seconds=i),
            }
        )
        props += [
            {"image_id": image_id, "name": k, "value": v}
            for k, v in (("os_distro", "debian"), ("hw_disk_bus", "virtio"), ("bench_index", str(i)))
        ]
        tags += [{"image_id": image_id, "value": t} for t in ("bench", f"t{i % 10}")]
        if visibility == "shared" and owner != "p-demo" and i % 2:
            members.append(
                {
                    "image_id": image_id,
                    "member": "p-demo",
                    "status": "accepted",
                    "created_at": start,
                    "updated_at": start,
                }
            )
    async with db.writer() as session:
        for table, rows in ((Image, images), (ImageProperty, props), (ImageTag, tags), (ImageMember, members)):
            for offset in range(0, len(rows), 2000):
                await session.execute(insert(table), rows[offset : offset + 2000])
    await db.close()


def measure(url: str, samples: int) -> dict[str, Any]:
    with httpx.Client(headers={"X-Auth-Token": "demo"}, timeout=30) as client:
        for _ in range(200):
            try:
                client.get(url + "/")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        timings = []
        first = client.get(f"{url}/v2/images?limit=100").json()
        for _ in range(20):  # warm up
            client.get(f"{url}/v2/images?limit=100")
        for _ in range(samples):
            t = time.perf_counter()
            resp = client.get(f"{url}/v2/images?limit=100")
            timings.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200 and len(resp.json()["images"]) == 100
        deep = client.get(f"{url}{first['next']}")
        timings.sort()
        return {
            "p50_ms": round(statistics.median(timings), 2),
            "p90_ms": round(timings[int(len(timings) * 0.9)], 2),
            "max_ms": round(timings[-1], 2),
            "next_page_ok": deep.status_code == 200 and len(deep.json()["images"]) == 100,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="image-list-"))
    t = time.perf_counter()
    asyncio.run(seed(work, args.images))
    seed_s = time.perf_counter() - t
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(HERE / "image_server.py"), str(work), str(port)])
    try:
        result = {
            "bench": "image_list",
            "images": args.images,
            "samples": args.samples,
            "seed_s": round(seed_s, 1),
            **measure(f"http://127.0.0.1:{port}/image", args.samples),
        }
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    print(
        f"image_list: GET /v2/images?limit=100 over {args.images} images p50 {result['p50_ms']} ms "
        f"(p90 {result['p90_ms']} ms, target p50 < 30 ms)"
    )


if __name__ == "__main__":
    main()
