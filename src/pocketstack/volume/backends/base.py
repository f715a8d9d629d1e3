"""The volume backend contract: what the volume manager asks of a storage backend.

Glossary:
- volume id / snapshot id: the API's uuids; a backend names its objects after them.
- size: whole GiB, as in the API.
- location: a small JSON dict the backend returns on create (stored on the row as
  ``provider_location``) and is given back on later calls; the backend must not need
  anything else to find the object again.
- connector: what the attaching host says about itself (``{"host": ..., ...}``).
- connection info: what a virt driver needs to attach: ``{"driver_volume_type": ...,
  "data": {...}}``; for the file backend ``{"driver_volume_type": "file", "data":
  {"path": ..., "format": "raw"|"qcow2"}}``, which the QEMU driver opens directly.

Postconditions every backend keeps (tests/contract/test_volume_backend.py checks them):
- a create (empty, from image, from snapshot, clone) either returns a location and the
  volume exists with ``virtual_size(...) == size`` GiB, or raises ``BackendError`` and
  leaves nothing behind (no file, no temporary file, capacity unchanged).
- ``delete`` and ``delete_snapshot`` of an object that does not exist succeed.
- ``extend`` to a size below the current one raises ``BackendError`` and changes nothing.
- a snapshot is independent of later writes to its volume, and the volume can be
  deleted only after its snapshots (the manager enforces that order; the backend may
  rely on it). A snapshot may live inside its volume (file backend, qcow2: internal
  snapshots); deleting the volume then removes it too.
- ``read`` yields exactly the volume's bytes (its full virtual size, in raw form), or
  (file backend) a qcow2 image of the same content when asked for qcow2.
- ``capacity`` is cheap (no subprocess) and counts every volume and snapshot created.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pocketstack.common.errors import PocketError

GiB = 1024**3


class BackendError(PocketError):
    """The backend could not do what was asked; nothing was changed."""


class BackendFull(BackendError):
    """The backend's disk filled up while writing; what was written is gone."""


@dataclass(frozen=True)
class Capacity:
    total_gb: int
    allocated_gb: int

    @property
    def free_gb(self) -> int:
        return max(0, self.total_gb - self.allocated_gb)


