"""The instance directories of one host, each with its QEMU: the per-instance locks, the
power state read from the host (pidfile + QMP ``query-status``), starting, stopping and
killing QEMU, and the hot-unplug handshake with the guest. The driver and its
collaborators (power, volumes, network devices) all act on instances through this."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.driver import InstanceNotFound, InvalidPowerState
from pocketstack.compute.virt.qemu import cmdline, process, qmp
from pocketstack.compute.virt.qemu.layout import InstanceDir, Record
from pocketstack.compute.virt.qemu.vifs import Tap

# Hot-unplug: how many device_del requests, and how long to wait after each for the guest.
UNPLUG_ATTEMPTS = 6
UNPLUG_WAIT = 10.0
# QMP run states -> power states (anything not listed while QEMU runs: PAUSED).
_RUN_STATES = {
    "running": states.RUNNING,
    "shutdown": states.SHUTDOWN,
    "guest-panicked": states.CRASHED,
    "internal-error": states.CRASHED,
    "io-error": states.CRASHED,
}


class Instances:
    def __init__(self, hostname: str, instances_dir: Path) -> None:
        self.hostname = hostname
        self.instances_dir = instances_dir
        self.locks: dict[str, asyncio.Lock] = {}
        self.last_state: dict[str, int] = {}

    def dir(self, uuid: str) -> InstanceDir:
        if not re.fullmatch(r"[0-9a-fA-F-]{1,64}", uuid):
            raise InstanceNotFound(f"Instance {uuid} could not be found on host {self.hostname}.")
        return InstanceDir(self.instances_dir / uuid)

    def known(self, uuid: str) -> InstanceDir:
        d = self.dir(uuid)
        if not d.record_file.exists():
            raise InstanceNotFound(f"Instance {uuid} could not be found on host {self.hostname}.")
        return d

    @contextlib.asynccontextmanager
    async def locked(self, uuid: str) -> AsyncIterator[None]:
        lock = self.locks.setdefault(uuid, asyncio.Lock())
        async with lock:
            yield

    def pid(self, d: InstanceDir) -> int | None:
        return process.running_pid(d.pidfile, d.uuid)

    async def state(self, d: InstanceDir) -> int:
        if self.pid(d) is None:
            state = states.SUSPENDED_POWER if d.saved_state.exists() else states.SHUTDOWN
        else:
            try:
                async with qmp.session(d.qmp, timeout=3.0) as s:
                    status = await s.status()
                state = _RUN_STATES.get(status, states.PAUSED_POWER)
            except qmp.QMPFailed:
                # Monitor busy or QEMU just exiting: the last state seen is the best answer.
                state = self.last_state.get(d.uuid, states.RUNNING)
        self.last_state[d.uuid] = state
        return state

    async def require(self, d: InstanceDir, allowed: tuple[int, ...], what: str) -> int:
        state = await self.state(d)
        if state not in allowed:
            name = states.POWER_STATE_NAMES.get(state, str(state))
            raise InvalidPowerState(f"Instance {d.uuid} is {name}; cannot {what}.")
        return state

    async def qmp(self, d: InstanceDir, command: str, arguments: dict[str, Any] | None = None) -> Any:
        async with qmp.session(d.qmp) as s:
            return await s.execute(command, arguments)

    async def start(self, d: InstanceDir, record: Record, incoming: str | None = None) -> None:
        d.pidfile.unlink(missing_ok=True)
        argv = record.argv + cmdline.attached_args(record.volumes, self.interface_nics(record))
        if incoming:
            argv += ["-incoming", incoming]
        await process.start(argv, cwd=d.path)
        if self.pid(d) is None:
            raise process.StartFailed("QEMU started but is not running (see its pidfile)")

    def interface_nics(self, record: Record) -> list[cmdline.Nic]:
        nics = []
        for item in record.interfaces.values():
            tap = Tap(item["tap"][0], item["tap"][1]) if item.get("tap") else None
            nics.append(cmdline.Nic(item["vif"]["id"], item["vif"]["mac_address"], tap))
        return nics

    async def stop_gracefully(self, d: InstanceDir, timeout: float) -> bool:
        """ACPI power button; True if QEMU exited within ``timeout``."""
        pid = self.pid(d)
        if pid is None:
            return True
        try:
            await self.qmp(d, "system_powerdown")
        except qmp.QMPFailed:
            return False
        return await process.wait_gone(pid, d.uuid, timeout)

    async def kill(self, d: InstanceDir) -> None:
        pid = self.pid(d)
        if pid is not None:
            await process.kill(pid, d.uuid)

    async def remove(self, d: InstanceDir) -> None:
        await self.kill(d)
        await asyncio.to_thread(shutil.rmtree, d.path, True)
        self.last_state.pop(d.uuid, None)

    async def unplug(self, d: InstanceDir, device_id: str) -> None:
        """device_del, then wait for the guest to let go (PCI hot-unplug needs its consent).

        A guest still booting misses the unplug request (its ACPI hotplug handler is not
        up yet), so the request is repeated, as Nova's libvirt driver repeats a detach;
        QEMU re-sends the notification each time."""
        for _ in range(UNPLUG_ATTEMPTS):
            async with qmp.session(d.qmp) as s:
                try:
                    done = await s.execute_then_wait(
                        "device_del", {"id": device_id}, "DEVICE_DELETED", {"device": device_id}, UNPLUG_WAIT
                    )
                except qmp.QMPFailed as exc:
                    if "not found" in str(exc):
                        return  # released between two requests
                    if "process of unplug" not in str(exc):
                        raise
                    # Newer QEMUs refuse a repeat while one is pending: give the guest time.
                    await asyncio.sleep(UNPLUG_WAIT)
                    continue
            if done:
                return
        raise PocketError(
            f"The guest of instance {d.uuid} did not release {device_id} "
            f"within {UNPLUG_ATTEMPTS * UNPLUG_WAIT:.0f}s ({UNPLUG_ATTEMPTS} requests)."
        )
