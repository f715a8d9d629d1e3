"""Scheduling cost as hosts grow (issue #4): one full decision of the scheduler
(host states, placement candidates, filters, weighers, the claim in placement) with
1,000 and 10,000 simulated hosts. Target: p50 < 50 ms at 10,000.

Placement and compute run in-process on SQLite (placement reached through its ASGI
app, as in the all-in-one); hosts are seeded straight into both databases (compute
node + service rows, resource providers + inventories), since registering 10,000
agents would only measure seeding. Each decision claims for a new consumer.

Usage: python -m bench.scheduler [--samples 50] [--hosts 1000,10000]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from pocketstack.common.config import Config
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import service as compute
from pocketstack.compute.models import ComputeNode, ComputeService
from pocketstack.placement import service as placement
from pocketstack.testing.service import running_services


async def seed(runtime: Any, count: int) -> None:
    from pocketstack.placement.objects.tables import INV, RC, RP

    now = utcnow()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with runtime.database("placement").writer() as s:
        classes = dict((await s.execute(select(RC.c.name, RC.c.id))).all())
        base = int(await s.scalar(select(RP.c.id).order_by(RP.c.id.desc()).limit(1)) or 0)
        await s.execute(
            insert(RP),
            [
                {
                    "id": base + i + 1,
                    "uuid": ids[i],
                    "name": f"bench-host-{i}",
                    "generation": 1,
                    "root_provider_id": base + i + 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        await s.execute(
            insert(INV),
            [
                {
                    "resource_provider_id": base + i + 1,
                    "resource_class_id": classes[rc],
                    "total": total,
                    "reserved": 0,
                    "min_unit": 1,
                    "max_unit": total,
                    "step_size": 1,
                    "allocation_ratio": ratio,
                    "used": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
                for rc, total, ratio in (("VCPU", 16, 4.0), ("MEMORY_MB", 32768, 1.0), ("DISK_GB", 500, 1.0))
            ],
        )
    async with runtime.database("compute").writer() as s:
        await s.execute(
            insert(ComputeService),
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "host": f"bench-host-{i}",
                    "binary": "nova-compute",
                    "topic": f"compute.bench-host-{i}",
                    "zone": "nova",
                    "disabled": False,
                    "forced_down": False,
                    "last_seen_up": now,
                    "created_at": now,
                }
                for i in range(count)
            ],
        )
        await s.execute(
            insert(ComputeNode),
            [
                {
                    "uuid": ids[i],
                    "host": f"bench-host-{i}",
                    "hypervisor_hostname": f"bench-host-{i}",
                    "hypervisor_type": "fake",
                    "hypervisor_version": 1000,
                    "host_ip": "127.0.0.1",
                    "vcpus": 16,
                    "memory_mb": 32768,
                    "local_gb": 500,
                    "vcpus_used": 0,
                    "memory_mb_used": 0,
                    "local_gb_used": 0,
                    "running_vms": 0,
                    "cpu_info": {"arch": "x86_64"},
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2)


async def measure(hosts: int, samples: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-bench-sched-"))
    cfg = Config(data_dir=data_dir)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = 0
    cfg.compute.service_down_time = 3600.0
    async with running_services([placement.create, compute.create], data_dir, config=cfg) as (runtime, svcs, _):
        await seed(runtime, hosts)
        scheduler = svcs["compute"].scheduler  # type: ignore[attr-defined]
        times: list[float] = []
        spans: dict[str, list[float]] = {}
        ctx = {"request_id": "req-bench", "project_id": "bench", "user_id": "bench"}
        for i in range(samples + 3):
            spec = {
                "instance_uuid": str(uuid.uuid4()),
                "project_id": "bench",
                "user_id": "bench",
                "resources": {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1},
                "availability_zone": None,
                "image_properties": {},
                "group": None,
            }
            start = time.perf_counter()
            result = await scheduler.select_destinations(ctx, spec)
            elapsed = time.perf_counter() - start
            if "error" in result:
                raise RuntimeError(result["error"])
            if i >= 3:  # the first decisions warm caches
                times.append(elapsed)
                from pocketstack.compute.objects import trace

                for span in await trace.load(runtime.database("compute"), spec["instance_uuid"]):
                    spans.setdefault(span["hop"], []).append(span["duration_ms"])
    return {
        "hosts": hosts,
        "samples": samples,
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
        "mean_ms": round(statistics.mean(times) * 1000, 2),
        "span_p50_ms": {hop: round(statistics.median(v), 2) for hop, v in spans.items()},
    }


async def run(samples: int, sizes: list[int]) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "scheduler", "database": "sqlite", "loadavg_1m": os.getloadavg()[0]}
    for size in sizes:
        result[f"hosts_{size}"] = await measure(size, samples)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--hosts", default="1000,10000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.hosts.split(",")]
    result = asyncio.run(run(args.samples, sizes))
    print(json.dumps(result, indent=2))
    parts = [
        f"{s} hosts p50 {result[f'hosts_{s}']['p50_ms']} ms p99 {result[f'hosts_{s}']['p99_ms']} ms" for s in sizes
    ]
    biggest = result[f"hosts_{max(sizes)}"]["p50_ms"]
    print(f"scheduler: {', '.join(parts)} (target p50 < 50 ms at 10,000: {'met' if biggest < 50 else 'MISSED'})")


if __name__ == "__main__":
    main()