class VolumeBackend(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def capacity(self) -> Capacity:
        """Total and allocated GiB (allocated: sum of volume and snapshot sizes)."""

    @abc.abstractmethod
    async def create(self, volume_id: str, size: int) -> dict[str, Any]:
        """An empty (zeroed) volume of ``size`` GiB; returns its location."""

    @abc.abstractmethod
    async def create_from_image(
        self, volume_id: str, size: int, data: AsyncIterator[bytes], disk_format: str
    ) -> dict[str, Any]:
        """A volume holding the image ``data`` (in ``disk_format``), grown to ``size``.

        Raises BackendError if the image's virtual size is larger than ``size`` GiB or
        the data is not an image of that format."""

    @abc.abstractmethod
    async def create_from_snapshot(
        self, volume_id: str, size: int, snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> dict[str, Any]:
        """A new volume with the snapshot's content, grown to ``size`` GiB."""

    @abc.abstractmethod
    async def clone(self, volume_id: str, size: int, source_id: str, source_location: dict[str, Any]) -> dict[str, Any]:
        """A new volume with the source volume's current content, grown to ``size``."""

    @abc.abstractmethod
    async def delete(self, volume_id: str, location: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def extend(self, volume_id: str, location: dict[str, Any], new_size: int) -> None: ...

    @abc.abstractmethod
    async def create_snapshot(self, snapshot_id: str, volume_id: str, location: dict[str, Any]) -> dict[str, Any]:
        """A point-in-time copy of the volume; returns the snapshot's location."""

    @abc.abstractmethod
    async def delete_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def unmanage(self, volume_id: str, location: dict[str, Any]) -> None:
        """Stop treating the volume as one of ours; its data stays on the backend (it is
        listed by ``manageable`` and may be managed again)."""

    @abc.abstractmethod
    async def manageable(self, managed: set[str]) -> list[dict[str, Any]]:
        """What is on the backend but no volume of ``managed`` (ids): ``{"name", "size"}``
        (GiB, rounded up) each, ``name`` being what ``manage_existing`` takes."""

    @abc.abstractmethod
    async def manage_existing(self, volume_id: str, name: str) -> tuple[dict[str, Any], int]:
        """Adopt the unmanaged ``name`` as volume ``volume_id``: its location and size (GiB)."""

    @abc.abstractmethod
    async def unmanage_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None:
        """Stop treating the snapshot as one of ours; its data stays (manageable again)."""

    @abc.abstractmethod
    async def manageable_snapshots(self, in_use: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Snapshots on the backend at none of the ``in_use`` locations (the managed
        snapshots'): ``{"name", "size", "volume"}`` each (``volume``: its volume's backend
        name ``volume-<id>``, when known)."""

    @abc.abstractmethod
    async def manage_existing_snapshot(
        self, snapshot_id: str, name: str, volume_id: str, volume_location: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        """Adopt the unmanaged snapshot ``name`` of the volume as ``snapshot_id``: its
        location and size (GiB)."""

    @abc.abstractmethod
    async def revert(
        self, volume_id: str, location: dict[str, Any], snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> None:
        """Put the volume's data back as it was at the snapshot (same size; the volume is
        not attached); the snapshot and the volume's other snapshots stay."""

    # Snapshots a hypervisor takes while the volume is attached (the QEMU process holding
    # the file has its lock, and only it sees the guest's writes in order).
    def assisted_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> dict[str, Any] | None:
        """What the hypervisor holding this attached volume must make for the snapshot:
        ``{"type": "internal", "name", "path"}`` (an internal qcow2 snapshot) or
        ``{"type": "backup", "target"}`` (a point-in-time qcow2 copy at ``target``); None
        if the backend snapshots attached volumes itself."""
        return None

    async def snapshot_taken(
        self, snapshot_id: str, volume_id: str, location: dict[str, Any], info: dict[str, Any]
    ) -> dict[str, Any]:
        """Record a snapshot the hypervisor made as ``info`` asked (after checking it is
        there); its location."""
        raise BackendError(f"The {self.name} backend has no hypervisor-assisted snapshots")

    def snapshot_abandoned(self, snapshot_id: str, info: dict[str, Any]) -> None:
        """The hypervisor failed: remove what it may have begun (a partial copy)."""
        return None

    def snapshot_removed(self, snapshot_id: str, location: dict[str, Any]) -> None:
        """Forget an internal snapshot the hypervisor deleted (capacity)."""
        return None

    async def extend_by_host(self, volume_id: str, location: dict[str, Any], new_size: int) -> bool:
        """For an attached volume: True if the hypervisor holding it must grow it (the
        backend checked there is room, and ``extended`` records the size once compute
        reports), False if ``extend`` grows it here."""
        return False

    def extended(self, volume_id: str, location: dict[str, Any], new_size: int) -> None:
        """Record the new size of a volume the hypervisor grew."""
        return None

    @abc.abstractmethod
    async def connection_info(
        self, volume_id: str, location: dict[str, Any], connector: dict[str, Any]
    ) -> dict[str, Any]:
        """How a host attaches this volume (see the glossary)."""

    @abc.abstractmethod
    def read(self, volume_id: str, location: dict[str, Any], disk_format: str = "raw") -> AsyncIterator[bytes]:
        """The volume's content as an image file in ``disk_format`` ("raw": its bytes;
        "qcow2": a fresh qcow2 image without snapshots), streamed (for upload to an
        image). BackendError for a format the backend cannot write."""

    @abc.abstractmethod
    async def virtual_size(self, volume_id: str, location: dict[str, Any]) -> int:
        """The volume's size in bytes as a guest sees it."""

    @abc.abstractmethod
    async def exists(self, volume_id: str, location: dict[str, Any]) -> bool: ...
