"""Placement on its own, over a real uvicorn on 127.0.0.1 with SQLite.

Measures GET /allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:10 with
1,000 providers (p50 target < 25 ms) and with 10,000 providers and limit=1000 (target
< 100 ms), and PUT /allocations/{consumer} claims from 8 concurrent clients (target
>= 300/s, zero errors).

Usage: python bench/placement.py [--samples N] [--claims N]
Prints one JSON document, then a one-line summary. The server runs in a child process
(``--serve``) so client and server do not share an event loop; providers are seeded
straight into its database (creating 10,000 over HTTP would only measure seeding).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
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

HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
QUERY = "/placement/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:10"


async def seed(service: Any, count: int) -> None:
    from sqlalchemy import insert, select

    from pocketstack.common.timeutils import utcnow
    from pocketstack.placement.objects.tables import INV, RC, RP

    now = utcnow()
    async with service.db.writer() as session:
        classes = dict((await session.execute(select(RC.c.name, RC.c.id))).all())
        await session.execute(
            insert(RP),
            [
                {
                    "id": i,
                    "uuid": str(uuid.uuid4()),
                    "name": f"bench-cn-{i}",
                    "generation": 1,
                    "root_provider_id": i,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, count + 1)
            ],
        )
        rows = []
        for i in range(1, count + 1):
            for rc, total in (("VCPU", 64), ("MEMORY_MB", 262144), ("DISK_GB", 4096)):
                rows.append(
                    {
                        "resource_provider_id": i,
                        "resource_class_id": classes[rc],
                        "total": total,
                        "reserved": 0,
                        "min_unit": 1,
                        "max_unit": total,
                        "step_size": 1,
                        "allocation_ratio": 1.0,
                        "used": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        await session.execute(insert(INV), rows)


def serve(port: int, data_dir: str, providers: int) -> None:
    import uvicorn

    from pocketstack.bus.memory import MemoryBus
    from pocketstack.common.config import Config
    from pocketstack.db import migrate
    from pocketstack.placement.service import create
    from pocketstack.runtime import Runtime
    from pocketstack.testing.auth import StaticAuthenticator
    from pocketstack.web.app import Dispatcher

    async def main() -> None:
        runtime = Runtime(Config(data_dir=Path(data_dir)), MemoryBus(), StaticAuthenticator())
        service = create(runtime)
        await migrate.upgrade(runtime.database("placement"), "placement", service.migrations)  # type: ignore[arg-type]
        await service.start()
        await seed(service, providers)
        config = uvicorn.Config(
            Dispatcher({"placement": service.app}),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            loop="uvloop",
            http="httptools",
        )
        await uvicorn.Server(config).serve()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, providers: int) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="pocketstack-bench-placement-")
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port), self.dir, str(providers)])
        self.url = f"http://127.0.0.1:{self.port}"

    async def wait(self) -> None:
        async with httpx.AsyncClient() as c:
            for _ in range(600):
                try:
                    await c.get(self.url + "/placement/")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("bench server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2)


async def candidates(url: str, query: str, samples: int) -> dict[str, Any]:
    times: list[float] = []
    count = 0
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as c:
        for i in range(samples + 3):
            start = time.perf_counter()
            r = await c.get(query)
            elapsed = time.perf_counter() - start
            r.raise_for_status()
            count = len(r.json()["allocation_requests"])
            if i >= 3:  # the first calls warm caches
                times.append(elapsed)
    return {
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
        "mean_ms": round(statistics.mean(times) * 1000, 2),
        "samples": samples,
        "allocation_requests": count,
    }


async def claims(url: str, total: int, concurrency: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as c:
        r = await c.get("/placement/resource_providers")
        rps = [p["uuid"] for p in r.json()["resource_providers"]]
        statuses: dict[int, int] = {}
        queue = list(range(total))

        async def worker() -> None:
            async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as own:
                while queue:
                    n = queue.pop()
                    body = {
                        "allocations": {rps[n % len(rps)]: {"resources": {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 10}}},
                        "project_id": "bench",
                        "user_id": "bench",
                        "consumer_generation": None,
                        "consumer_type": "INSTANCE",
                    }
                    resp = await own.put(f"/placement/allocations/{uuid.uuid4()}", json=body)
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
    errors = sum(n for code, n in statuses.items() if code != 204)
    return {
        "requests": total,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "per_second": round(total / elapsed, 1),
        "errors": errors,
        "statuses": statuses,
    }


async def run(samples: int, total_claims: int) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "placement", "database": "sqlite", "server": "uvicorn 127.0.0.1"}
    small = Server(1000)
    try:
        await small.wait()
        result["candidates_1000"] = await candidates(small.url, QUERY, samples)
        result["claims_8_clients"] = await claims(small.url, total_claims, 8)
    finally:
        small.stop()
    big = Server(10000)
    try:
        await big.wait()
        result["candidates_10000_limit_1000"] = await candidates(big.url, QUERY + "&limit=1000", samples)
        result["candidates_10000_no_limit"] = await candidates(big.url, QUERY, max(5, samples // 5))
    finally:
        big.stop()
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--claims", type=int, default=3000)
    args = parser.parse_args()
    result = asyncio.run(run(args.samples, args.claims))
    print(json.dumps(result, indent=2))
    c1, c10, cl = result["candidates_1000"], result["candidates_10000_limit_1000"], result["claims_8_clients"]
    print(
        f"placement: candidates 1k p50 {c1['p50_ms']} ms (target <25), 10k limit=1000 p50 {c10['p50_ms']} ms "
        f"(target <100), claims {cl['per_second']}/s from 8 clients with {cl['errors']} errors "
        f"(target >=300/s, 0)"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
