"""An in-memory backend with failure injection, for tests and ``--volume-backend fake``.

A volume is its written bytes (a prefix; the rest reads as zeros) and a size, so a
1 GiB volume costs nothing. ``inject("create", "disk on fire")`` makes the next create
raise BackendError with that message (``times`` for more than one).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pocketstack.volume.backends.base import BackendError, Capacity, GiB, VolumeBackend

CHUNK = 1024 * 1024


@dataclass
class _Object:
    size: int
    data: bytes = b""


class FakeBackend(VolumeBackend):
    name = "fake"

    def __init__(self, capacity_gb: int = 1000, delay: float = 0.0) -> None:
        self.total_gb = capacity_gb
        self.delay = delay
        self.volumes: dict[str, _Object] = {}
        self.snapshots: dict[str, _Object] = {}
        # Data left on the backend by an unmanage, by name.
        self.unmanaged: dict[str, _Object] = {}
        # Snapshots left by an unmanage, by name: the data and the volume's id.
        self.unmanaged_snapshots: dict[str, tuple[_Object, str]] = {}
        self.connections: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, list[str]] = {}

    def inject(self, method: str, message: str = "injected failure", times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([message] * times)

    async def _enter(self, method: str) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        pending = self._failures.get(method)
        if pending:
            raise BackendError(pending.pop(0))

    def capacity(self) -> Capacity:
        used = sum(o.size for o in self.volumes.values()) + sum(o.size for o in self.snapshots.values())
        return Capacity(self.total_gb, used)

    def _room_for(self, size: int) -> None:
        if self.capacity().free_gb < size:
            raise BackendError(
                f"Not enough space on the fake backend: {size} GiB asked, {self.capacity().free_gb} free"
            )

    def _location(self, volume_id: str) -> dict[str, Any]:
        return {"fake": volume_id}

    async def create(self, volume_id: str, size: int) -> dict[str, Any]:
        await self._enter("create")
        self._room_for(size)
        self.volumes[volume_id] = _Object(size)
        return self._location(volume_id)

    async def create_from_image(
        self, volume_id: str, size: int, data: AsyncIterator[bytes], disk_format: str
    ) -> dict[str, Any]:
        await self._enter("create_from_image")
        self._room_for(size)
        chunks = []
        total = 0
        async for chunk in data:
            total += len(chunk)
            if total > size * GiB:
                raise BackendError(f"The image is larger than the volume ({size} GiB)")
            chunks.append(chunk)
        self.volumes[volume_id] = _Object(size, b"".join(chunks))
        return self._location(volume_id)

    async def create_from_snapshot(
        self, volume_id: str, size: int, snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> dict[str, Any]:
        await self._enter("create_from_snapshot")
        snap = self.snapshots.get(snapshot_id)
        if snap is None:
            raise BackendError(f"Snapshot {snapshot_id} is not on the fake backend")
        if size < snap.size:
            raise BackendError(f"Cannot create a {size} GiB volume from a {snap.size} GiB snapshot")
        self._room_for(size)
        self.volumes[volume_id] = _Object(size, snap.data)
        return self._location(volume_id)

    async def clone(self, volume_id: str, size: int, source_id: str, source_location: dict[str, Any]) -> dict[str, Any]:
        await self._enter("clone")
        src = self.volumes.get(source_id)
        if src is None:
            raise BackendError(f"Volume {source_id} is not on the fake backend")
        if size < src.size:
            raise BackendError(f"Cannot clone a {src.size} GiB volume into {size} GiB")
        self._room_for(size)
        self.volumes[volume_id] = _Object(size, src.data)
        return self._location(volume_id)

    async def delete(self, volume_id: str, location: dict[str, Any]) -> None:
        await self._enter("delete")
        self.volumes.pop(volume_id, None)

    async def extend(self, volume_id: str, location: dict[str, Any], new_size: int) -> None:
        await self._enter("extend")
        vol = self._get(volume_id)
        if new_size < vol.size:
            raise BackendError(f"Cannot shrink volume {volume_id} from {vol.size} to {new_size} GiB")
        self._room_for(new_size - vol.size)
        vol.size = new_size

    async def create_snapshot(self, snapshot_id: str, volume_id: str, location: dict[str, Any]) -> dict[str, Any]:
        await self._enter("create_snapshot")
        vol = self._get(volume_id)
        self._room_for(vol.size)
        self.snapshots[snapshot_id] = _Object(vol.size, vol.data)
        return {"fake": snapshot_id, "volume": volume_id}

    async def delete_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None:
        await self._enter("delete_snapshot")
        self.snapshots.pop(snapshot_id, None)

    async def unmanage(self, volume_id: str, location: dict[str, Any]) -> None:
        await self._enter("unmanage")
        self.unmanaged[f"volume-{volume_id}"] = self._get(volume_id)
        del self.volumes[volume_id]

    async def manageable(self, managed: set[str]) -> list[dict[str, Any]]:
        return [{"name": name, "size": obj.size} for name, obj in sorted(self.unmanaged.items())]

    async def manage_existing(self, volume_id: str, name: str) -> tuple[dict[str, Any], int]:
        await self._enter("manage_existing")
        obj = self.unmanaged.pop(name, None)
        if obj is None:
            raise BackendError(f"Nothing named {name} to manage on the fake backend")
        self.volumes[volume_id] = obj
        return self._location(volume_id), obj.size

    async def unmanage_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None:
        await self._enter("unmanage_snapshot")
        snap = self.snapshots.pop(snapshot_id, None)
        if snap is None:
            raise BackendError(f"Snapshot {snapshot_id} is not on the fake backend")
        self.unmanaged_snapshots[f"snapshot-{snapshot_id}"] = (snap, str(location.get("volume") or ""))

    async def manageable_snapshots(self, in_use: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"name": name, "size": snap.size, "volume": f"volume-{volume}"}
            for name, (snap, volume) in sorted(self.unmanaged_snapshots.items())
        ]

    async def manage_existing_snapshot(
        self, snapshot_id: str, name: str, volume_id: str, volume_location: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        await self._enter("manage_existing_snapshot")
        found = self.unmanaged_snapshots.get(name)
        if found is None or found[1] != volume_id:
            raise BackendError(f"Volume {volume_id} has no snapshot named {name} on the fake backend")
        del self.unmanaged_snapshots[name]
        self.snapshots[snapshot_id] = found[0]
        return {"fake": snapshot_id, "volume": volume_id}, found[0].size

    async def revert(
        self, volume_id: str, location: dict[str, Any], snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> None:
        await self._enter("revert")
        vol = self._get(volume_id)
        snap = self.snapshots.get(snapshot_id)
        if snap is None:
            raise BackendError(f"Snapshot {snapshot_id} is not on the fake backend")
        vol.data = snap.data

    async def connection_info(
        self, volume_id: str, location: dict[str, Any], connector: dict[str, Any]
    ) -> dict[str, Any]:
        await self._enter("connection_info")
        self._get(volume_id)
        self.connections.append((volume_id, dict(connector)))
        return {"driver_volume_type": "fake", "data": {"volume_id": volume_id, "access_mode": "rw"}}

    async def read(self, volume_id: str, location: dict[str, Any], disk_format: str = "raw") -> AsyncIterator[bytes]:
        await self._enter("read")
        if disk_format != "raw":
            raise BackendError(f"The fake backend uploads raw images only, not {disk_format}")
        vol = self._get(volume_id)
        for start in range(0, len(vol.data), CHUNK):
            yield vol.data[start : start + CHUNK]
        remaining = vol.size * GiB - len(vol.data)
        while remaining > 0:
            n = min(CHUNK, remaining)
            yield bytes(n)
            remaining -= n

    async def virtual_size(self, volume_id: str, location: dict[str, Any]) -> int:
        return self._get(volume_id).size * GiB

    async def exists(self, volume_id: str, location: dict[str, Any]) -> bool:
        return volume_id in self.volumes

    def _get(self, volume_id: str) -> _Object:
        vol = self.volumes.get(volume_id)
        if vol is None:
            raise BackendError(f"Volume {volume_id} is not on the fake backend")
        return vol
