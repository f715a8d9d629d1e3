"""The KVM probe's verdict is cached per machine (QEMU build + kernel), outside the data dir.

A stand-in "QEMU" (a shell script that exits as the probe guest would under KVM, status 1)
counts how often it is run: once per key, again when the version changes, never when the
accelerator is configured or the cache is off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pocketstack.compute.virt.qemu import accel

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/kvm"), reason="the probe only runs where /dev/kvm exists")


def _fake_qemu(tmp_path: Path, status: int) -> tuple[str, Path]:
    runs = tmp_path / "runs"
    script = tmp_path / "qemu-fake"
    script.write_text(f"#!/bin/sh\necho run >> {runs}\nexit {status}\n")
    script.chmod(0o755)
    return str(script), runs


def _runs(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


async def test_verdict_is_probed_once_then_read_from_the_cache(tmp_path: Path) -> None:
    binary, runs = _fake_qemu(tmp_path, 1)
    cache = tmp_path / "cache"
    first = await accel.choose(binary, "auto", 5.0, cache_dir=cache, version="7002022")
    assert first.name == "kvm" and _runs(runs) == 1
    again = await accel.choose(binary, "auto", 5.0, cache_dir=cache, version="7002022")
    assert again.name == "kvm" and "cached" in again.reason and _runs(runs) == 1
    assert len(list(cache.glob("accel-*.json"))) == 1
    # Another QEMU version is another machine as far as the probe goes.
    await accel.choose(binary, "auto", 5.0, cache_dir=cache, version="8000000")
    assert _runs(runs) == 2


async def test_a_failed_probe_is_cached_as_tcg(tmp_path: Path) -> None:
    binary, runs = _fake_qemu(tmp_path, 0)
    cache = tmp_path / "cache"
    assert (await accel.choose(binary, "auto", 5.0, cache_dir=cache)).name == "tcg"
    assert (await accel.choose(binary, "auto", 5.0, cache_dir=cache)).name == "tcg"
    assert _runs(runs) == 1


async def test_configured_accelerator_and_disabled_cache(tmp_path: Path) -> None:
    binary, runs = _fake_qemu(tmp_path, 1)
    cache = tmp_path / "cache"
    assert (await accel.choose(binary, "tcg", 5.0, cache_dir=cache)).reason == "configured"
    assert _runs(runs) == 0 and not cache.exists()
    await accel.choose(binary, "auto", 5.0, cache_dir=None)
    await accel.choose(binary, "auto", 5.0, cache_dir=None)
    assert _runs(runs) == 2


async def test_unreadable_cache_entry_probes_again(tmp_path: Path) -> None:
    binary, runs = _fake_qemu(tmp_path, 1)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"accel-{accel.cache_key(binary, '')}.json").write_text("{not json")
    assert (await accel.choose(binary, "auto", 5.0, cache_dir=cache)).name == "kvm"
    assert _runs(runs) == 1
