"""The fake virt driver: simulated hypervisors with capacity, boot delay and failure
injection, so the whole launch flow runs (and is tested) without QEMU."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pocketstack.common.errors import Conflict, PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.driver import (
    BytesSnapshot,
    HostResources,
    InstanceInfo,
    InstanceNotFound,
    InstanceSpec,
    InvalidPowerState,
    Snapshot,
    SpawnFailed,
    VirtDriver,
)


@dataclass
class FakeInstance:
    spec: InstanceSpec
    state: int = states.RUNNING
    started: float = field(default_factory=time.monotonic)
    console: list[str] = field(default_factory=list)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # mountpoint -> size in bytes the guest was told after an online extend
    volume_sizes: dict[str, int] = field(default_factory=dict)
    # mountpoint -> names of the internal snapshots taken through the hypervisor
    volume_snapshots: dict[str, list[str]] = field(default_factory=dict)
    # (mountpoint, target) of each point-in-time copy asked for
    volume_backups: list[tuple[str, str]] = field(default_factory=list)
    vifs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The spec before a same-host resize, until it is confirmed or reverted.
    resize_backup: InstanceSpec | None = None
    nmis: int = 0
    # The rescue image while rescued.
    rescue_image: str | None = None


@dataclass
class Faults:
    """Failure injection, set by tests: the next ``spawn_failures`` spawns raise,
    and while ``spawn_hangs`` is set a spawn never returns. ``inject(op, message)``
    makes the next call of ``op`` raise with that message: a volume operation
    (``extend_volume``, ``volume_backup``, ``volume_snapshot_create``, ``volume_snapshot_delete``),
    ``snapshot``, ``rebuild``, ``attach_interface`` or ``detach_interface``."""

    spawn_failures: int = 0
    spawn_hangs: bool = False
    message: str = "injected spawn failure"
    pending: dict[str, list[str]] = field(default_factory=dict)

    def inject(self, op: str, message: str = "injected failure", times: int = 1) -> None:
        self.pending.setdefault(op, []).extend([message] * times)

    def check(self, op: str) -> None:
        queued = self.pending.get(op)
        if queued:
            raise PocketError(queued.pop(0))


class FakeDriver(VirtDriver):
    def __init__(
        self, hostname: str, *, vcpus: int = 16, memory_mb: int = 32768, disk_gb: int = 500, boot_delay: float = 0.0
    ) -> None:
        self.hostname = hostname
        self.vcpus = vcpus
        self.memory_mb = memory_mb
        self.disk_gb = disk_gb
        self.boot_delay = boot_delay
        self.faults = Faults()
        self.instances: dict[str, FakeInstance] = {}

    def host_resources(self) -> HostResources:
        return HostResources(
            hypervisor_hostname=self.hostname,
            vcpus=self.vcpus,
            memory_mb=self.memory_mb,
            local_gb=self.disk_gb,
            hypervisor_type="fake",
            hypervisor_version=1000,
            cpu_info={
                "arch": "x86_64",
                "model": "fake",
                "vendor": "pocketstack",
                "topology": {"sockets": 1, "cores": self.vcpus, "threads": 1},
            },
        )

    def _get(self, uuid: str) -> FakeInstance:
        found = self.instances.get(uuid)
        if found is None:
            raise InstanceNotFound(f"Instance {uuid} could not be found on host {self.hostname}.")
        return found

    def _transition(self, uuid: str, allowed: tuple[int, ...], new: int, line: str) -> None:
        inst = self._get(uuid)
        if inst.state not in allowed:
            name = states.POWER_STATE_NAMES.get(inst.state, str(inst.state))
            raise InvalidPowerState(f"Instance {uuid} is {name}; cannot {line}.")
        inst.state = new
        if new == states.RUNNING:
            inst.started = time.monotonic()
        inst.console.append(f"[fake] {line}")

    async def spawn(self, spec: InstanceSpec) -> None:
        if spec.uuid in self.instances:
            raise SpawnFailed(f"Instance {spec.uuid} already exists on host {self.hostname}.")
        if self.faults.spawn_hangs:
            await asyncio.Event().wait()
        if self.faults.spawn_failures > 0:
            self.faults.spawn_failures -= 1
            raise SpawnFailed(f"{self.faults.message} on host {self.hostname}")
        used = sum(i.spec.memory_mb for i in self.instances.values())
        if used + spec.memory_mb > self.memory_mb * 1.5:
            raise SpawnFailed(f"Host {self.hostname} is out of memory ({used} MB of {self.memory_mb} MB in use).")
        if self.boot_delay:
            await asyncio.sleep(self.boot_delay)
        inst = FakeInstance(spec)
        # Volumes given at spawn (block_device_mapping_v2) are attached from the start.
        inst.volumes = {b["device"]: dict(b["connection_info"]) for b in spec.block_devices}
        root = spec.root_volume
        if root is not None:
            inst.console.append(f"[fake] root disk is volume {root.get('volume_id')} at {root['device']}")
        ips = [ip["ip_address"] for vif in spec.network_info for ip in vif.get("fixed_ips", [])]
        inst.console.extend(
            [
                f"[fake] booting {spec.name} ({spec.uuid}) with {spec.vcpus} vCPU, {spec.memory_mb} MB",
                f"[fake] hostname {spec.hostname or spec.name}",
                f"pocketstack guest up: addresses {' '.join(ips) or 'none'}",
            ]
        )
        self.instances[spec.uuid] = inst

    async def destroy(self, uuid: str) -> None:
        self.instances.pop(uuid, None)

    async def reboot(self, uuid: str, *, hard: bool) -> None:
        allowed: tuple[int, ...] = (
            states.RUNNING,
            states.SHUTDOWN,
            states.CRASHED,
            states.PAUSED_POWER,
            states.SUSPENDED_POWER,
        )
        if not hard:
            allowed = (states.RUNNING,)
        self._transition(uuid, allowed, states.RUNNING, "hard reboot" if hard else "soft reboot")

    async def power_off(self, uuid: str) -> None:
        self._transition(
            uuid,
            (states.RUNNING, states.PAUSED_POWER, states.SUSPENDED_POWER, states.CRASHED),
            states.SHUTDOWN,
            "power off",
        )

    async def power_on(self, uuid: str) -> None:
        self._transition(uuid, (states.SHUTDOWN, states.CRASHED), states.RUNNING, "power on")

    async def pause(self, uuid: str) -> None:
        self._transition(uuid, (states.RUNNING,), states.PAUSED_POWER, "pause")

    async def unpause(self, uuid: str) -> None:
        self._transition(uuid, (states.PAUSED_POWER,), states.RUNNING, "unpause")

    async def suspend(self, uuid: str) -> None:
        self._transition(uuid, (states.RUNNING,), states.SUSPENDED_POWER, "suspend")

    async def resume(self, uuid: str) -> None:
        self._transition(uuid, (states.SUSPENDED_POWER,), states.RUNNING, "resume")

    async def get_info(self, uuid: str) -> InstanceInfo:
        inst = self._get(uuid)
        uptime = time.monotonic() - inst.started if inst.state == states.RUNNING else 0.0
        return InstanceInfo(state=inst.state, vcpus=inst.spec.vcpus, memory_mb=inst.spec.memory_mb, uptime=uptime)

    async def console_output(self, uuid: str) -> str:
        return "\n".join(self._get(uuid).console) + "\n"

    async def attach_volume(self, uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None:
        inst = self._get(uuid)
        if mountpoint in inst.volumes:
            raise InvalidPowerState(f"{mountpoint} is already in use on instance {uuid}.")
        inst.volumes[mountpoint] = connection_info

    async def extend_volume(self, uuid: str, mountpoint: str, new_size_bytes: int) -> None:
        inst = self._get(uuid)
        if mountpoint not in inst.volumes:
            raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
        self.faults.check("extend_volume")
        inst.volume_sizes[mountpoint] = new_size_bytes

    async def volume_snapshot_create(self, uuid: str, mountpoint: str, name: str) -> None:
        inst = self._get(uuid)
        if mountpoint not in inst.volumes:
            raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
        self.faults.check("volume_snapshot_create")
        taken = inst.volume_snapshots.setdefault(mountpoint, [])
        if name in taken:
            raise Conflict(f"Snapshot {name} already exists on the volume at {mountpoint} of instance {uuid}.")
        volume = _volume_file(inst.volumes[mountpoint])
        if volume is not None:
            path, fmt = volume
            if fmt != "qcow2":
                raise PocketError(
                    f"The volume at {mountpoint} of instance {uuid} is {fmt}; only qcow2 holds snapshots."
                )
            await _qemu_img("snapshot", "-c", name, str(path))
        taken.append(name)

    async def volume_backup(self, uuid: str, mountpoint: str, target: str) -> None:
        inst = self._get(uuid)
        if mountpoint not in inst.volumes:
            raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
        self.faults.check("volume_backup")
        volume = _volume_file(inst.volumes[mountpoint])
        if volume is not None:
            path, fmt = volume
            await _qemu_img("convert", "-q", "-f", fmt, "-O", "qcow2", str(path), target)
        inst.volume_backups.append((mountpoint, target))

    async def volume_snapshot_delete(self, uuid: str, mountpoint: str, name: str) -> None:
        inst = self._get(uuid)
        if mountpoint not in inst.volumes:
            raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
        self.faults.check("volume_snapshot_delete")
        volume = _volume_file(inst.volumes[mountpoint])
        if volume is not None:
            try:
                await _qemu_img("snapshot", "-d", name, str(volume[0]))
            except PocketError as exc:
                # Gone already (a retried delete): the wanted end state.
                if "not found" not in exc.message and "does not exist" not in exc.message:
                    raise
        taken = inst.volume_snapshots.get(mountpoint, [])
        if name in taken:
            taken.remove(name)

    async def detach_volume(self, uuid: str, mountpoint: str) -> None:
        inst = self._get(uuid)
        if inst.volumes.pop(mountpoint, None) is None:
            raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")

    async def attach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        inst = self._get(uuid)
        if vif["id"] in inst.vifs or any(v["id"] == vif["id"] for v in inst.spec.network_info):
            raise Conflict(f"Interface {vif['id']} is already attached to instance {uuid}.")
        self.faults.check("attach_interface")
        inst.vifs[vif["id"]] = vif

    async def detach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        inst = self._get(uuid)
        self.faults.check("detach_interface")
        if inst.vifs.pop(vif["id"], None) is None:
            # A port given at spawn is as much the instance's NIC as a hot-plugged one.
            kept = [v for v in inst.spec.network_info if v["id"] != vif["id"]]
            if len(kept) == len(inst.spec.network_info):
                raise InstanceNotFound(f"Interface {vif['id']} is not attached to instance {uuid}.")
            inst.spec = replace(inst.spec, network_info=kept)

    async def snapshot(self, uuid: str) -> Snapshot:
        """A small deterministic raw image naming the instance and its base image (the
        fake host has no disk bytes); the power state is left as it was."""
        inst = self._get(uuid)
        if inst.spec.root_volume is not None:
            raise Conflict(f"Instance {uuid} boots from a volume; the fake driver snapshots local disks only.")
        self.faults.check("snapshot")
        line = f"pocketstack fake snapshot of {uuid} from image {inst.spec.image.get('id', '')}\n".encode()
        inst.console.append("[fake] snapshot taken")
        return BytesSnapshot(line * 64, "raw")

    async def migrate_disk_and_power_off(self, uuid: str, same_host: bool) -> None:
        inst = self._get(uuid)
        self.faults.check("migrate_disk_and_power_off")
        if same_host:
            inst.resize_backup = inst.spec
        inst.state = states.SHUTDOWN
        inst.console.append("[fake] powered off for a resize")

    async def finish_migration(self, spec: InstanceSpec, same_host: bool, power_on: bool) -> None:
        self.faults.check("finish_migration")
        if same_host:
            inst = self._get(spec.uuid)
            inst.spec = replace(spec, network_info=[v for v in spec.network_info if v["id"] not in inst.vifs])
        else:
            if spec.uuid in self.instances:
                raise SpawnFailed(f"Instance {spec.uuid} already exists on host {self.hostname}.")
            inst = FakeInstance(spec)
            inst.volumes = {b["device"]: dict(b["connection_info"]) for b in spec.block_devices}
            self.instances[spec.uuid] = inst
        inst.state = states.RUNNING if power_on else states.SHUTDOWN
        inst.started = time.monotonic()
        inst.console.append(f"[fake] resized to {spec.vcpus} vCPU, {spec.memory_mb} MB, {spec.root_gb} GB")

    async def confirm_migration(self, uuid: str) -> None:
        inst = self.instances.get(uuid)
        if inst is not None:
            inst.resize_backup = None

    async def finish_revert_migration(self, uuid: str, power_on: bool) -> None:
        inst = self._get(uuid)
        if inst.resize_backup is not None:
            inst.spec, inst.resize_backup = inst.resize_backup, None
        inst.state = states.RUNNING if power_on else states.SHUTDOWN
        inst.started = time.monotonic()
        inst.console.append("[fake] resize reverted")

    async def rescue(self, spec: InstanceSpec) -> None:
        inst = self._get(spec.uuid)
        if inst.rescue_image is not None:
            raise InvalidPowerState(f"Instance {spec.uuid} is already rescued.")
        self.faults.check("rescue")
        inst.rescue_image = str(spec.image.get("id", ""))
        inst.state, inst.started = states.RUNNING, time.monotonic()
        inst.console.append(f"[fake] rescue boot from image {inst.rescue_image}, root disk attached as the second disk")

    async def unrescue(self, uuid: str) -> None:
        inst = self._get(uuid)
        inst.rescue_image = None
        inst.state, inst.started = states.RUNNING, time.monotonic()
        inst.console.append("[fake] unrescued: booted from its own root disk")

    async def trigger_crash_dump(self, uuid: str) -> None:
        inst = self._get(uuid)
        if inst.state not in (states.RUNNING, states.PAUSED_POWER):
            raise InvalidPowerState(f"Instance {uuid} is not running; cannot inject an NMI.")
        inst.nmis += 1
        inst.console.append("[fake] NMI received")

    async def rebuild(self, spec: InstanceSpec) -> None:
        inst = self._get(spec.uuid)
        self.faults.check("rebuild")
        if self.boot_delay:
            await asyncio.sleep(self.boot_delay)
        hot = set(inst.vifs)
        inst.spec = replace(spec, network_info=[v for v in spec.network_info if v["id"] not in hot])
        inst.state, inst.started = states.RUNNING, time.monotonic()
        inst.console.extend(
            [
                f"[fake] rebuilt {spec.name} ({spec.uuid}) from image {spec.image.get('id', '')}",
                f"[fake] hostname {spec.hostname or spec.name}",
            ]
        )

    async def list_instances(self) -> list[str]:
        return list(self.instances)


def _volume_file(connection_info: dict[str, Any]) -> tuple[Path, str] | None:
    """The file of a volume on a file backend (connection info with ``data.path``), or
    None (the fake backend's volumes are records only). A simulated hypervisor still
    does to such a file what QEMU would (qemu-img, as the qemu driver with no QEMU
    running), so that the volume service finds the snapshot or copy it asked for."""
    data = connection_info.get("data") or {}
    path = data.get("path") or data.get("device_path")
    if not path:
        return None
    return Path(path), str(data.get("format") or "raw")


async def _qemu_img(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "qemu-img", *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    if proc.returncode != 0:
        message = " ".join(err.decode(errors="replace").split()) or f"exit status {proc.returncode}"
        raise PocketError(f"qemu-img {args[0]} failed: {message[-400:]}")
