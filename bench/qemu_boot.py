"""Boot latency of a real VM through pocketstack against bare QEMU, side by side.

pocketstack: the whole cloud in-process with the qemu driver (TCG), the tiny guest's
image already in the host's image cache (one warm-up boot first), ``"networks": "none"``;
time from ``POST /servers`` to the guest's boot marker in its console log. Bare: the
same kernel, initramfs, root disk (a qcow2 overlay on the same cached base), a config
drive, the same memory and vCPUs, started with ``qemu-system-x86_64`` directly; time
from process start to the same marker. Alternated, 5 rounds each, medians reported,
with the median duration of each hop of ``pocketstack trace`` for the pocketstack boots.

Prints one JSON object, then a one-line summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketstack.compute.service import trace_server
from pocketstack.compute.virt.configdrive import build_config_drive
from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import build_tiny, tiny_available
from pocketstack.testing.cloud import CloudClient, in_process_cloud, test_config
from pocketstack.testing.qemu import qemu_missing

ROUNDS = 5
MARKER = b"pocketstack-guest: up hostname="
V = "/compute/v2.1"


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Boot:
    """One boot: wall seconds to the marker, QEMU's CPU seconds by then, and the CPU
    seconds this process (the in-process cloud, for pocketstack) spent meanwhile."""

    wall: float
    qemu_cpu: float
    own_cpu: float


async def wait_marker(log: Path, started: float, pid: Callable[[], int | None], timeout: float = 180) -> Boot:
    deadline = started + timeout
    own = time.process_time()
    while time.monotonic() < deadline:
        try:
            if MARKER in log.read_bytes():
                wall = time.monotonic() - started
                return Boot(wall, _cpu_seconds(pid()), time.process_time() - own)
        except FileNotFoundError:
            pass
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no boot marker in {log} within {timeout}s")


async def boot_pocketstack(
    c: CloudClient, data_dir: Path, headers: dict[str, str], image_id: str, name: str
) -> tuple[Boot, str]:
    body = {"server": {"name": name, "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
    started = time.monotonic()
    r = await c.http.post(f"{V}/servers", json=body, headers=headers)
    r.raise_for_status()
    sid = r.json()["server"]["id"]
    d = data_dir / "instances" / sid
    boot = await wait_marker(d / "console.log", started, lambda: process.read_pid(d / "qemu.pid"))
    return boot, sid


async def delete(c: CloudClient, headers: dict[str, str], sid: str) -> None:
    while True:
        server = (await c.http.get(f"{V}/servers/{sid}", headers=headers)).json()["server"]
        if server["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    await c.http.delete(f"{V}/servers/{sid}", headers=headers)
    while (await c.http.get(f"{V}/servers/{sid}", headers=headers)).status_code != 404:
        await asyncio.sleep(0.05)


async def boot_bare(work: Path, base: Path, kernel: Path, ramdisk: Path, cmdline: str, n: int) -> Boot:
    run = work / f"bare-{n}"
    run.mkdir()
    overlay, drive, log = run / "root.qcow2", run / "disk.config", run / "console.log"
    made = await asyncio.create_subprocess_exec(
        "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(base), str(overlay), "1G"
    )  # fmt: skip
    await made.wait()
    build_config_drive(
        drive,
        meta_data={"uuid": f"bare-{n}", "name": "bare", "hostname": "bare"},
        user_data=None,
        network_data={"links": [], "networks": [], "services": []},
    )
    argv = ["qemu-system-x86_64", "-machine", "pc,accel=tcg", "-cpu", "qemu64", "-smp", "1", "-m", "512",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", f"file:{log}",
            "-drive", f"file={overlay},format=qcow2,if=virtio", "-kernel", str(kernel), "-initrd", str(ramdisk),
            "-append", cmdline, "-drive", f"file={drive},format=raw,if=virtio,readonly=on"]  # fmt: skip
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return await wait_marker(log, started, lambda: proc.pid)
    finally:
        proc.kill()
        await proc.wait()


async def main() -> int:
    missing = qemu_missing() or (None if tiny_available()[0] else "tiny guest not available")
    if missing:
        print(json.dumps({"error": missing}))
        return 1
    artifacts = build_tiny()
    with tempfile.TemporaryDirectory(prefix="pocketstack-qemu-bench-") as tmp:
        data_dir = Path(tmp) / "cloud"
        config = test_config(data_dir)
        config.compute.driver = "qemu"
        config.compute.qemu_accel = "tcg"
        config.compute.destroy_timeout = 0.5
        config.image.tiny_guest = True
        async with in_process_cloud(data_dir, config) as c:
            headers = {"X-Auth-Token": await c.token("demo"), "OpenStack-API-Version": "compute 2.37"}
            admin = {"X-Auth-Token": await c.token("admin"), "OpenStack-API-Version": "compute 2.37"}
            images = (await c.http.get("/image/v2/images?name=tiny", headers=headers)).json()["images"]
            image_id = images[0]["id"]
            _, warm = await boot_pocketstack(c, data_dir, headers, image_id, "warmup")  # fills the image cache
            await delete(c, admin, warm)
            base = data_dir / "image-cache" / image_id
            ours: list[Boot] = []
            bare: list[Boot] = []
            load = [os.getloadavg()[0]]
            hops: dict[str, list[float]] = defaultdict(list)
            for n in range(ROUNDS):
                bare.append(
                    await boot_bare(Path(tmp), base, artifacts.kernel, artifacts.initramfs, artifacts.cmdline, n)
                )
                boot, sid = await boot_pocketstack(c, data_dir, headers, image_id, f"bench-{n}")
                ours.append(boot)
                await delete(c, admin, sid)
                for span in await trace_server(c.cloud.runtime, sid):
                    hops[span["hop"]].append(float(span["duration_ms"] or 0.0))
            load.append(os.getloadavg()[0])

    def median(boots: list[Boot], what: str) -> float:
        return round(statistics.median(getattr(b, what) for b in boots), 3)

    result: dict[str, Any] = {
        "rounds": ROUNDS,
        "accelerator": "tcg",
        "load_average_1m": [round(x, 2) for x in load],
        "pocketstack_post_to_marker_s": [round(b.wall, 3) for b in ours],
        "bare_qemu_start_to_marker_s": [round(b.wall, 3) for b in bare],
        "pocketstack_median_s": median(ours, "wall"),
        "bare_median_s": median(bare, "wall"),
        "overhead_median_ms": round((median(ours, "wall") - median(bare, "wall")) * 1000, 1),
        # Same work in the guest shows as the same QEMU CPU time, whatever the host's load.
        "pocketstack_qemu_cpu_to_marker_median_s": median(ours, "qemu_cpu"),
        "bare_qemu_cpu_to_marker_median_s": median(bare, "qemu_cpu"),
        # CPU the cloud (this process) used while its guest booted; the bare boot's is the poller alone.
        "pocketstack_cloud_cpu_during_boot_median_s": median(ours, "own_cpu"),
        "bare_poller_cpu_during_boot_median_s": median(bare, "own_cpu"),
        "trace_hop_median_ms": {hop: round(statistics.median(v), 2) for hop, v in hops.items()},
    }
    print(json.dumps(result, indent=1))
    print(
        f"qemu boot: pocketstack POST->marker {result['pocketstack_median_s']}s, bare qemu "
        f"{result['bare_median_s']}s, overhead {result['overhead_median_ms']} ms (median of {ROUNDS}, TCG)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
