"""The conformance layer: OpenStack's own Tempest against a fresh pocketstack.

Runs the interoperability guideline 2020.06's compute list ("OpenStack Powered Compute",
217 tests over identity, image, compute, network and volume) through
``scripts/conformance.sh`` on the fake driver, with every microversion pocketstack
advertises, and fails on any failed test, naming each with Tempest's reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.conformance


def test_interop_compute_guideline_passes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            "bash",
            str(REPO / "scripts" / "conformance.sh"),
            "--list",
            "interop-2020.06-compute",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    summary_path = tmp_path / "summary.json"
    assert summary_path.exists(), f"the conformance run did not finish:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    summary = json.loads(summary_path.read_text())
    failures = [f for s in summary["services"].values() for f in s["failures"]]
    print(json.dumps({k: v for k, v in summary.items() if k != "services"}))
    assert summary["passed"] + summary["failed"] + summary["skipped"] == 217
    assert not failures, "Tempest failures:\n" + "\n".join(failures)
    assert proc.returncode == 0, proc.stdout[-4000:]
