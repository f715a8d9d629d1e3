"""Seconds from QEMU start (TCG) to the tiny guest's boot marker, median of 3 boots.

Each boot gets a config drive, a copy-on-write root disk and DHCP from dnsmasq in a
pocketstack-test-* namespace, exactly as the end-to-end test does. Needs root.
Prints one JSON object, then a one-line summary.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pocketstack.image.tiny import build_tiny
from pocketstack.testing.tinylab import MARKER, TinyLab, lab_missing

RUNS = 3


def main() -> int:
    missing = lab_missing()
    if missing:
        print(json.dumps({"error": missing}))
        return 1
    started = time.monotonic()
    artifacts = build_tiny()
    build_seconds = time.monotonic() - started
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pocketstack-bench-") as tmp, TinyLab(Path(tmp)) as lab:
        for run in range(RUNS):
            boot = lab.boot(artifacts, hostname=f"bench{run}", name=f"run{run}")
            marker = boot.wait_for(MARKER, 120)
            seconds.append(time.monotonic() - boot.started)
            if marker["ips"] != lab.guest_ip:
                print(json.dumps({"error": f"guest got {marker['ips']!r}, not {lab.guest_ip}"}))
                return 1
            lab.stop(boot)
    result = {
        "benchmark": "tiny_boot",
        "accel": "tcg",
        "runs": RUNS,
        "seconds_to_marker": [round(s, 2) for s in seconds],
        "median_seconds_to_marker": round(statistics.median(seconds), 2),
        "build_seconds": round(build_seconds, 2),
        "kernel": artifacts.kernel_version,
    }
    print(json.dumps(result))
    print(
        f"tiny guest (TCG): QEMU start to boot marker median {result['median_seconds_to_marker']}s "
        f"over {RUNS} boots {result['seconds_to_marker']}, build {result['build_seconds']}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
