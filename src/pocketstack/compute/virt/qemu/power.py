"""Power operations of a QEMU instance (see the driver's docstring for what each does):
power off and on, soft and hard reboot, pause, suspend to a saved state and resume."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path

from pocketstack.common.config import ComputeConfig
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.qemu import process, qmp
from pocketstack.compute.virt.qemu.instances import Instances
from pocketstack.compute.virt.qemu.layout import InstanceDir, Record

log = logging.getLogger(__name__)

ANY_STATE = (states.RUNNING, states.PAUSED_POWER, states.SHUTDOWN, states.SUSPENDED_POWER, states.CRASHED)


class Power:
    def __init__(self, vms: Instances, config: ComputeConfig) -> None:
        self.vms = vms
        self.config = config

    async def power_off(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            allowed = (states.RUNNING, states.PAUSED_POWER, states.SUSPENDED_POWER, states.CRASHED)
            state = await self.vms.require(d, allowed, "power off")
            if state == states.RUNNING:
                await self.vms.stop_gracefully(d, self.config.shutdown_timeout)
            await self.vms.kill(d)
            d.saved_state.unlink(missing_ok=True)
            self.vms.last_state[uuid] = states.SHUTDOWN

    async def power_on(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            await self.vms.require(d, (states.SHUTDOWN, states.CRASHED), "power on")
            await self.restart(d)

    async def restart(self, d: InstanceDir) -> None:
        await self.vms.kill(d)
        d.saved_state.unlink(missing_ok=True)
        try:
            await self.vms.start(d, Record.load(d.record_file))
        except process.StartFailed as exc:
            raise PocketError(f"QEMU failed to start instance {d.uuid}: {exc}") from None
        self.vms.last_state[d.uuid] = states.RUNNING

    async def reboot(self, uuid: str, *, hard: bool) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            if not hard:
                await self.vms.require(d, (states.RUNNING,), "soft reboot")
                if await self.vms.stop_gracefully(d, self.config.shutdown_timeout):
                    await self.restart(d)
                    return
                log.warning("%s: guest ignored the ACPI power button; resetting it", uuid)
            state = await self.vms.require(d, ANY_STATE, "hard reboot")
            if state in (states.RUNNING, states.PAUSED_POWER) and self.vms.pid(d) is not None:
                await self.vms.qmp(d, "system_reset")
                if state == states.PAUSED_POWER:
                    await self.vms.qmp(d, "cont")
                self.vms.last_state[uuid] = states.RUNNING
            else:
                await self.restart(d)

    async def pause(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            await self.vms.require(d, (states.RUNNING,), "pause")
            await self.vms.qmp(d, "stop")
            self.vms.last_state[uuid] = states.PAUSED_POWER

    async def unpause(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            await self.vms.require(d, (states.PAUSED_POWER,), "unpause")
            await self.vms.qmp(d, "cont")
            self.vms.last_state[uuid] = states.RUNNING

    async def suspend(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            await self.vms.require(d, (states.RUNNING,), "suspend")
            pid = self.vms.pid(d)
            tmp = d.saved_state.with_name(d.saved_state.name + ".tmp")
            try:
                async with qmp.session(d.qmp) as s:
                    await s.execute("stop")
                    await s.execute("migrate", {"uri": f"exec:cat > {_shell_quote(tmp)}"})
                    await _wait_migration(s)
                    await s.execute("quit")
            except (qmp.QMPFailed, PocketError):
                tmp.unlink(missing_ok=True)
                with contextlib.suppress(qmp.QMPFailed):
                    await self.vms.qmp(d, "cont")
                raise
            if pid is not None and not await process.wait_gone(pid, uuid, 10.0):
                await process.kill(pid, uuid)
            os.replace(tmp, d.saved_state)
            self.vms.last_state[uuid] = states.SUSPENDED_POWER

    async def resume(self, uuid: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            await self.vms.require(d, (states.SUSPENDED_POWER,), "resume")
            try:
                await self.vms.start(d, Record.load(d.record_file), incoming=f"exec:cat {_shell_quote(d.saved_state)}")
                async with qmp.session(d.qmp) as s:
                    deadline = time.monotonic() + 120
                    while await s.status() == "inmigrate":
                        if time.monotonic() > deadline:
                            raise PocketError(f"Instance {uuid}: restoring the saved state took too long.")
                        await asyncio.sleep(0.05)
                    if await s.status() != "running":
                        await s.execute("cont")
            except (process.StartFailed, qmp.QMPFailed) as exc:
                await self.vms.kill(d)
                raise PocketError(f"Instance {uuid} could not be resumed: {exc}") from None
            d.saved_state.unlink(missing_ok=True)
            self.vms.last_state[uuid] = states.RUNNING


def _shell_quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


async def _wait_migration(s: qmp.Session, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        info = await s.execute("query-migrate")
        status = info.get("status")
        if status == "completed":
            return
        if status in ("failed", "cancelled"):
            raise PocketError(f"Saving the VM state failed: {info.get('error-desc', status)}")
        if time.monotonic() > deadline:
            await s.execute("migrate_cancel")
            raise PocketError("Saving the VM state took too long.")
        await asyncio.sleep(0.05)
