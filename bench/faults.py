"""The fault cases, measured: runs the fault tests (each prints one ``FAULT {...}`` line
per case with its time to recover, work lost and orphans left) and gathers their lines.

Cases: the all-in-one SIGKILLed during 20 builds and restarted (tests/e2e); the image
store's and the volume backend's disk full, on real tmpfs mounts (root); 50 clients
racing for the last quota slot, subnet address, VCPU and one floating IP, on SQLite and
PostgreSQL; PostgreSQL and RabbitMQ outages for a distributed cloud, through a TCP proxy
of the test's own (tests/integration; the servers on 127.0.0.1 are needed, never stopped).

Usage: python -m bench.faults [--only kill|disk|races|outages ...]
Prints one JSON document (cases, and whether work lost and orphans are all zero), then a
one-line summary. Exit status 1 if any case lost work or left orphans or a test failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "kill": "tests/e2e/test_faults_kill.py",
    "disk": "tests/integration/test_faults_disk.py",
    "races": "tests/integration/test_faults_races.py",
    "outages": "tests/integration/test_faults_outages.py",
}


def run(path: str) -> tuple[list[dict[str, object]], bool, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # A line may begin with pytest's progress dots.
    cases = [json.loads(line[line.index("FAULT {") + 6 :]) for line in proc.stdout.splitlines() if "FAULT {" in line]
    return cases, proc.returncode == 0, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", choices=sorted(SUITES), default=sorted(SUITES))
    args = parser.parse_args()
    cases: list[dict[str, object]] = []
    suites = {}
    for name in args.only:
        found, passed, seconds = run(SUITES[name])
        cases += found
        suites[name] = {"passed": passed, "seconds": round(seconds, 1), "cases": len(found)}
    clean = all(c.get("work_lost") == 0 and c.get("orphans") == 0 for c in cases)
    ok = clean and all(s["passed"] for s in suites.values())
    print(json.dumps({"suites": suites, "cases": cases, "zero_work_lost_and_orphans": clean}, indent=2))
    slowest = max((float(str(c.get("recover_s", 0))) for c in cases), default=0.0)
    print(f"faults: {len(cases)} cases, {'all clean' if ok else 'FAILURES'}, slowest recovery {slowest:.2f}s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
