"""Object storage throughput and listing speed (issue 19's targets).

The server is the object service alone on a real uvicorn (a subprocess of this script,
SQLite, the file backend under a temporary directory). Three measurements:

* a large object (--large-mb, default 256) PUT and GET over HTTP, against ``cp`` of the
  same file on the same disk (target ratio >= 0.7);
* small objects (4 KiB) PUT then GET per second with 16 concurrent clients;
* container listings of 1,000 names at random markers out of --listing-objects objects
  (default 10,000; 1,000,000 for the issue's target, p50 < 50 ms), the rows seeded
  straight into the index (PUTting them over HTTP would only measure seeding), and the
  same with a delimiter.

Usage: python bench/object_store.py [--large-mb 256] [--small 2000] [--listing-objects 10000]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ACCOUNT = "/object/v1/AUTH_p-demo"
TOKEN = {"X-Auth-Token": "demo"}
MIB = 1024 * 1024


async def serve(data_dir: Path, port: int) -> None:
    import uvicorn

    from pocketstack.bus.memory import MemoryBus
    from pocketstack.common.config import Config
    from pocketstack.db import migrate
    from pocketstack.object.service import ObjectService
    from pocketstack.runtime import Runtime
    from pocketstack.testing.auth import StaticAuthenticator
    from pocketstack.web import Dispatcher

    config = Config(data_dir=data_dir)
    config.object.expirer_interval = 0
    runtime = Runtime(config, MemoryBus(), StaticAuthenticator())
    service = ObjectService(runtime)
    assert service.migrations is not None
    await migrate.upgrade(runtime.database("object"), "object", service.migrations)
    server = uvicorn.Config(
        Dispatcher({"object": service.app}),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
        lifespan="off",
    )
    await uvicorn.Server(server).serve()
    await runtime.close()


async def seed(data_dir: Path, count: int) -> None:
    """``count`` rows in container ``listing`` of the demo account, straight into the index."""
    from sqlalchemy import insert, select

    from pocketstack.db import Database
    from pocketstack.object.models import Container, Object

    db = Database(f"sqlite+aiosqlite:///{data_dir / 'pocketstack.db'}")
    async with db.reader() as s:
        container_id = await s.scalar(select(Container.id).where(Container.name == "listing"))
    rows = (
        {
            "container_id": container_id,
            "name": f"dir{i % 100:02d}/object-{i:07d}",
            "size": 1,
            "etag": "0" * 32,
            "content_type": "application/octet-stream",
            "created_at": 1.8e9,
            "meta": {},
            "blob": "none",
            "delete_at": None,
        }
        for i in range(count)
    )
    batch: list[dict[str, Any]] = []
    async with db.writer() as s:
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                await s.execute(insert(Object), batch)
                batch = []
        if batch:
            await s.execute(insert(Object), batch)
        container = await s.get(Container, container_id)
        assert container is not None
        container.object_count, container.bytes_used = count, count
    await db.close()


def wait_up(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url + "/object/info", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the object service did not start")


def large(url: str, work: Path, size_mb: int) -> dict[str, Any]:
    source = work / "large.bin"
    block = os.urandom(MIB)
    with open(source, "wb") as fh:
        for _ in range(size_mb):
            fh.write(block)
        os.fsync(fh.fileno())
    t = time.perf_counter()
    shutil.copyfile(source, work / "copy.bin")
    with open(work / "copy.bin", "rb+") as fh:
        os.fsync(fh.fileno())
    cp_s = time.perf_counter() - t
    (work / "copy.bin").unlink()

    # http.client with 1 MiB blocks: httpx's per-chunk overhead, not the server, would
    # otherwise set the pace.
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600, blocksize=MIB)
    conn.request("PUT", f"{ACCOUNT}/bench", headers=TOKEN)
    conn.getresponse().read()
    t = time.perf_counter()
    with open(source, "rb") as fh:
        conn.request(
            "PUT", f"{ACCOUNT}/bench/large.bin", body=fh, headers={**TOKEN, "Content-Length": str(size_mb * MIB)}
        )
        put = conn.getresponse()
        put.read()
    put_s = time.perf_counter() - t
    assert put.status == 201
    t = time.perf_counter()
    conn.request("GET", f"{ACCOUNT}/bench/large.bin", headers=TOKEN)
    resp = conn.getresponse()
    got = 0
    buffer = bytearray(MIB)
    while n := resp.readinto(buffer):
        got += n
    get_s = time.perf_counter() - t
    assert got == size_mb * MIB
    conn.request("DELETE", f"{ACCOUNT}/bench/large.bin", headers=TOKEN)
    conn.getresponse().read()
    conn.close()
    source.unlink()
    return {
        "large_mb": size_mb,
        "cp_mb_s": round(size_mb / cp_s, 1),
        "put_mb_s": round(size_mb / put_s, 1),
        "get_mb_s": round(size_mb / get_s, 1),
        "put_ratio_to_cp": round(cp_s / put_s, 2),
        "get_ratio_to_cp": round(cp_s / get_s, 2),
    }


async def small(url: str, count: int, clients: int = 16) -> dict[str, Any]:
    data = os.urandom(4096)
    async with httpx.AsyncClient(
        base_url=url, headers=TOKEN, timeout=60, limits=httpx.Limits(max_connections=clients)
    ) as c:
        await c.put(f"{ACCOUNT}/small")

        async def worker(index: int, method: str) -> None:
            for i in range(index, count, clients):
                if method == "PUT":
                    resp = await c.put(f"{ACCOUNT}/small/o{i:06d}", content=data)
                    assert resp.status_code == 201, resp.text
                else:
                    resp = await c.get(f"{ACCOUNT}/small/o{i:06d}")
                    assert resp.status_code == 200 and len(resp.content) == 4096

        rates = {}
        for method in ("PUT", "GET"):
            t = time.perf_counter()
            await asyncio.gather(*(worker(i, method) for i in range(clients)))
            rates[method] = round(count / (time.perf_counter() - t), 1)
    return {
        "small_objects": count,
        "small_clients": clients,
        "small_put_per_s": rates["PUT"],
        "small_get_per_s": rates["GET"],
    }


def listing(url: str, count: int, samples: int) -> dict[str, Any]:
    rng = random.Random(7)
    out: dict[str, Any] = {"listing_objects": count}
    with httpx.Client(base_url=url, headers=TOKEN, timeout=60) as client:
        for label, extra in (("listing", ""), ("listing_delimiter", "&delimiter=/&prefix=dir42/")):
            timings = []
            for n in range(samples + 10):
                marker = f"dir{rng.randrange(100):02d}/object-{rng.randrange(count):07d}"
                if extra:
                    marker = f"dir42/object-{rng.randrange(count):07d}"
                t = time.perf_counter()
                resp = client.get(f"{ACCOUNT}/listing?format=json&limit=1000&marker={marker}{extra}")
                elapsed = (time.perf_counter() - t) * 1000
                assert resp.status_code == 200
                if n >= 10:  # warm-up
                    timings.append(elapsed)
            timings.sort()
            out[f"{label}_p50_ms"] = round(statistics.median(timings), 2)
            out[f"{label}_p90_ms"] = round(timings[int(len(timings) * 0.9)], 2)
    return out


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(Path(sys.argv[2]), int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--large-mb", type=int, default=256)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--listing-objects", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--dir", default=None, help="work directory (default: a new temporary one)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="object-bench-", dir=args.dir))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(work), str(port)])
    result: dict[str, Any] = {"bench": "object_store"}
    try:
        wait_up(url)
        result.update(large(url, work, args.large_mb))
        result.update(asyncio.run(small(url, args.small)))
        httpx.put(f"{url}{ACCOUNT}/listing", headers=TOKEN)
        t = time.perf_counter()
        asyncio.run(seed(work, args.listing_objects))
        result["seed_s"] = round(time.perf_counter() - t, 1)
        result.update(listing(url, args.listing_objects, args.samples))
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    print(
        f"object_store: {args.large_mb} MiB PUT {result['put_mb_s']} MB/s GET {result['get_mb_s']} MB/s "
        f"(cp {result['cp_mb_s']} MB/s; ratios {result['put_ratio_to_cp']}/{result['get_ratio_to_cp']}, "
        "target >= 0.7); "
        f"4 KiB x16: {result['small_put_per_s']} PUT/s {result['small_get_per_s']} GET/s; "
        f"1,000 of {args.listing_objects} listed p50 {result['listing_p50_ms']} ms "
        f"(delimiter {result['listing_delimiter_p50_ms']} ms; target p50 < 50 ms)"
    )


if __name__ == "__main__":
    main()
