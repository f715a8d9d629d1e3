"""``pocketstack down`` ends the cloud's QEMU processes by pidfile, and nothing else.

Stand-in "QEMUs" are Python processes whose command line carries what a real one's does
(the instance uuid, ``-pidfile PATH``); one ignores SIGTERM (it must be SIGKILLed), and a
decoy names a uuid of this cloud but another cloud's pidfile (it must survive)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketstack.cleanup import cleanup_runtime
from pocketstack.compute.virt.qemu import process, reaper
from pocketstack.compute.virt.qemu.layout import InstanceDir

SLEEPER = (
    "import signal, sys, time\n"
    "if sys.argv[1] == 'stubborn': signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _qemu(procs: list[subprocess.Popen[bytes]], d: InstanceDir, mode: str, pidfile: Path | None = None) -> int:
    d.path.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", SLEEPER, mode, "-uuid", d.uuid, "-pidfile", str(pidfile or d.pidfile)]
    proc = subprocess.Popen(argv)
    procs.append(proc)
    d.pidfile.write_text(f"{proc.pid}\n")
    d.qmp.write_text("")
    (d.path / "root.qcow2").write_bytes(b"disk")
    # Wait until the interpreter runs the script (SIG_IGN set) before anyone signals it.
    time.sleep(0.3)
    return proc.pid


async def test_down_ends_this_clouds_qemus_and_keeps_their_disks(
    tmp_path: Path, started: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reaper, "GRACE", 0.5)
    instances = tmp_path / "data" / "instances"
    polite, stubborn, decoy = (InstanceDir(instances / str(uuidlib.uuid4())) for _ in range(3))
    gone = InstanceDir(instances / str(uuidlib.uuid4()))
    _qemu(started, polite, "polite")
    _qemu(started, stubborn, "stubborn")
    # Names a uuid of this cloud, but its pidfile is elsewhere: not ours to end.
    decoy_pid = _qemu(started, decoy, "polite", pidfile=tmp_path / "other" / "qemu.pid")
    gone.path.mkdir(parents=True)
    gone.pidfile.write_text("999999999\n")  # a QEMU that died long ago
    assert set(reaper.running(instances)) == {polite.uuid, stubborn.uuid}

    # A relative spelling of the data dir finds the same processes.
    monkeypatch.chdir(tmp_path)
    problems = await cleanup_runtime(Path("data"))
    assert problems == []
    for d in (polite, stubborn):
        assert process.running_pid(d.pidfile, d.uuid) is None
        assert not d.pidfile.exists() and not d.qmp.exists()
        assert (d.path / "root.qcow2").exists()
    for proc in started[:2]:
        assert proc.wait(5) in (-signal.SIGTERM, -signal.SIGKILL)
    assert started[1].returncode == -signal.SIGKILL
    assert process.pid_is(decoy_pid, decoy.uuid)
    assert reaper.running(instances) == {}


async def test_nothing_to_do_without_instances(tmp_path: Path) -> None:
    assert await reaper.stop_all(tmp_path / "missing") == []
