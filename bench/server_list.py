"""Listing cost (issue #4): GET /servers/detail?limit=1000 with 100,000 instances in the
database (SQLite). Target: p50 < 300 ms.

The compute API runs in-process (requests through its ASGI app, no sockets); rows are
inserted straight into the database (creating 100,000 servers through the API would only
measure seeding): one project holds them all, 1 % in ERROR with a fault, each with
metadata, tags and an address. Measured as the project's member and as an admin with
all_tenants, and one page further on with a marker.

Usage: python -m bench.server_list [--rows 100000] [--samples 20]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from pocketstack.common.config import Config
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import service as compute
from pocketstack.compute.models import Instance, InstanceFault
from pocketstack.testing.service import auth, running_services

PROJECT = "p-demo"  # StaticAuthenticator's "demo" user's project
FLAVOR = {"flavorid": "1", "name": "m1.tiny", "vcpus": 1, "memory_mb": 512, "root_gb": 1, "extra_specs": {}}


async def seed(db: Any, rows: int) -> None:
    start = utcnow() - dt.timedelta(days=1)
    batch = 5000
    for first in range(0, rows, batch):
        values = []
        faults = []
        for i in range(first, min(rows, first + batch)):
            sid = str(uuid.uuid4())
            error = i % 100 == 0
            values.append(
                {
                    "uuid": sid,
                    "name": f"server-{i}",
                    "hostname": f"server-{i}",
                    "project_id": PROJECT,
                    "user_id": "u-demo",
                    "image_ref": "11111111-1111-1111-1111-111111111111",
                    "image_meta": {"properties": {}},
                    "flavor_id": "1",
                    "flavor": FLAVOR,
                    "vcpus": 1,
                    "memory_mb": 512,
                    "root_gb": 1,
                    "vm_state": "error" if error else "active",
                    "power_state": 0 if error else 1,
                    "host": f"fake-host-{i % 10 + 1}",
                    "node": f"fake-host-{i % 10 + 1}",
                    "availability_zone": "nova",
                    "metadata": {"role": "web", "index": str(i)},
                    "tags": ["bench", f"t{i % 7}"],
                    "security_groups": ["default"],
                    "addresses": {"private": [{"version": 4, "addr": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}]},
                    "created_at": start + dt.timedelta(seconds=i),
                    "updated_at": start + dt.timedelta(seconds=i),
                    "launched_at": start + dt.timedelta(seconds=i),
                }
            )
            if error:
                faults.append({"instance_uuid": sid, "code": 500, "message": "No valid host", "details": "bench"})
        async with db.writer() as s:
            await s.execute(insert(Instance), values)
            if faults:
                await s.execute(insert(InstanceFault), faults)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2)


async def timed(client: Any, url: str, token: str, samples: int) -> dict[str, Any]:
    times: list[float] = []
    count = 0
    for i in range(samples + 2):
        start = time.perf_counter()
        r = await client.get(url, headers=auth(token, **{"OpenStack-API-Version": "compute 2.79"}))
        elapsed = time.perf_counter() - start
        r.raise_for_status()
        count = len(r.json()["servers"])
        if i >= 2:
            times.append(elapsed)
    return {
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
        "mean_ms": round(statistics.mean(times) * 1000, 2),
        "servers_returned": count,
    }


async def run(rows: int, samples: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-bench-list-"))
    cfg = Config(data_dir=data_dir)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = 0
    async with running_services([compute.create], data_dir, config=cfg) as (runtime, _, client):
        started = time.perf_counter()
        await seed(runtime.database("compute"), rows)
        seeded = time.perf_counter() - started
        base = "/compute/v2.1/servers/detail?limit=1000"
        result: dict[str, Any] = {
            "benchmark": "server_list",
            "rows": rows,
            "seed_seconds": round(seeded, 1),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }
        result["member_detail_limit_1000"] = await timed(client, base, "demo", samples)
        result["admin_all_tenants_detail_limit_1000"] = await timed(client, base + "&all_tenants=1", "admin", samples)
        page = await client.get(base, headers=auth("demo"))
        marker = page.json()["servers"][-1]["id"]
        result["member_detail_second_page"] = await timed(client, f"{base}&marker={marker}", "demo", samples)
        result["member_detail_name_filter"] = await timed(client, base + "&name=server-1", "demo", samples)
        result["member_detail_tag_filter"] = await timed(client, base + "&tags=t3", "demo", samples)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.samples))
    print(json.dumps(result, indent=2))
    m = result["member_detail_limit_1000"]
    print(
        f"server list: GET /servers/detail?limit=1000 over {args.rows} rows p50 {m['p50_ms']} ms p99 {m['p99_ms']} ms "
        f"(admin all_tenants p50 {result['admin_all_tenants_detail_limit_1000']['p50_ms']} ms, name filter p50 "
        f"{result['member_detail_name_filter']['p50_ms']} ms, tag filter p50 "
        f"{result['member_detail_tag_filter']['p50_ms']} ms) target p50 < 300 ms: "
        f"{'met' if m['p50_ms'] < 300 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
