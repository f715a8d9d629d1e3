"""Ending every QEMU of one cloud when the cloud goes down (``pocketstack down``).

VMs outlive the compute agent on purpose (the agent re-adopts them on restart), so the
cloud's own shutdown never stops them; ``down`` does, through here. Each instance
directory's pidfile names its QEMU; a PID is trusted only while its command line names
both the instance's uuid and that very pidfile (so nothing of another cloud, nor a
reused PID, is touched). QEMU gets SIGTERM first (it flushes its disks and exits),
SIGKILL after a grace period. Disks, the console log and ``instance.json`` stay: the
next ``up`` finds these servers SHUTOFF and can start them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from pocketstack.compute.virt.qemu import process
from pocketstack.compute.virt.qemu.layout import InstanceDir

GRACE = 5.0


def _ours(d: InstanceDir) -> int | None:
    pid = process.running_pid(d.pidfile, d.uuid)
    if pid is None:
        return None
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    # Compared resolved: ``down --data-dir`` may spell the path another way than ``up`` did.
    wanted = os.path.realpath(d.pidfile)
    pidfiles = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-pidfile"]
    return pid if any(os.path.realpath(p) == wanted for p in pidfiles) else None


def running(instances_dir: Path) -> dict[str, int]:
    """uuid -> PID of each live QEMU of the instances under ``instances_dir``."""
    found: dict[str, int] = {}
    if not instances_dir.is_dir():
        return found
    for path in sorted(instances_dir.iterdir()):
        pid = _ours(InstanceDir(path)) if path.is_dir() else None
        if pid is not None:
            found[path.name] = pid
    return found


async def stop_all(instances_dir: Path, grace: float | None = None) -> list[str]:
    """End every QEMU under ``instances_dir``; remove their pidfiles and QMP sockets.
    Returns a line per QEMU that would not die."""
    live = running(instances_dir)
    for pid in live.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    problems: list[str] = []

    async def finish(uuid: str, pid: int) -> None:
        if not await process.wait_gone(pid, uuid, GRACE if grace is None else grace):
            try:
                await process.kill(pid, uuid)
            except RuntimeError as exc:
                problems.append(str(exc))
                return
        d = InstanceDir(instances_dir / uuid)
        d.pidfile.unlink(missing_ok=True)
        d.qmp.unlink(missing_ok=True)

    await asyncio.gather(*(finish(uuid, pid) for uuid, pid in live.items()))
    return problems
