"""QEMU processes: started daemonized, found again by pidfile, ended by PID.

``-daemonize`` makes QEMU fork and detach (its own session, reparented away from the
agent), so VMs survive an agent restart; the first process exits only once the VM is
set up, with QEMU's status and error message, so a VM that cannot start (bad disk, not
enough memory) fails the spawn synchronously.

A PID read back from a pidfile is trusted only while ``/proc/PID/cmdline`` still names
the instance's uuid: PIDs are reused, and a killed QEMU that nobody reaps lingers as a
zombie whose cmdline is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

START_TIMEOUT = 60.0


class StartFailed(Exception):
    """QEMU exited before the VM was set up; the message is QEMU's own."""


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def pid_is(pid: int, uuid: str) -> bool:
    """True while ``pid`` is a live process whose command line names ``uuid``."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return uuid.encode() in cmdline.split(b"\0")


def running_pid(pidfile: Path, uuid: str) -> int | None:
    pid = read_pid(pidfile)
    return pid if pid is not None and pid_is(pid, uuid) else None


async def start(argv: list[str], cwd: Path, timeout: float = START_TIMEOUT) -> None:
    """Run a daemonizing QEMU command line; return when the VM is set up."""
    # QEMU's messages go to a file, not a pipe: the daemon it forks may keep a pipe's
    # write end open (it does under uvloop), so waiting for EOF would wait for the VM's end.
    # What counts is the first process's exit, which QEMU delays until the VM is set up.
    errors = cwd / "qemu.stderr"
    with errors.open("wb") as err_file:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=err_file,
                start_new_session=True,
            )
        except OSError as exc:
            raise StartFailed(f"cannot run {argv[0]}: {exc}") from None
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise StartFailed(f"QEMU did not finish starting within {timeout:g}s") from None
    try:
        err = errors.read_bytes()
    except OSError:
        err = b""
    errors.unlink(missing_ok=True)
    if proc.returncode != 0:
        message = " ".join(err.decode(errors="replace").split())[-500:]
        raise StartFailed(message or f"QEMU exited with status {proc.returncode}")


async def wait_gone(pid: int, uuid: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_is(pid, uuid):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def kill(pid: int, uuid: str) -> None:
    """SIGKILL the instance's QEMU (only if ``pid`` still is it) and wait until it is gone."""
    if not pid_is(pid, uuid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if not await wait_gone(pid, uuid, 10.0):
        raise RuntimeError(f"QEMU process {pid} of {uuid} did not die on SIGKILL")
