"""Conformance figures: Tempest's verdicts against pocketstack, per service, with wall time.

    python bench/conformance.py [--driver fake|qemu] [--list NAME]... [--regex RE]
        runs scripts/conformance.sh and prints its summary (JSON, then one line)
    python bench/conformance.py summarize TEMPEST_WORKDIR [--label L] [--driver D] [--seconds S]
        reads the harness's results.json and prints the summary JSON (what the script stores)

The summary counts, per service (identity, image, compute, network, volume, ...), the tests
passed, failed and skipped, and groups the skip and failure reasons, so that the README and
later runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def service_of(test_id: str) -> str:
    """``tempest.api.compute.servers.test_x.Class.test_y[...]`` -> ``compute``."""
    parts = test_id.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "api" else parts[1]


def summarize(results: dict[str, dict[str, Any]], label: str, driver: str, seconds: float | None) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = {}
    totals: Counter[str] = Counter()
    for test_id, result in sorted(results.items()):
        verdict = result["verdict"]
        entry = services.setdefault(
            service_of(test_id), {"passed": 0, "failed": 0, "skipped": 0, "skip_reasons": Counter(), "failures": []}
        )
        entry[verdict] += 1
        totals[verdict] += 1
        if verdict == "skipped":
            entry["skip_reasons"][result.get("reason", "")[:160]] += 1
        elif verdict == "failed":
            entry["failures"].append(f"{test_id.split('[', 1)[0]}  -- {result.get('reason', '')[:200]}")
    for entry in services.values():
        entry["skip_reasons"] = dict(entry["skip_reasons"].most_common())
    return {
        "bench": "conformance",
        "label": label,
        "driver": driver,
        "wall_seconds": seconds,
        "passed": totals["passed"],
        "failed": totals["failed"],
        "skipped": totals["skipped"],
        "services": services,
    }


def line(summary: dict[str, Any]) -> str:
    per = ", ".join(
        f"{name} {s['passed']}/{s['failed']}/{s['skipped']}" for name, s in sorted(summary["services"].items())
    )
    return (
        f"conformance [{summary['label']}, {summary['driver']}]: {summary['passed']} passed, "
        f"{summary['failed']} failed, {summary['skipped']} skipped in {summary['wall_seconds']} s "
        f"(passed/failed/skipped: {per})"
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["summarize"]:
        p = argparse.ArgumentParser(prog="conformance.py summarize")
        p.add_argument("workdir")
        p.add_argument("--label", default="")
        p.add_argument("--driver", default="fake")
        p.add_argument("--seconds", type=float, default=None)
        a = p.parse_args(argv[1:])
        results = json.loads((Path(a.workdir) / "results.json").read_text())
        print(json.dumps(summarize(results, a.label, a.driver, a.seconds), indent=1))
        return 0
    p = argparse.ArgumentParser(prog="conformance.py")
    p.add_argument("--driver", default="fake")
    p.add_argument("--list", action="append", default=[])
    p.add_argument("--regex", default="")
    a = p.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pocketstack-conformance-"))
    cmd = ["bash", str(REPO / "scripts" / "conformance.sh"), "--driver", a.driver, "--workdir", str(workdir)]
    for name in a.list:
        cmd += ["--list", name]
    if a.regex:
        cmd += ["--regex", a.regex]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    summary_path = workdir / "summary.json"
    if not summary_path.exists():
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
        return 2
    summary = json.loads(summary_path.read_text())
    print(json.dumps(summary, indent=1))
    print(line(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
