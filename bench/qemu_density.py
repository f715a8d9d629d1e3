"""Density: how many tiny VMs (256 MB flavor) the all-in-one keeps ACTIVE at once, and
pocketstack's own memory per VM beyond QEMU's.

The whole cloud in-process with the qemu driver (TCG), the tiny guest, a 256 MB / 1 vCPU
flavor, ``"networks": "none"``. Servers are booted in small batches until ``LIMIT`` are
up, or the host's MemAvailable would drop under ``HEADROOM`` bytes, or a boot fails
(placement refusing is a result too: with the default cpu_allocation_ratio of 4 a 2-core
host has 8 vCPUs to give, so the bench raises the ratio to find the memory/CPU bound
instead). Once every guest printed its boot marker, the bench checks that all are still
ACTIVE and reads: QEMU's RSS per VM (VmRSS of each QEMU), this process's RSS growth per
VM (the cloud's own bookkeeping: records, sockets, tasks), and the host's MemAvailable.
Everything is deleted at the end (and any leftover QEMU ended by PID).

Prints one JSON object, then a one-line summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pocketstack.cleanup import cleanup_runtime
from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import tiny_available
from pocketstack.testing.cloud import CloudClient, in_process_cloud, test_config
from pocketstack.testing.qemu import qemu_missing

LIMIT = int(os.environ.get("DENSITY_LIMIT", "30"))
HEADROOM = 4 * 1024**3
BATCH = 3
FLAVOR_MB = 256
MARKER = b"pocketstack-guest: up hostname="
V = "/compute/v2.1"


def meminfo(key: str) -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss(pid: int | str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


async def wait_status(c: CloudClient, h: dict[str, str], sid: str, status: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server: dict[str, Any] = (await c.http.get(f"{V}/servers/{sid}", headers=h)).json()["server"]
        if server["status"] == status and not server.get("OS-EXT-STS:task_state"):
            return server
        if server["status"] == "ERROR":
            return server
        await asyncio.sleep(0.2)
    raise TimeoutError(f"server {sid} not {status} within {timeout}s")


async def main() -> int:
    missing = qemu_missing() or (None if tiny_available()[0] else "tiny guest not available")
    if missing:
        print(json.dumps({"error": missing}))
        return 1
    stop_reason = f"reached the bound of {LIMIT} VMs"
    with tempfile.TemporaryDirectory(prefix="pocketstack-qemu-density-") as tmp:
        data_dir = Path(tmp) / "cloud"
        config = test_config(data_dir)
        config.compute.driver = "qemu"
        config.compute.qemu_accel = "tcg"
        config.compute.cpu_allocation_ratio = 32.0
        config.compute.destroy_timeout = 0.5
        config.compute.max_attempts = 1
        config.image.tiny_guest = True
        instances = data_dir / "instances"
        try:
            async with in_process_cloud(data_dir, config) as c:
                admin = {"X-Auth-Token": await c.token("admin"), "OpenStack-API-Version": "compute 2.37"}
                demo = {"X-Auth-Token": await c.token("demo"), "OpenStack-API-Version": "compute 2.37"}
                flavor = {"flavor": {"name": "density", "ram": FLAVOR_MB, "vcpus": 1, "disk": 1, "id": "density"}}
                (await c.http.post(f"{V}/flavors", json=flavor, headers=admin)).raise_for_status()
                quota = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
                project = (await c.http.get("/identity/v3/projects?name=demo", headers=admin)).json()["projects"][0]
                await c.http.put(f"{V}/os-quota-sets/{project['id']}", json=quota, headers=admin)
                image_id = (await c.http.get("/image/v2/images?name=tiny", headers=demo)).json()["images"][0]["id"]
                rss_before = rss()
                avail_before = meminfo("MemAvailable")
                sids: list[str] = []
                started = time.monotonic()
                while len(sids) < LIMIT:
                    if meminfo("MemAvailable") < HEADROOM + BATCH * FLAVOR_MB * 1024**2:
                        stop_reason = "memory headroom under 4 GiB"
                        break
                    batch: list[str] = []
                    for _ in range(min(BATCH, LIMIT - len(sids))):
                        body = {
                            "server": {
                                "name": f"d{len(sids) + len(batch)}",
                                "flavorRef": "density",
                                "imageRef": image_id,
                                "networks": "none",
                            }
                        }
                        r = await c.http.post(f"{V}/servers", json=body, headers=demo)
                        r.raise_for_status()
                        batch.append(r.json()["server"]["id"])
                    done = await asyncio.gather(*(wait_status(c, admin, sid, "ACTIVE") for sid in batch))
                    sids += batch
                    failed = [s for s in done if s["status"] != "ACTIVE"]
                    if failed:
                        stop_reason = f"a boot failed: {failed[0].get('fault', {}).get('message')}"
                        break
                launched_s = time.monotonic() - started
                # Steady state: every guest booted (markers), then count what is still ACTIVE.
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    logs = [instances / sid / "console.log" for sid in sids]
                    if all(p.exists() and MARKER in p.read_bytes() for p in logs):
                        break
                    await asyncio.sleep(1.0)
                booted_s = time.monotonic() - started
                listing = (await c.http.get(f"{V}/servers/detail?all_tenants=1&limit=1000", headers=admin)).json()[
                    "servers"
                ]
                active = sum(1 for s in listing if s["status"] == "ACTIVE")
                pids = [process.running_pid(instances / sid / "qemu.pid", sid) for sid in sids]
                qemu_rss = [rss(pid) for pid in pids if pid is not None]
                rss_after = rss()
                avail_after = meminfo("MemAvailable")
                load = os.getloadavg()
                for sid in sids:
                    await c.http.delete(f"{V}/servers/{sid}", headers=admin)
                for sid in sids:
                    while (await c.http.get(f"{V}/servers/{sid}", headers=admin)).status_code != 404:
                        await asyncio.sleep(0.2)
        finally:
            # Whatever happened above: no QEMU, namespace or dnsmasq of this cloud survives.
            await cleanup_runtime(data_dir)
    n = max(len(sids), 1)
    mib = 1024**2
    result: dict[str, Any] = {
        "flavor_ram_mb": FLAVOR_MB,
        "accelerator": "tcg",
        "bound": LIMIT,
        "stopped_because": stop_reason,
        "launched": len(sids),
        "active_at_once": active,
        "seconds_to_launch_all": round(launched_s, 1),
        "seconds_until_all_booted": round(booted_s, 1),
        "qemu_rss_per_vm_median_mib": round(statistics.median(qemu_rss) / mib, 1) if qemu_rss else None,
        "qemu_rss_total_mib": round(sum(qemu_rss) / mib, 1),
        "pocketstack_rss_before_mib": round(rss_before / mib, 1),
        "pocketstack_rss_after_mib": round(rss_after / mib, 1),
        "pocketstack_rss_per_vm_kib": round((rss_after - rss_before) / n / 1024, 1),
        "host_mem_available_drop_per_vm_mib": round((avail_before - avail_after) / n / mib, 1),
        "load_average": [round(x, 2) for x in load],
    }
    print(json.dumps(result, indent=1))
    print(
        f"qemu density: {active} tiny VMs ACTIVE at once ({stop_reason}); QEMU RSS "
        f"{result['qemu_rss_per_vm_median_mib']} MiB/VM, pocketstack +{result['pocketstack_rss_per_vm_kib']} KiB/VM"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
