"""The qemu virt driver: one daemonized QEMU per instance, driven over QMP.

Power operations, as done here (all synchronous: the call returns in the new state):

- destroy: ACPI power button, ``destroy_timeout`` for the guest to power off, then
  SIGKILL by PID; the instance directory (overlay, config drive, console, sockets) goes.
- power_off: ACPI power button, ``shutdown_timeout``, then SIGKILL; a paused guest
  cannot see the button and is killed at once; a suspended one loses its saved state.
- reboot, soft: the guests this driver boots power off on the ACPI button (no ACPI
  reboot request exists), so a soft reboot is Nova's: a clean shutdown followed by a
  fresh start of QEMU; a guest that ignores the button within ``shutdown_timeout`` is
  reset instead (as Nova falls back to a hard reboot).
- reboot, hard: ``system_reset`` of a running or paused QEMU; from any other state a
  fresh start.
- pause/unpause: QMP ``stop``/``cont``.
- suspend: ``stop``, migrate the whole VM state to ``suspend.state``, end QEMU;
  resume: start QEMU with ``-incoming`` from that file, then ``cont``.

Power state is read from the host each time (pidfile + QMP ``query-status``): no QEMU
process means SHUTDOWN (or SUSPENDED when a saved state exists), so a VM killed from
outside shows SHUTOFF at the next power sync, and an agent that restarts re-adopts its
running VMs just by reading their directories.

The class is the ``VirtDriver`` contract's face; each concern is a collaborator beside it:
``instances.py`` (instance directories, locks, power state, starting and killing QEMU),
``build.py`` (disks, config drive and command line of a spawn), ``power.py``,
``volumes.py`` and ``nics.py`` (hot-plug); ``cmdline.py``, ``qmp.py`` and ``disks.py``
are the command line, the monitor and the disk tools they share.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from pocketstack.common.config import ComputeConfig
from pocketstack.common.errors import Conflict, NotImplementedYet, PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.driver import (
    FileSnapshot,
    HostResources,
    InstanceInfo,
    InstanceNotFound,
    InstanceSpec,
    InvalidPowerState,
    Snapshot,
    SpawnFailed,
    VirtDriver,
)
from pocketstack.compute.virt.qemu import accel as accelerators
from pocketstack.compute.virt.qemu import cmdline, console, disks, process, qmp
from pocketstack.compute.virt.qemu.build import Builder
from pocketstack.compute.virt.qemu.imagecache import ImageCache, ImageError
from pocketstack.compute.virt.qemu.instances import Instances
from pocketstack.compute.virt.qemu.layout import Record
from pocketstack.compute.virt.qemu.nics import Nics
from pocketstack.compute.virt.qemu.power import Power
from pocketstack.compute.virt.qemu.vifs import VifResolver
from pocketstack.compute.virt.qemu.volumes import Volumes

log = logging.getLogger(__name__)

GIB = 1024**3


async def qemu_version(binary: str) -> int:
    """``7.2.22`` -> 7002022 (Nova's integer form), 0 if it cannot be read."""
    try:
        out = await disks.run(binary, "--version", timeout=20)
    except (disks.DiskError, OSError):
        return 0
    found = re.search(r"version (\d+)\.(\d+)\.(\d+)", out)
    if not found:
        return 0
    major, minor, micro = (int(x) for x in found.groups())
    return major * 1_000_000 + minor * 1000 + micro


def _meminfo_mb() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def _cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


class QemuDriver(VirtDriver):
    def __init__(
        self,
        hostname: str,
        config: ComputeConfig,
        instances_dir: Path,
        cache: ImageCache,
        accelerator: accelerators.Accelerator,
        resolve_vif: VifResolver,
        *,
        version: int = 0,
    ) -> None:
        self.hostname = hostname
        self.config = config
        self.instances_dir = instances_dir
        self.cache = cache
        self.accelerator = accelerator
        self.resolve_vif = resolve_vif
        self.version = version
        instances_dir.mkdir(parents=True, exist_ok=True)
        # Collaborators, one per concern; this class stays the VirtDriver contract's face.
        self._vms = Instances(hostname, instances_dir)
        self._build = Builder(hostname, config, cache, accelerator, resolve_vif)
        self._power = Power(self._vms, config)
        self._volumes = Volumes(self._vms)
        self._nics = Nics(self._vms, resolve_vif)

    @classmethod
    async def create(
        cls,
        hostname: str,
        config: ComputeConfig,
        instances_dir: Path,
        cache: ImageCache,
        resolve_vif: VifResolver,
    ) -> QemuDriver:
        """Probe the accelerator and QEMU's version, then make the driver."""
        version = await qemu_version(config.qemu_binary)
        accelerator = await accelerators.choose(
            config.qemu_binary,
            config.qemu_accel,
            config.kvm_probe_timeout,
            cache_dir=accelerators.DEFAULT_CACHE_DIR if config.kvm_probe_cache else None,
            version=str(version),
        )
        log.info("qemu driver on %s: accelerator %s (%s)", hostname, accelerator.name, accelerator.reason)
        return cls(hostname, config, instances_dir, cache, accelerator, resolve_vif, version=version)

    # --- host -------------------------------------------------------------------------------------
    def host_resources(self) -> HostResources:
        vcpus = os.cpu_count() or 1
        disk = os.statvfs(self.instances_dir)
        return HostResources(
            hypervisor_hostname=self.hostname,
            vcpus=vcpus,
            memory_mb=_meminfo_mb(),
            local_gb=disk.f_blocks * disk.f_frsize // GIB,
            hypervisor_type=self.accelerator.hypervisor_type,
            hypervisor_version=self.version,
            cpu_info={
                "arch": "x86_64",
                "model": _cpu_model(),
                "vendor": "unknown",
                "topology": {"sockets": 1, "cores": vcpus, "threads": 1},
                "accelerator": self.accelerator.name,
                "accelerator_reason": self.accelerator.reason,
            },
        )

    # --- spawn / destroy --------------------------------------------------------------------------
    async def spawn(self, spec: InstanceSpec) -> None:
        d = self._vms.dir(spec.uuid)
        async with self._vms.locked(spec.uuid):
            if d.path.exists():
                raise SpawnFailed(f"Instance {spec.uuid} already exists on host {self.hostname}.")
            d.path.mkdir(parents=True)
            try:
                record = await self._build.prepare(spec, d)
                record.save(d.record_file)
                await self._vms.start(d, record)
            except BaseException as exc:
                await asyncio.shield(self._vms.remove(d))
                self._spawn_failed(exc)
                raise
            self._vms.last_state[spec.uuid] = states.RUNNING

    def _spawn_failed(self, exc: BaseException) -> None:
        """Raise the SpawnFailed that ``exc`` (from preparing or starting) means, if any."""
        if isinstance(exc, ImageError):
            raise SpawnFailed(f"Image unusable on host {self.hostname}: {exc}") from None
        if isinstance(exc, process.StartFailed):
            raise SpawnFailed(f"QEMU failed to start on host {self.hostname}: {exc}") from None
        if isinstance(exc, (disks.DiskError, OSError)):
            raise SpawnFailed(f"Disk setup failed on host {self.hostname}: {exc}") from None
        if isinstance(exc, PocketError) and not isinstance(exc, SpawnFailed):
            raise SpawnFailed(exc.message) from None

    async def rebuild(self, spec: InstanceSpec) -> None:
        """QEMU stops (ACPI button, ``destroy_timeout``, then killed: the disk is going
        anyway), the root, ephemeral, swap and config drive files are made again from
        ``spec`` as a spawn makes them, and QEMU starts with the volumes and interfaces
        that were hot-plugged (they stay in the record)."""
        d = self._vms.known(spec.uuid)
        async with self._vms.locked(spec.uuid):
            old = Record.load(d.record_file)
            if old.spec.get("block_devices") and any(b.get("boot_index") == 0 for b in old.spec["block_devices"]):
                raise Conflict(f"Instance {spec.uuid} boots from a volume; only local disks are rebuilt here.")
            if self._vms.pid(d) is not None:
                if await self._vms.state(d) == states.RUNNING:
                    await self._vms.stop_gracefully(d, self.config.destroy_timeout)
                await self._vms.kill(d)
            self._vms.last_state[spec.uuid] = states.SHUTDOWN
            for path in (d.saved_state, d.root, d.ephemeral, d.swap, d.config_drive):
                path.unlink(missing_ok=True)
            fresh = replace(spec, network_info=[v for v in spec.network_info if v["id"] not in old.interfaces])
            try:
                record = await self._build.prepare(fresh, d)
                record.volumes, record.interfaces = old.volumes, old.interfaces
                record.save(d.record_file)
                await self._vms.start(d, record)
            except BaseException as exc:
                await asyncio.shield(self._vms.kill(d))
                self._spawn_failed(exc)
                raise
            self._vms.last_state[spec.uuid] = states.RUNNING

    async def rescue(self, spec: InstanceSpec) -> None:
        """QEMU stops (ACPI, ``shutdown_timeout``, then killed) and starts again from a new
        overlay of the rescue image (its kernel for a direct boot), the instance's root
        overlay attached after the other disks. The saved record is left as it was, so
        unrescue (or a restart from outside the API) boots the instance's own disks."""
        d = self._vms.known(spec.uuid)
        async with self._vms.locked(spec.uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {spec.uuid} boots from a volume; only local disks are rescued here.")
            if d.rescue_disk.exists():
                raise InvalidPowerState(f"Instance {spec.uuid} is already rescued.")
            if self._vms.pid(d) is not None:
                if await self._vms.state(d) == states.RUNNING:
                    await self._vms.stop_gracefully(d, self.config.shutdown_timeout)
                await self._vms.kill(d)
            d.saved_state.unlink(missing_ok=True)
            self._vms.last_state[spec.uuid] = states.SHUTDOWN
            try:
                base = await self.cache.get(str(spec.image["id"]), spec.image)
                await disks.overlay(base.path, base.format, d.rescue_disk, base.virtual_size)
                kernel = await self._build.kernel_boot(spec.image, [])
                argv = cmdline.rescue_argv(record.argv, d.rescue_disk, d.root, kernel)
                argv += cmdline.attached_args(record.volumes, self._vms.interface_nics(record))
                d.pidfile.unlink(missing_ok=True)
                await process.start(argv, cwd=d.path)
                if self._vms.pid(d) is None:
                    raise process.StartFailed("QEMU started but is not running (see its pidfile)")
            except (ImageError, disks.DiskError, process.StartFailed, OSError) as exc:
                await self._vms.kill(d)
                d.rescue_disk.unlink(missing_ok=True)
                raise PocketError(f"Rescue of instance {spec.uuid} failed: {exc}") from None
            self._vms.last_state[spec.uuid] = states.RUNNING

    async def unrescue(self, uuid: str) -> None:
        d = self._vms.known(uuid)
        async with self._vms.locked(uuid):
            if self._vms.pid(d) is not None:
                await self._vms.stop_gracefully(d, self.config.destroy_timeout)
                await self._vms.kill(d)
            d.rescue_disk.unlink(missing_ok=True)
            await self._power.restart(d)

    async def trigger_crash_dump(self, uuid: str) -> None:
        """QMP ``inject-nmi`` (what libvirt's inject-nmi does)."""
        d = self._vms.known(uuid)
        async with self._vms.locked(uuid):
            await self._vms.require(d, (states.RUNNING, states.PAUSED_POWER), "inject an NMI")
            await self._vms.qmp(d, "inject-nmi")

    # --- resize (same host) -----------------------------------------------------------------------
    async def migrate_disk_and_power_off(self, uuid: str, same_host: bool) -> None:
        """The guest is shut down (ACPI, ``shutdown_timeout``, then killed) and its root
        overlay and record are copied aside for a revert. Disks are local files: a
        move to another host is not done by this driver."""
        if not same_host:
            raise NotImplementedYet(f"The qemu driver resizes on the same host only (instance {uuid}).")
        d = self._vms.known(uuid)
        async with self._vms.locked(uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {uuid} boots from a volume; the qemu driver resizes local disks only.")
            if self._vms.pid(d) is not None:
                if await self._vms.state(d) == states.RUNNING:
                    await self._vms.stop_gracefully(d, self.config.shutdown_timeout)
                await self._vms.kill(d)
            d.saved_state.unlink(missing_ok=True)
            self._vms.last_state[uuid] = states.SHUTDOWN
            await disks.run("cp", "--sparse=always", "--reflink=auto", str(d.root), str(d.resize_root))
            shutil.copyfile(d.record_file, d.resize_record)

    async def finish_migration(self, spec: InstanceSpec, same_host: bool, power_on: bool) -> None:
        """New vCPUs and RAM on the saved command line, the root overlay grown to the new
        flavor's disk (never shrunk: the API refuses a smaller disk), then started."""
        if not same_host:
            raise NotImplementedYet(f"The qemu driver resizes on the same host only (instance {spec.uuid}).")
        d = self._vms.known(spec.uuid)
        async with self._vms.locked(spec.uuid):
            record = Record.load(d.record_file)
            record.argv = cmdline.with_size(record.argv, spec.vcpus, spec.memory_mb)
            record.spec.update(vcpus=spec.vcpus, memory_mb=spec.memory_mb, root_gb=spec.root_gb)
            try:
                size = int((await disks.info(d.root, "qcow2"))["virtual-size"])
                if spec.root_gb * GIB > size:
                    await disks.run("qemu-img", "resize", "-q", "-f", "qcow2", str(d.root), str(spec.root_gb * GIB))
                record.save(d.record_file)
                if power_on:
                    await self._vms.start(d, record)
            except (disks.DiskError, process.StartFailed) as exc:
                raise PocketError(f"Resize of instance {spec.uuid} failed: {exc}") from None
            self._vms.last_state[spec.uuid] = states.RUNNING if power_on else states.SHUTDOWN

    async def confirm_migration(self, uuid: str) -> None:
        d = self._vms.dir(uuid)
        d.resize_root.unlink(missing_ok=True)
        d.resize_record.unlink(missing_ok=True)

    async def finish_revert_migration(self, uuid: str, power_on: bool) -> None:
        """The root overlay and record from before the resize put back, then started."""
        d = self._vms.known(uuid)
        async with self._vms.locked(uuid):
            if self._vms.pid(d) is not None:
                await self._vms.stop_gracefully(d, self.config.destroy_timeout)
                await self._vms.kill(d)
            if d.resize_root.exists() and d.resize_record.exists():
                os.replace(d.resize_root, d.root)
                os.replace(d.resize_record, d.record_file)
            self._vms.last_state[uuid] = states.SHUTDOWN
            if power_on:
                try:
                    await self._vms.start(d, Record.load(d.record_file))
                except process.StartFailed as exc:
                    raise PocketError(f"QEMU failed to start instance {uuid}: {exc}") from None
                self._vms.last_state[uuid] = states.RUNNING

    async def snapshot(self, uuid: str) -> Snapshot:
        """The root overlay flattened (its base image merged in) into a new qcow2 file by
        ``qemu-img convert -U``. A running guest is stopped first with QMP ``stop``,
        which drains and flushes QEMU's block layer, so the file is consistent while it
        is read, and continued after; a paused, suspended or stopped one is read as is."""
        d = self._vms.known(uuid)
        async with self._vms.locked(uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {uuid} boots from a volume; its root disk is not a local file.")
            target = d.path / f"snapshot-{os.urandom(4).hex()}.qcow2"
            stopped_here = False
            try:
                if self._vms.pid(d) is not None and await self._vms.state(d) == states.RUNNING:
                    await self._vms.qmp(d, "stop")
                    stopped_here = True
                    self._vms.last_state[uuid] = states.PAUSED_POWER
                await disks.run(
                    "qemu-img", "convert", "-U", "-q", "-f", "qcow2", "-O", "qcow2", str(d.root), str(target),
                    timeout=600,
                )  # fmt: skip
            except (disks.DiskError, qmp.QMPFailed) as exc:
                target.unlink(missing_ok=True)
                raise PocketError(f"Snapshot of instance {uuid} failed: {exc}") from None
            finally:
                if stopped_here:
                    with contextlib.suppress(qmp.QMPFailed):
                        await self._vms.qmp(d, "cont")
                        self._vms.last_state[uuid] = states.RUNNING
            return FileSnapshot(target, "qcow2")

    async def destroy(self, uuid: str) -> None:
        try:
            d = self._vms.dir(uuid)
        except InstanceNotFound:
            return
        async with self._vms.locked(uuid):
            if not d.path.exists():
                return
            if self._vms.pid(d) is not None and await self._vms.state(d) == states.RUNNING:
                await self._vms.stop_gracefully(d, self.config.destroy_timeout)
            await self._vms.remove(d)
        self._vms.locks.pop(uuid, None)

    # --- power (qemu/power.py) --------------------------------------------------------------------
    async def power_off(self, uuid: str) -> None:
        await self._power.power_off(uuid)

    async def power_on(self, uuid: str) -> None:
        await self._power.power_on(uuid)

    async def reboot(self, uuid: str, *, hard: bool) -> None:
        await self._power.reboot(uuid, hard=hard)

    async def pause(self, uuid: str) -> None:
        await self._power.pause(uuid)

    async def unpause(self, uuid: str) -> None:
        await self._power.unpause(uuid)

    async def suspend(self, uuid: str) -> None:
        await self._power.suspend(uuid)

    async def resume(self, uuid: str) -> None:
        await self._power.resume(uuid)

    # --- info -------------------------------------------------------------------------------------
    async def get_info(self, uuid: str) -> InstanceInfo:
        d = self._vms.known(uuid)
        lock = self._vms.locks.get(uuid)
        if lock is not None and lock.locked():
            # An operation holds QEMU's monitor; do not queue behind it.
            state = self._vms.last_state.get(uuid, states.NOSTATE)
        else:
            state = await self._vms.state(d)
        spec = Record.load(d.record_file).spec
        console.rotate(d.console, d.console_old, self.config.console_max_bytes)
        uptime = 0.0
        if state == states.RUNNING:
            with contextlib.suppress(OSError):
                uptime = max(0.0, time.time() - d.pidfile.stat().st_mtime)
        return InstanceInfo(state=state, vcpus=int(spec["vcpus"]), memory_mb=int(spec["memory_mb"]), uptime=uptime)

    async def console_output(self, uuid: str) -> str:
        d = self._vms.known(uuid)
        console.rotate(d.console, d.console_old, self.config.console_max_bytes)
        return console.read(d.console, d.console_old, self.config.console_max_bytes)

    async def list_instances(self) -> list[str]:
        found = sorted(p.parent.name for p in self.instances_dir.glob("*/instance.json"))
        self._prune_images(found)
        return found

    def _prune_images(self, uuids: list[str]) -> None:
        in_use: set[str] = set()
        for uuid in uuids:
            with contextlib.suppress(OSError, ValueError, TypeError):
                in_use.update(Record.load(self.instances_dir / uuid / "instance.json").images)
        if any(lock.locked() for lock in self._vms.locks.values()):
            return  # a spawn may be about to use an image no record names yet
        for image_id in self.cache.prune(in_use):
            log.info("image cache: removed %s (unused for %gs)", image_id, self.cache.max_age)

    # --- hot-plug (qemu/volumes.py, qemu/nics.py) ---------------------------------------------------
    async def attach_volume(self, uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None:
        await self._volumes.attach_volume(uuid, connection_info, mountpoint)

    async def extend_volume(self, uuid: str, mountpoint: str, new_size_bytes: int) -> None:
        await self._volumes.extend_volume(uuid, mountpoint, new_size_bytes)

    async def volume_snapshot_create(self, uuid: str, mountpoint: str, name: str) -> None:
        await self._volumes.volume_snapshot_create(uuid, mountpoint, name)

    async def volume_backup(self, uuid: str, mountpoint: str, target: str) -> None:
        await self._volumes.volume_backup(uuid, mountpoint, target)

    async def volume_snapshot_delete(self, uuid: str, mountpoint: str, name: str) -> None:
        await self._volumes.volume_snapshot_delete(uuid, mountpoint, name)

    async def detach_volume(self, uuid: str, mountpoint: str) -> None:
        await self._volumes.detach_volume(uuid, mountpoint)

    async def attach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        await self._nics.attach_interface(uuid, vif)

    async def detach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        await self._nics.detach_interface(uuid, vif)

    async def cleanup(self) -> None:
        """VMs outlive the agent on purpose: nothing is stopped here."""
        close = getattr(self.cache.source, "close", None)
        if close is not None:
            await close()
