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
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from pocketstack.common.config import ComputeConfig
from pocketstack.common.errors import Conflict, NotImplementedYet, PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.configdrive import build_config_drive
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
from pocketstack.compute.virt.qemu import cmdline, console, disks, metadata, process, qmp
from pocketstack.compute.virt.qemu.imagecache import CachedImage, ImageCache, ImageError
from pocketstack.compute.virt.qemu.layout import InstanceDir, Record
from pocketstack.compute.virt.qemu.vifs import Tap, VifResolver

log = logging.getLogger(__name__)

GIB = 1024**3
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
ANY_STATE = (states.RUNNING, states.PAUSED_POWER, states.SHUTDOWN, states.SUSPENDED_POWER, states.CRASHED)


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
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_state: dict[str, int] = {}
        instances_dir.mkdir(parents=True, exist_ok=True)

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

    # --- host -------------------------------------------------------------------------------
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

    # --- helpers ------------------------------------------------------------------------------
    def _dir(self, uuid: str) -> InstanceDir:
        if not re.fullmatch(r"[0-9a-fA-F-]{1,64}", uuid):
            raise InstanceNotFound(f"Instance {uuid} could not be found on host {self.hostname}.")
        return InstanceDir(self.instances_dir / uuid)

    def _known(self, uuid: str) -> InstanceDir:
        d = self._dir(uuid)
        if not d.record_file.exists():
            raise InstanceNotFound(f"Instance {uuid} could not be found on host {self.hostname}.")
        return d

    @contextlib.asynccontextmanager
    async def _locked(self, uuid: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(uuid, asyncio.Lock())
        async with lock:
            yield

    def _pid(self, d: InstanceDir) -> int | None:
        return process.running_pid(d.pidfile, d.uuid)

    async def _state(self, d: InstanceDir) -> int:
        if self._pid(d) is None:
            state = states.SUSPENDED_POWER if d.saved_state.exists() else states.SHUTDOWN
        else:
            try:
                async with qmp.session(d.qmp, timeout=3.0) as s:
                    status = await s.status()
                state = _RUN_STATES.get(status, states.PAUSED_POWER)
            except qmp.QMPFailed:
                # Monitor busy or QEMU just exiting: the last state seen is the best answer.
                state = self._last_state.get(d.uuid, states.RUNNING)
        self._last_state[d.uuid] = state
        return state

    async def _require(self, d: InstanceDir, allowed: tuple[int, ...], what: str) -> int:
        state = await self._state(d)
        if state not in allowed:
            name = states.POWER_STATE_NAMES.get(state, str(state))
            raise InvalidPowerState(f"Instance {d.uuid} is {name}; cannot {what}.")
        return state

    async def _qmp(self, d: InstanceDir, command: str, arguments: dict[str, Any] | None = None) -> Any:
        async with qmp.session(d.qmp) as s:
            return await s.execute(command, arguments)

    async def _start(self, d: InstanceDir, record: Record, incoming: str | None = None) -> None:
        d.pidfile.unlink(missing_ok=True)
        argv = record.argv + cmdline.attached_args(record.volumes, self._interface_nics(record))
        if incoming:
            argv += ["-incoming", incoming]
        await process.start(argv, cwd=d.path)
        if self._pid(d) is None:
            raise process.StartFailed("QEMU started but is not running (see its pidfile)")

    def _interface_nics(self, record: Record) -> list[cmdline.Nic]:
        nics = []
        for item in record.interfaces.values():
            tap = Tap(item["tap"][0], item["tap"][1]) if item.get("tap") else None
            nics.append(cmdline.Nic(item["vif"]["id"], item["vif"]["mac_address"], tap))
        return nics

    async def _stop_gracefully(self, d: InstanceDir, timeout: float) -> bool:
        """ACPI power button; True if QEMU exited within ``timeout``."""
        pid = self._pid(d)
        if pid is None:
            return True
        try:
            await self._qmp(d, "system_powerdown")
        except qmp.QMPFailed:
            return False
        return await process.wait_gone(pid, d.uuid, timeout)

    async def _kill(self, d: InstanceDir) -> None:
        pid = self._pid(d)
        if pid is not None:
            await process.kill(pid, d.uuid)

    async def _remove(self, d: InstanceDir) -> None:
        await self._kill(d)
        await asyncio.to_thread(shutil.rmtree, d.path, True)
        self._last_state.pop(d.uuid, None)

    # --- spawn / destroy ------------------------------------------------------------------------
    async def spawn(self, spec: InstanceSpec) -> None:
        d = self._dir(spec.uuid)
        async with self._locked(spec.uuid):
            if d.path.exists():
                raise SpawnFailed(f"Instance {spec.uuid} already exists on host {self.hostname}.")
            d.path.mkdir(parents=True)
            try:
                record = await self._prepare(spec, d)
                record.save(d.record_file)
                await self._start(d, record)
            except BaseException as exc:
                await asyncio.shield(self._remove(d))
                self._spawn_failed(exc)
                raise
            self._last_state[spec.uuid] = states.RUNNING

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
        d = self._known(spec.uuid)
        async with self._locked(spec.uuid):
            old = Record.load(d.record_file)
            if old.spec.get("block_devices") and any(b.get("boot_index") == 0 for b in old.spec["block_devices"]):
                raise Conflict(f"Instance {spec.uuid} boots from a volume; only local disks are rebuilt here.")
            if self._pid(d) is not None:
                if await self._state(d) == states.RUNNING:
                    await self._stop_gracefully(d, self.config.destroy_timeout)
                await self._kill(d)
            self._last_state[spec.uuid] = states.SHUTDOWN
            for path in (d.saved_state, d.root, d.ephemeral, d.swap, d.config_drive):
                path.unlink(missing_ok=True)
            fresh = replace(spec, network_info=[v for v in spec.network_info if v["id"] not in old.interfaces])
            try:
                record = await self._prepare(fresh, d)
                record.volumes, record.interfaces = old.volumes, old.interfaces
                record.save(d.record_file)
                await self._start(d, record)
            except BaseException as exc:
                await asyncio.shield(self._kill(d))
                self._spawn_failed(exc)
                raise
            self._last_state[spec.uuid] = states.RUNNING

    async def rescue(self, spec: InstanceSpec) -> None:
        """QEMU stops (ACPI, ``shutdown_timeout``, then killed) and starts again from a new
        overlay of the rescue image (its kernel for a direct boot), the instance's root
        overlay attached after the other disks. The saved record is left as it was, so
        unrescue (or a restart from outside the API) boots the instance's own disks."""
        d = self._known(spec.uuid)
        async with self._locked(spec.uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {spec.uuid} boots from a volume; only local disks are rescued here.")
            if d.rescue_disk.exists():
                raise InvalidPowerState(f"Instance {spec.uuid} is already rescued.")
            if self._pid(d) is not None:
                if await self._state(d) == states.RUNNING:
                    await self._stop_gracefully(d, self.config.shutdown_timeout)
                await self._kill(d)
            d.saved_state.unlink(missing_ok=True)
            self._last_state[spec.uuid] = states.SHUTDOWN
            try:
                base = await self.cache.get(str(spec.image["id"]), spec.image)
                await disks.overlay(base.path, base.format, d.rescue_disk, base.virtual_size)
                kernel = await self._kernel_boot(spec.image, [])
                argv = cmdline.rescue_argv(record.argv, d.rescue_disk, d.root, kernel)
                argv += cmdline.attached_args(record.volumes, self._interface_nics(record))
                d.pidfile.unlink(missing_ok=True)
                await process.start(argv, cwd=d.path)
                if self._pid(d) is None:
                    raise process.StartFailed("QEMU started but is not running (see its pidfile)")
            except (ImageError, disks.DiskError, process.StartFailed, OSError) as exc:
                await self._kill(d)
                d.rescue_disk.unlink(missing_ok=True)
                raise PocketError(f"Rescue of instance {spec.uuid} failed: {exc}") from None
            self._last_state[spec.uuid] = states.RUNNING

    async def unrescue(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            if self._pid(d) is not None:
                await self._stop_gracefully(d, self.config.destroy_timeout)
                await self._kill(d)
            d.rescue_disk.unlink(missing_ok=True)
            await self._restart(d)

    async def trigger_crash_dump(self, uuid: str) -> None:
        """QMP ``inject-nmi`` (what libvirt's inject-nmi does)."""
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.RUNNING, states.PAUSED_POWER), "inject an NMI")
            await self._qmp(d, "inject-nmi")

    # --- resize (same host) ---------------------------------------------------------------------
    async def migrate_disk_and_power_off(self, uuid: str, same_host: bool) -> None:
        """The guest is shut down (ACPI, ``shutdown_timeout``, then killed) and its root
        overlay and record are copied aside for a revert. Disks are local files: a
        move to another host is not done by this driver."""
        if not same_host:
            raise NotImplementedYet(f"The qemu driver resizes on the same host only (instance {uuid}).")
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {uuid} boots from a volume; the qemu driver resizes local disks only.")
            if self._pid(d) is not None:
                if await self._state(d) == states.RUNNING:
                    await self._stop_gracefully(d, self.config.shutdown_timeout)
                await self._kill(d)
            d.saved_state.unlink(missing_ok=True)
            self._last_state[uuid] = states.SHUTDOWN
            await disks.run("cp", "--sparse=always", "--reflink=auto", str(d.root), str(d.resize_root))
            shutil.copyfile(d.record_file, d.resize_record)

    async def finish_migration(self, spec: InstanceSpec, same_host: bool, power_on: bool) -> None:
        """New vCPUs and RAM on the saved command line, the root overlay grown to the new
        flavor's disk (never shrunk: the API refuses a smaller disk), then started."""
        if not same_host:
            raise NotImplementedYet(f"The qemu driver resizes on the same host only (instance {spec.uuid}).")
        d = self._known(spec.uuid)
        async with self._locked(spec.uuid):
            record = Record.load(d.record_file)
            record.argv = cmdline.with_size(record.argv, spec.vcpus, spec.memory_mb)
            record.spec.update(vcpus=spec.vcpus, memory_mb=spec.memory_mb, root_gb=spec.root_gb)
            try:
                size = int((await disks.info(d.root, "qcow2"))["virtual-size"])
                if spec.root_gb * GIB > size:
                    await disks.run("qemu-img", "resize", "-q", "-f", "qcow2", str(d.root), str(spec.root_gb * GIB))
                record.save(d.record_file)
                if power_on:
                    await self._start(d, record)
            except (disks.DiskError, process.StartFailed) as exc:
                raise PocketError(f"Resize of instance {spec.uuid} failed: {exc}") from None
            self._last_state[spec.uuid] = states.RUNNING if power_on else states.SHUTDOWN

    async def confirm_migration(self, uuid: str) -> None:
        d = self._dir(uuid)
        d.resize_root.unlink(missing_ok=True)
        d.resize_record.unlink(missing_ok=True)

    async def finish_revert_migration(self, uuid: str, power_on: bool) -> None:
        """The root overlay and record from before the resize put back, then started."""
        d = self._known(uuid)
        async with self._locked(uuid):
            if self._pid(d) is not None:
                await self._stop_gracefully(d, self.config.destroy_timeout)
                await self._kill(d)
            if d.resize_root.exists() and d.resize_record.exists():
                os.replace(d.resize_root, d.root)
                os.replace(d.resize_record, d.record_file)
            self._last_state[uuid] = states.SHUTDOWN
            if power_on:
                try:
                    await self._start(d, Record.load(d.record_file))
                except process.StartFailed as exc:
                    raise PocketError(f"QEMU failed to start instance {uuid}: {exc}") from None
                self._last_state[uuid] = states.RUNNING

    async def snapshot(self, uuid: str) -> Snapshot:
        """The root overlay flattened (its base image merged in) into a new qcow2 file by
        ``qemu-img convert -U``. A running guest is stopped first with QMP ``stop``,
        which drains and flushes QEMU's block layer, so the file is consistent while it
        is read, and continued after; a paused, suspended or stopped one is read as is."""
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            if any(b.get("boot_index") == 0 for b in record.spec.get("block_devices") or []):
                raise Conflict(f"Instance {uuid} boots from a volume; its root disk is not a local file.")
            target = d.path / f"snapshot-{os.urandom(4).hex()}.qcow2"
            stopped_here = False
            try:
                if self._pid(d) is not None and await self._state(d) == states.RUNNING:
                    await self._qmp(d, "stop")
                    stopped_here = True
                    self._last_state[uuid] = states.PAUSED_POWER
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
                        await self._qmp(d, "cont")
                        self._last_state[uuid] = states.RUNNING
            return FileSnapshot(target, "qcow2")

    async def _prepare(self, spec: InstanceSpec, d: InstanceDir) -> Record:
        image = spec.image
        images: list[str] = []
        root_volume: tuple[Path, str] | None = None
        if spec.root_volume is not None:
            # Boot from volume: the volume file is the root disk; ``image`` is the volume's
            # image metadata (kernel_id/ramdisk_id for a direct kernel boot).
            try:
                root_volume = cmdline.volume_file(spec.root_volume.get("connection_info") or {})
            except ValueError as exc:
                raise SpawnFailed(f"The root volume of {spec.uuid} cannot be opened: {exc}") from None
            if not root_volume[0].exists():
                raise SpawnFailed(f"The root volume file {root_volume[0]} is not on host {self.hostname}.")
        else:
            if not image.get("id"):
                raise SpawnFailed("The qemu driver boots from an image or a volume (neither given).")
            base = await self.cache.get(str(image["id"]), image)
            images.append(base.image_id)
            wanted = spec.root_gb * GIB
            if wanted and wanted < base.virtual_size:
                raise SpawnFailed(
                    f"Flavor's disk is too small for requested image: the flavor has {spec.root_gb} GB, "
                    f"the image needs {-(-base.virtual_size // GIB)} GB."
                )
            await disks.overlay(base.path, base.format, d.root, max(wanted, base.virtual_size))
        kernel = await self._kernel_boot(image, images)
        if spec.ephemeral_gb:
            await disks.ephemeral(d.ephemeral, spec.ephemeral_gb)
        if spec.swap_mb:
            disks.swap(d.swap, spec.swap_mb)
        nics: list[cmdline.Nic] = []
        for vif in spec.network_info:
            nics.append(cmdline.Nic(vif["id"], vif["mac_address"], await self.resolve_vif(vif)))
        namespaces = {nic.tap.namespace for nic in nics if nic.tap is not None}
        if len(namespaces) > 1:
            raise SpawnFailed(f"The ports of instance {spec.uuid} are plugged in different namespaces.")
        with_drive = spec.config_drive or self.config.force_config_drive
        if with_drive:
            devnames = {nic.port_id: nic.tap.name for nic in nics if nic.tap is not None}
            await asyncio.to_thread(
                build_config_drive,
                d.config_drive,
                meta_data=metadata.meta_data(spec),
                user_data=_user_data(spec.user_data),
                network_data=metadata.network_data(spec.network_info, devnames),
            )
        namespace = next(iter(namespaces), None)
        argv = cmdline.build(
            binary=self.config.qemu_binary,
            accel=self.accelerator.name,
            d=d,
            name=spec.name,
            vcpus=spec.vcpus,
            memory_mb=spec.memory_mb,
            root_format=root_volume[1] if root_volume else "qcow2",
            kernel=kernel,
            ephemeral=bool(spec.ephemeral_gb),
            swap=bool(spec.swap_mb),
            config_drive=with_drive,
            nics=nics,
            namespace=namespace,
            root_volume=root_volume,
        )
        # The other volumes are attached at every start, like the ones hot-plugged later.
        volumes = {b["device"]: b["connection_info"] for b in spec.block_devices if b.get("boot_index") != 0}
        return Record(spec=asdict(spec), argv=argv, namespace=namespace, images=images, volumes=volumes)

    async def _kernel_boot(self, image: dict[str, Any], images: list[str]) -> cmdline.KernelBoot | None:
        kernel_id = image.get("kernel_id")
        if not kernel_id:
            return None
        kernel: CachedImage = await self.cache.get(str(kernel_id))
        images.append(kernel.image_id)
        ramdisk = None
        if image.get("ramdisk_id"):
            ramdisk = await self.cache.get(str(image["ramdisk_id"]))
            images.append(ramdisk.image_id)
        append = cmdline.kernel_append(
            str(image.get("os_command_line") or cmdline.DEFAULT_KERNEL_CMDLINE), self.accelerator.name
        )
        return cmdline.KernelBoot(kernel.path, ramdisk.path if ramdisk else None, append)

    async def destroy(self, uuid: str) -> None:
        try:
            d = self._dir(uuid)
        except InstanceNotFound:
            return
        async with self._locked(uuid):
            if not d.path.exists():
                return
            if self._pid(d) is not None and await self._state(d) == states.RUNNING:
                await self._stop_gracefully(d, self.config.destroy_timeout)
            await self._remove(d)
        self._locks.pop(uuid, None)

    # --- power ----------------------------------------------------------------------------------
    async def power_off(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            allowed = (states.RUNNING, states.PAUSED_POWER, states.SUSPENDED_POWER, states.CRASHED)
            state = await self._require(d, allowed, "power off")
            if state == states.RUNNING:
                await self._stop_gracefully(d, self.config.shutdown_timeout)
            await self._kill(d)
            d.saved_state.unlink(missing_ok=True)
            self._last_state[uuid] = states.SHUTDOWN

    async def power_on(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.SHUTDOWN, states.CRASHED), "power on")
            await self._restart(d)

    async def _restart(self, d: InstanceDir) -> None:
        await self._kill(d)
        d.saved_state.unlink(missing_ok=True)
        try:
            await self._start(d, Record.load(d.record_file))
        except process.StartFailed as exc:
            raise PocketError(f"QEMU failed to start instance {d.uuid}: {exc}") from None
        self._last_state[d.uuid] = states.RUNNING

    async def reboot(self, uuid: str, *, hard: bool) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            if not hard:
                await self._require(d, (states.RUNNING,), "soft reboot")
                if await self._stop_gracefully(d, self.config.shutdown_timeout):
                    await self._restart(d)
                    return
                log.warning("%s: guest ignored the ACPI power button; resetting it", uuid)
            state = await self._require(d, ANY_STATE, "hard reboot")
            if state in (states.RUNNING, states.PAUSED_POWER) and self._pid(d) is not None:
                await self._qmp(d, "system_reset")
                if state == states.PAUSED_POWER:
                    await self._qmp(d, "cont")
                self._last_state[uuid] = states.RUNNING
            else:
                await self._restart(d)

    async def pause(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.RUNNING,), "pause")
            await self._qmp(d, "stop")
            self._last_state[uuid] = states.PAUSED_POWER

    async def unpause(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.PAUSED_POWER,), "unpause")
            await self._qmp(d, "cont")
            self._last_state[uuid] = states.RUNNING

    async def suspend(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.RUNNING,), "suspend")
            pid = self._pid(d)
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
                    await self._qmp(d, "cont")
                raise
            if pid is not None and not await process.wait_gone(pid, uuid, 10.0):
                await process.kill(pid, uuid)
            os.replace(tmp, d.saved_state)
            self._last_state[uuid] = states.SUSPENDED_POWER

    async def resume(self, uuid: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            await self._require(d, (states.SUSPENDED_POWER,), "resume")
            try:
                await self._start(d, Record.load(d.record_file), incoming=f"exec:cat {_shell_quote(d.saved_state)}")
                async with qmp.session(d.qmp) as s:
                    deadline = time.monotonic() + 120
                    while await s.status() == "inmigrate":
                        if time.monotonic() > deadline:
                            raise PocketError(f"Instance {uuid}: restoring the saved state took too long.")
                        await asyncio.sleep(0.05)
                    if await s.status() != "running":
                        await s.execute("cont")
            except (process.StartFailed, qmp.QMPFailed) as exc:
                await self._kill(d)
                raise PocketError(f"Instance {uuid} could not be resumed: {exc}") from None
            d.saved_state.unlink(missing_ok=True)
            self._last_state[uuid] = states.RUNNING

    # --- info -----------------------------------------------------------------------------------
    async def get_info(self, uuid: str) -> InstanceInfo:
        d = self._known(uuid)
        lock = self._locks.get(uuid)
        if lock is not None and lock.locked():
            # An operation holds QEMU's monitor; do not queue behind it.
            state = self._last_state.get(uuid, states.NOSTATE)
        else:
            state = await self._state(d)
        spec = Record.load(d.record_file).spec
        console.rotate(d.console, d.console_old, self.config.console_max_bytes)
        uptime = 0.0
        if state == states.RUNNING:
            with contextlib.suppress(OSError):
                uptime = max(0.0, time.time() - d.pidfile.stat().st_mtime)
        return InstanceInfo(state=state, vcpus=int(spec["vcpus"]), memory_mb=int(spec["memory_mb"]), uptime=uptime)

    async def console_output(self, uuid: str) -> str:
        d = self._known(uuid)
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
        if any(lock.locked() for lock in self._locks.values()):
            return  # a spawn may be about to use an image no record names yet
        for image_id in self.cache.prune(in_use):
            log.info("image cache: removed %s (unused for %gs)", image_id, self.cache.max_age)

    # --- hot-plug -------------------------------------------------------------------------------
    async def attach_volume(self, uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None:
        d = self._known(uuid)
        dev = _device(mountpoint)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            if mountpoint in record.volumes:
                raise Conflict(f"{mountpoint} is already in use on instance {uuid}.")
            try:
                blockdev = cmdline.volume_blockdev(dev, connection_info)
            except ValueError as exc:
                raise PocketError(f"Cannot attach a volume to {uuid}: {exc}") from None
            if self._pid(d) is not None:
                async with qmp.session(d.qmp) as s:
                    await s.execute("blockdev-add", blockdev)
                    try:
                        await s.execute("device_add", cmdline.volume_device(dev))
                    except qmp.QMPFailed:
                        await s.execute("blockdev-del", {"node-name": blockdev["node-name"]})
                        raise
            record.volumes[mountpoint] = connection_info
            record.save(d.record_file)

    def _volume_node(self, uuid: str, record: Record, mountpoint: str) -> tuple[str, dict[str, Any]]:
        """The QMP name of the volume's block node and its connection info: a hot-plugged
        volume is the -blockdev format node ``vol-<dev>``; the root volume is the format
        node behind the -drive ``drive-vda`` (QMP takes either name as ``device``)."""
        if mountpoint in record.volumes:
            return f"vol-{_device(mountpoint)}", record.volumes[mountpoint]
        for bdm in record.spec.get("block_devices") or []:
            if bdm.get("boot_index") == 0 and bdm.get("device") == mountpoint:
                return "drive-vda", bdm.get("connection_info") or {}
        raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")

    async def extend_volume(self, uuid: str, mountpoint: str, new_size_bytes: int) -> None:
        """QMP block_resize on the volume's format node: QEMU grows the file (a qcow2
        file's metadata too, which only the process holding it may change) and tells
        the guest (virtio-blk config change), so the guest sees the new size at once."""
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            node, info = self._volume_node(uuid, record, mountpoint)
            if self._pid(d) is None:
                # Not running: the file is free, so grow it here; the next start opens it
                # at its new size (a raw file the volume service already grew is left).
                path, fmt = _volume_file(uuid, info)
                if fmt == "qcow2":
                    await _qemu_img("resize", "-q", "-f", "qcow2", str(path), str(new_size_bytes))
                return
            target = {"node-name": node} if node.startswith("vol-") else {"device": node}
            await self._qmp(d, "block_resize", {**target, "size": new_size_bytes})

    async def volume_snapshot_create(self, uuid: str, mountpoint: str, name: str) -> None:
        """Internal qcow2 snapshot: QMP blockdev-snapshot-internal-sync on the volume's
        node while QEMU runs (atomic for the guest: in-flight writes drain first); with
        no QEMU running, qemu-img on the file."""
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            node, info = self._volume_node(uuid, record, mountpoint)
            path, fmt = _volume_file(uuid, info)
            if fmt != "qcow2":
                raise PocketError(
                    f"The volume at {mountpoint} of instance {uuid} is {fmt}; only qcow2 holds snapshots."
                )
            if self._pid(d) is None:
                await _qemu_img("snapshot", "-c", name, str(path))
                return
            await self._qmp(d, "blockdev-snapshot-internal-sync", {"device": node, "name": name})

    async def volume_backup(self, uuid: str, mountpoint: str, target: str) -> None:
        """QMP drive-backup, sync full, into a new qcow2 ``target``: copy-before-write, so
        the copy is the disk at the job's start while the guest goes on writing. The
        call returns when the job completed (BLOCK_JOB_COMPLETED). With no QEMU running,
        qemu-img convert of the (then unchanging) file."""
        d = self._known(uuid)
        dev = _device(mountpoint)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            node, info = self._volume_node(uuid, record, mountpoint)
            path, fmt = _volume_file(uuid, info)
            dest = Path(target)
            # QEMU runs as root: it writes only a snapshot file beside the volume's own.
            if dest.parent != path.parent or not dest.name.startswith(".snapshot-") or dest.exists():
                raise PocketError(f"The copy target {target} is not a new snapshot file beside {path.name}.")
            if self._pid(d) is None:
                await _qemu_img("convert", "-q", "-f", fmt, "-O", "qcow2", str(path), str(dest))
                return
            job = f"backup-{dev}"
            args = {"job-id": job, "device": node, "target": str(dest), "format": "qcow2", "sync": "full"}
            async with qmp.session(d.qmp) as s:
                done = await s.execute_then_event("drive-backup", args, "BLOCK_JOB_COMPLETED", {"device": job}, 100)
                if done is None:
                    with contextlib.suppress(qmp.QMPFailed):
                        await s.execute("block-job-cancel", {"device": job, "force": True})
            if done is None or done.get("error"):
                with contextlib.suppress(OSError):
                    dest.unlink()
                why = done.get("error") if done else "it did not complete within 100s"
                raise PocketError(f"Copying the volume at {mountpoint} of {uuid} failed: {why}")

    async def volume_snapshot_delete(self, uuid: str, mountpoint: str, name: str) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            node, info = self._volume_node(uuid, record, mountpoint)
            path, _fmt = _volume_file(uuid, info)
            try:
                if self._pid(d) is None:
                    await _qemu_img("snapshot", "-d", name, str(path))
                else:
                    await self._qmp(d, "blockdev-snapshot-delete-internal-sync", {"device": node, "name": name})
            except PocketError as exc:
                # Gone already (a retried delete): the wanted end state.
                if "not found" not in exc.message and "does not exist" not in exc.message:
                    raise

    async def detach_volume(self, uuid: str, mountpoint: str) -> None:
        d = self._known(uuid)
        dev = _device(mountpoint)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            if mountpoint not in record.volumes:
                raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
            if self._pid(d) is not None:
                await self._unplug(d, f"disk-{dev}")
                await self._qmp(d, "blockdev-del", {"node-name": f"vol-{dev}"})
            del record.volumes[mountpoint]
            record.save(d.record_file)

    async def attach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            spawned = {v["id"] for v in record.spec.get("network_info") or []}
            if vif["id"] in record.interfaces or vif["id"] in spawned:
                raise Conflict(f"Interface {vif['id']} is already attached to instance {uuid}.")
            tap = await self.resolve_vif(vif)
            if tap is not None and tap.namespace != record.namespace:
                raise PocketError(
                    f"Port {vif['id']} is plugged in namespace {tap.namespace}, "
                    f"but instance {uuid} runs in {record.namespace or 'the host namespace'}."
                )
            nic = cmdline.Nic(vif["id"], vif["mac_address"], tap)
            if self._pid(d) is not None:
                netdev, device = cmdline.nic_qmp(nic)
                async with qmp.session(d.qmp) as s:
                    await s.execute("netdev_add", netdev)
                    try:
                        await s.execute("device_add", device)
                    except qmp.QMPFailed:
                        await s.execute("netdev_del", {"id": netdev["id"]})
                        raise
            record.interfaces[vif["id"]] = {"vif": vif, "tap": [tap.namespace, tap.name] if tap else None}
            record.save(d.record_file)

    async def detach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        d = self._known(uuid)
        async with self._locked(uuid):
            record = Record.load(d.record_file)
            spawned = [v for v in record.spec.get("network_info") or [] if v["id"] != vif["id"]]
            at_spawn = len(spawned) != len(record.spec.get("network_info") or [])
            if vif["id"] not in record.interfaces and not at_spawn:
                raise InstanceNotFound(f"Interface {vif['id']} is not attached to instance {uuid}.")
            if self._pid(d) is not None:
                ident = vif["id"][:13]
                await self._unplug(d, f"nic-{ident}")
                await self._qmp(d, "netdev_del", {"id": f"net-{ident}"})
            if at_spawn:
                # A NIC from the command line: gone from it too, or the next start brings it back.
                record.spec["network_info"] = spawned
                record.argv = cmdline.without_nic(record.argv, vif["id"])
            record.interfaces.pop(vif["id"], None)
            record.save(d.record_file)

    async def _unplug(self, d: InstanceDir, device_id: str) -> None:
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

    async def cleanup(self) -> None:
        """VMs outlive the agent on purpose: nothing is stopped here."""
        close = getattr(self.cache.source, "close", None)
        if close is not None:
            await close()


async def _qemu_img(*args: str) -> None:
    try:
        await disks.run("qemu-img", *args)
    except disks.DiskError as exc:
        raise PocketError(str(exc)) from None


def _volume_file(uuid: str, connection_info: dict[str, Any]) -> tuple[Path, str]:
    try:
        return cmdline.volume_file(connection_info)
    except ValueError as exc:
        raise PocketError(f"A volume of instance {uuid} cannot be opened: {exc}") from None


def _device(mountpoint: str) -> str:
    try:
        return cmdline.device_name(mountpoint)
    except ValueError as exc:
        raise PocketError(str(exc)) from None


def _user_data(value: str | None) -> bytes | None:
    """The API keeps user data base64-encoded (as Nova does); the guest gets the bytes."""
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode()


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
