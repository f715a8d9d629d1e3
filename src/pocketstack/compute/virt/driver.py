"""The virt driver contract: what a compute agent asks of a hypervisor.

Glossary:
- instance: a server as the driver sees it, named by its uuid (``InstanceSpec.uuid``).
- power state: one of pocketstack.compute.states RUNNING, PAUSED_POWER, SHUTDOWN,
  SUSPENDED_POWER, CRASHED or NOSTATE; the agent copies it to the database.
- host resources: what the host offers (vCPUs, RAM, disk); the agent's resource
  tracker reports them to placement as the host's inventory.
- network info: a list of VIFs ``{"id", "mac_address", "network_id", "fixed_ips", ...}``
  the agent obtained from the network service before spawn.

Postconditions every driver keeps (tests/contract/test_virt_driver.py checks them):
- ``spawn`` either leaves a RUNNING instance or raises ``SpawnFailed`` and leaves
  nothing behind (no process, no disk, no console log).
- ``destroy`` of an instance the driver does not know succeeds (idempotent).
- every other per-instance call on an unknown instance raises ``InstanceNotFound``.
- power transitions are synchronous: when the call returns, ``get_info`` reports the
  new power state. A transition from a state that does not allow it raises
  ``InvalidPowerState`` and changes nothing.
- ``list_instances`` names exactly the instances ``get_info`` knows.
- ``snapshot`` returns a standalone image of the root disk (no backing file) that this
  driver can boot as a new instance, and leaves the instance in the power state it
  found it in (a running guest is paused for the copy, then continued), also when it
  fails. A volume-backed root disk is refused (``Conflict``).
- resize/cold migrate, in Nova's steps: ``migrate_disk_and_power_off`` on the source
  (ends SHUTDOWN; on the same host it keeps what a revert needs), ``finish_migration``
  on the destination (the instance with the new spec's size, RUNNING if ``power_on``
  else SHUTDOWN; on another host it is created there), then either
  ``confirm_migration`` on the source (the kept state goes; unknown uuid: no-op) or
  ``finish_revert_migration`` on the source (the size and disk from before, RUNNING if
  ``power_on``). The agent removes the copy on the other host with ``destroy``. A driver
  that cannot move disks between hosts raises ``NotImplementedYet`` from the first
  step, having changed nothing.
- ``rebuild`` replaces the local disks by fresh ones made from the new spec's image,
  keeps attached volumes and interfaces, and ends RUNNING; if it raises, the instance
  is still known (not running) and ``destroy`` removes it.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pocketstack.common.errors import Conflict, NotFound, NotImplementedYet, PocketError


class InstanceNotFound(NotFound):
    """The driver has no instance with this uuid."""


class SpawnFailed(PocketError):
    """The instance could not be started; nothing of it is left on the host."""


class InvalidPowerState(Conflict):
    """The instance is not in a power state that allows the call."""


@dataclass(frozen=True)
class InstanceSpec:
    """Everything a driver needs to start one instance."""

    uuid: str
    name: str
    vcpus: int
    memory_mb: int
    root_gb: int
    image: dict[str, Any] = field(default_factory=dict)
    hostname: str = ""
    user_data: str | None = None
    key_data: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    network_info: list[dict[str, Any]] = field(default_factory=list)
    config_drive: bool = False
    # Flavor disks beyond the root disk, and what the config drive tells the guest.
    ephemeral_gb: int = 0
    swap_mb: int = 0
    key_name: str = ""
    project_id: str = ""
    availability_zone: str = ""
    # Volumes at spawn: {"device", "boot_index", "volume_id", "connection_info"}; the one
    # with boot_index 0 is the root disk (then ``image`` is the volume's image metadata).
    block_devices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def root_volume(self) -> dict[str, Any] | None:
        return next((b for b in self.block_devices if b.get("boot_index") == 0), None)


@dataclass(frozen=True)
class InstanceInfo:
    state: int
    vcpus: int
    memory_mb: int
    # Seconds since the instance was (re)started; 0 while not running.
    uptime: float = 0.0


@dataclass(frozen=True)
class HostResources:
    hypervisor_hostname: str
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str
    hypervisor_version: int
    cpu_info: dict[str, Any] = field(default_factory=dict)


class Snapshot(abc.ABC):
    """An image a driver made of an instance's root disk, ready for upload: its data
    is read once (``chunks``), then ``discard`` frees what holds it."""

    disk_format: str
    container_format: str
    size: int

    @abc.abstractmethod
    def chunks(self) -> AsyncIterator[bytes]: ...

    async def discard(self) -> None:
        return None


class BytesSnapshot(Snapshot):
    def __init__(self, data: bytes, disk_format: str, container_format: str = "bare") -> None:
        self.data, self.disk_format, self.container_format = data, disk_format, container_format
        self.size = len(data)

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), 1 << 20):
            yield self.data[start : start + (1 << 20)]


class FileSnapshot(Snapshot):
    """A snapshot in a file of its own (removed by ``discard``)."""

    CHUNK = 1 << 20

    def __init__(self, path: Path, disk_format: str, container_format: str = "bare") -> None:
        self.path, self.disk_format, self.container_format = path, disk_format, container_format
        self.size = path.stat().st_size

    async def chunks(self) -> AsyncIterator[bytes]:
        with self.path.open("rb") as fh:
            while chunk := await asyncio.to_thread(fh.read, self.CHUNK):
                yield chunk

    async def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class VirtDriver(abc.ABC):
    """One hypervisor host. Methods are coroutines; none blocks the event loop."""

    @abc.abstractmethod
    def host_resources(self) -> HostResources:
        """What this host offers, for the resource tracker (cheap, no I/O)."""

    @abc.abstractmethod
    async def spawn(self, spec: InstanceSpec) -> None:
        """Create and start the instance; see the module postconditions."""

    @abc.abstractmethod
    async def destroy(self, uuid: str) -> None:
        """Stop and remove the instance and everything it owns; unknown uuid: no-op."""

    @abc.abstractmethod
    async def reboot(self, uuid: str, *, hard: bool) -> None:
        """Restart the guest (soft: ask it; hard: reset). Ends RUNNING."""

    @abc.abstractmethod
    async def power_off(self, uuid: str) -> None:
        """Ends SHUTDOWN."""

    @abc.abstractmethod
    async def power_on(self, uuid: str) -> None:
        """From SHUTDOWN (or CRASHED), ends RUNNING."""

    @abc.abstractmethod
    async def pause(self, uuid: str) -> None:
        """From RUNNING, ends PAUSED (memory kept, vCPUs stopped)."""

    @abc.abstractmethod
    async def unpause(self, uuid: str) -> None:
        """From PAUSED, ends RUNNING."""

    @abc.abstractmethod
    async def suspend(self, uuid: str) -> None:
        """From RUNNING, ends SUSPENDED (state saved, resources released)."""

    @abc.abstractmethod
    async def resume(self, uuid: str) -> None:
        """From SUSPENDED, ends RUNNING."""

    @abc.abstractmethod
    async def get_info(self, uuid: str) -> InstanceInfo: ...

    @abc.abstractmethod
    async def console_output(self, uuid: str) -> str:
        """The serial console log so far (may be empty, never None)."""

    @abc.abstractmethod
    async def attach_volume(self, uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None: ...

    @abc.abstractmethod
    async def detach_volume(self, uuid: str, mountpoint: str) -> None: ...

    async def extend_volume(self, uuid: str, mountpoint: str, new_size_bytes: int) -> None:
        """Make the guest see the new size of the volume at ``mountpoint`` (the file
        behind it may already be larger). Drivers that cannot do it online keep this."""
        raise NotImplementedYet(f"This virt driver cannot extend attached volumes (instance {uuid}).")

    async def volume_snapshot_create(self, uuid: str, mountpoint: str, name: str) -> None:
        """Take internal snapshot ``name`` of the qcow2 volume at ``mountpoint`` (the
        running hypervisor holds the file; a stopped instance's file is free)."""
        raise NotImplementedYet(f"This virt driver cannot snapshot attached volumes (instance {uuid}).")

    async def volume_backup(self, uuid: str, mountpoint: str, target: str) -> None:
        """Copy the volume at ``mountpoint`` as it is now into a new qcow2 file ``target``
        (which must be a ``.snapshot-*`` file in the volume file's directory) while the
        guest keeps running: the copy is the disk at the call, not later writes."""
        raise NotImplementedYet(f"This virt driver cannot copy attached volumes (instance {uuid}).")

    async def volume_snapshot_delete(self, uuid: str, mountpoint: str, name: str) -> None:
        """Delete internal snapshot ``name`` of the volume at ``mountpoint`` (absent: no-op)."""
        raise NotImplementedYet(f"This virt driver cannot delete snapshots of attached volumes (instance {uuid}).")

    @abc.abstractmethod
    async def attach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        """Hot-plug a NIC for port ``vif`` (``{"id", "mac_address", ...}`` as in network
        info); it stays across restarts. Already attached: ``Conflict``."""

    @abc.abstractmethod
    async def detach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        """Unplug the NIC of port ``vif["id"]``; not attached: ``InstanceNotFound``."""

    @abc.abstractmethod
    async def snapshot(self, uuid: str) -> Snapshot:
        """A standalone image of the instance's root disk (see the module postconditions)."""

    @abc.abstractmethod
    async def migrate_disk_and_power_off(self, uuid: str, same_host: bool) -> None:
        """Source side of a resize or cold migration (see the module postconditions)."""

    @abc.abstractmethod
    async def finish_migration(self, spec: InstanceSpec, same_host: bool, power_on: bool) -> None:
        """Destination side: the instance as ``spec`` says (new size)."""

    @abc.abstractmethod
    async def confirm_migration(self, uuid: str) -> None:
        """Source side of confirmResize: drop what a revert would have needed."""

    @abc.abstractmethod
    async def finish_revert_migration(self, uuid: str, power_on: bool) -> None:
        """Source side of revertResize: the instance as before the resize."""

    @abc.abstractmethod
    async def rescue(self, spec: InstanceSpec) -> None:
        """Boot a fresh disk of ``spec.image`` (the rescue image) with the instance's own
        root disk attached as the next disk; ends RUNNING. ``unrescue`` undoes it."""

    @abc.abstractmethod
    async def unrescue(self, uuid: str) -> None:
        """Back to the instance's own disks (the rescue disk goes); ends RUNNING."""

    @abc.abstractmethod
    async def trigger_crash_dump(self, uuid: str) -> None:
        """Send the guest a non-maskable interrupt (its kernel may dump and panic). A guest
        that is not running (or paused) raises ``InvalidPowerState``."""

    @abc.abstractmethod
    async def rebuild(self, spec: InstanceSpec) -> None:
        """Fresh local disks from ``spec`` for an existing instance (same uuid), attached
        volumes and interfaces kept; ends RUNNING (see the module postconditions)."""

    @abc.abstractmethod
    async def list_instances(self) -> list[str]:
        """Uuids of every instance on this host (for the power-state sync)."""

    async def cleanup(self) -> None:
        """Release host-level resources when the agent stops (default: nothing)."""
        return None
