"""The file backend: each volume a raw or qcow2 file in one directory, made with qemu-img.

Layout: ``volume-<id>.<fmt>`` for volumes. Snapshots:

- of a qcow2 volume: an internal qcow2 snapshot named ``snapshot-<id>`` inside the
  volume file (``qemu-img snapshot -c``: point in time, copy-on-write, nothing copied).
  While the volume is attached, the QEMU process holding the file has its lock, so the
  volume manager has the hypervisor take it instead (compute's assisted volume
  snapshots: QMP ``blockdev-snapshot-internal-sync``) and then records it here
  (``snapshot_taken``). A volume made from it is ``qemu-img convert -l
  snapshot.name=...``; delete is ``qemu-img snapshot -d`` (or QMP while attached).
- of a raw volume (raw files cannot hold snapshots): ``snapshot-<id>.qcow2``, a full
  copy. While the volume is free, ``qemu-img convert``; while attached, QEMU makes the
  copy (assisted snapshot of type ``backup``: QMP ``drive-backup`` with sync full into
  ``.snapshot-<id>.qcow2.part``, copy-before-write, so the copy is the disk as of the
  job's start while the guest keeps writing), renamed into place here.

Every create writes a ``.<name>.part`` file first and renames it into place when
complete, so a failure (or a crash) never leaves a half-made volume under a real name.

Images are streamed in from the caller's iterator: a raw image going to a raw volume is
written straight into the volume file (zero runs are skipped, so the file stays sparse);
any other pair goes through a temporary file and ``qemu-img convert`` (tried for raw
into qcow2: streaming into qemu-nbd was slower here than the staging file and convert,
which runs from the page cache).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pocketstack.volume.backends import qemuimg
from pocketstack.volume.backends.base import BackendError, BackendFull, Capacity, GiB, VolumeBackend
from pocketstack.volume.backends.streams import write_stream

READ_CHUNK = 4 * 1024 * 1024
# Empty qcow2 images kept in memory, by size (about 200 KiB for 1 GiB).
TEMPLATES_KEPT = 8


class FileBackend(VolumeBackend):
    name = "file"

    def __init__(self, directory: Path, *, volume_format: str = "raw", capacity_gb: int = 1000) -> None:
        if volume_format not in ("raw", "qcow2"):
            raise ValueError(f"volume_format must be raw or qcow2, not {volume_format!r}")
        self.directory = directory
        self.format = volume_format
        self.total_gb = capacity_gb
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sizes: dict[str, int] = {}
        self._templates: dict[int, bytes] = {}
        self._template_lock = asyncio.Lock()
        self._scan()

    # --- bookkeeping ----------------------------------------------------------------------
    def _scan(self) -> None:
        """Sizes of what is already on disk (after a restart), without a subprocess."""
        for path in self.directory.iterdir():
            if path.name.startswith("."):
                # A .part left by a crash mid-create: never a real volume.
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            try:
                size = qemuimg.qcow2_virtual_size(path) if path.suffix == ".qcow2" else path.stat().st_size
                internal = qemuimg.qcow2_snapshot_names(path) if path.name.startswith("volume-") else []
            except (OSError, BackendError):
                continue
            self._sizes[path.name] = -(-size // GiB)
            for name in internal:
                # A snapshot counts as its volume's size, as in the API.
                self._sizes[f"{path.name}@{name}"] = -(-size // GiB)

    def capacity(self) -> Capacity:
        return Capacity(self.total_gb, sum(self._sizes.values()))

    def _room_for(self, size: int) -> None:
        free = self.capacity().free_gb
        if size > free:
            raise BackendError(f"Insufficient free space on the file backend: {size} GiB requested, {free} GiB free")

    def _volume_path(self, volume_id: str, location: dict[str, Any] | None = None) -> Path:
        if location and location.get("path"):
            return Path(location["path"])
        return self.directory / f"volume-{volume_id}.{self.format}"

    def _location(self, path: Path, fmt: str) -> dict[str, Any]:
        return {"path": str(path), "format": fmt}

    def _fmt(self, location: dict[str, Any] | None) -> str:
        return str((location or {}).get("format") or self.format)

    async def _build(self, final: Path, size: int, make: Any) -> dict[str, Any]:
        """Run ``make(part_path)``, grow the result to ``size`` and move it into place."""
        self._room_for(size)
        part = final.with_name(f".{final.name}.part")
        self._sizes[final.name] = size  # reserve the space while the copy runs
        try:
            await make(part)
            actual = await self._virtual_size(part, self.format)
            if actual > size * GiB:
                raise BackendError(f"The source is {actual} bytes, larger than the requested volume size of {size} GiB")
            if actual < size * GiB:
                if self.format == "raw":
                    await asyncio.to_thread(os.truncate, part, size * GiB)
                else:
                    await qemuimg.run("resize", "-f", self.format, str(part), str(size * GiB))
            os.replace(part, final)
        except BaseException as exc:
            self._sizes.pop(final.name, None)
            with contextlib.suppress(OSError):
                part.unlink()
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                # The disk under the directory filled up (the capacity we report is
                # configured, not measured): a clear reason on the volume, no traceback.
                raise BackendFull(
                    f"The file backend ran out of space in {self.directory}: {os.strerror(exc.errno)}"
                ) from None
            raise
        return self._location(final, self.format)

    async def _virtual_size(self, path: Path, fmt: str) -> int:
        if fmt == "raw":
            return path.stat().st_size
        if fmt == "qcow2":
            return qemuimg.qcow2_virtual_size(path)
        return int((await qemuimg.info(path, fmt))["virtual-size"])

    # --- creates --------------------------------------------------------------------------
    async def create(self, volume_id: str, size: int) -> dict[str, Any]:
        async def make(part: Path) -> None:
            if self.format == "raw":
                # A sparse file of the size is exactly what qemu-img makes, without a process.
                with part.open("wb") as fh:
                    fh.truncate(size * GiB)
                return
            template = await self._empty_qcow2(size)
            await asyncio.to_thread(part.write_bytes, template)

        return await self._build(self._volume_path(volume_id), size, make)

    async def _empty_qcow2(self, size: int) -> bytes:
        """The bytes of an empty qcow2 image of ``size`` GiB. They hold nothing specific to
        a volume, so qemu-img makes them once per size and later creates copy them (a
        qemu-img process per create halved the create rate). A few sizes are kept."""
        async with self._template_lock:  # concurrent first creates of a size make it once
            data = self._templates.get(size)
            if data is None:
                staging = self.directory / f".template-{size}.qcow2.part"
                try:
                    await qemuimg.run("create", "-q", "-f", "qcow2", str(staging), str(size * GiB))
                    data = await asyncio.to_thread(staging.read_bytes)
                finally:
                    with contextlib.suppress(OSError):
                        staging.unlink()
                if len(self._templates) >= TEMPLATES_KEPT:
                    self._templates.pop(next(iter(self._templates)))
                self._templates[size] = data
        return data

    async def create_from_image(
        self, volume_id: str, size: int, data: AsyncIterator[bytes], disk_format: str
    ) -> dict[str, Any]:
        source_fmt = qemuimg.GLANCE_TO_QEMU.get(disk_format)
        if source_fmt is None:
            raise BackendError(f"Cannot make a volume from an image in disk format {disk_format!r}")

        async def make(part: Path) -> None:
            if source_fmt == self.format:
                await write_stream(part, data, size * GiB, sparse=self.format == "raw")
                if self.format == "qcow2":
                    await qemuimg.run("check", "-q", "-f", "qcow2", str(part))
                return
            staging = part.with_name(part.name + ".image")
            try:
                await write_stream(staging, data, None, sparse=source_fmt == "raw")
                await qemuimg.run("convert", "-q", "-f", source_fmt, "-O", self.format, str(staging), str(part))
            finally:
                with contextlib.suppress(OSError):
                    staging.unlink()

        return await self._build(self._volume_path(volume_id), size, make)

    async def create_from_snapshot(
        self, volume_id: str, size: int, snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> dict[str, Any]:
        source = Path(snapshot_location.get("path") or self.directory / f"snapshot-{snapshot_id}.qcow2")
        internal = snapshot_location.get("internal")
        return await self._copy(
            self._volume_path(volume_id), size, source, self._fmt(snapshot_location), internal=internal
        )

    async def clone(self, volume_id: str, size: int, source_id: str, source_location: dict[str, Any]) -> dict[str, Any]:
        source = self._volume_path(source_id, source_location)
        return await self._copy(self._volume_path(volume_id), size, source, self._fmt(source_location))

    async def _copy(
        self, final: Path, size: int, source: Path, source_fmt: str, *, internal: str | None = None
    ) -> dict[str, Any]:
        if not source.exists():
            raise BackendError(f"The source {source.name} is not on the file backend")
        # -l: read the internal snapshot; -U: also while a VM has the volume open (a
        # snapshot's clusters are never written again, so the read is consistent).
        snap = ["-l", f"snapshot.name={internal}"] if internal else []

        async def make(part: Path) -> None:
            await qemuimg.run("convert", "-q", "-U", *snap, "-f", source_fmt, "-O", self.format, str(source), str(part))

        return await self._build(final, size, make)

    # --- the rest -------------------------------------------------------------------------
    async def delete(self, volume_id: str, location: dict[str, Any]) -> None:
        path = self._volume_path(volume_id, location)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for key in [k for k in self._sizes if k == path.name or k.startswith(f"{path.name}@")]:
            del self._sizes[key]

    async def extend(self, volume_id: str, location: dict[str, Any], new_size: int) -> None:
        path = self._volume_path(volume_id, location)
        if not path.exists():
            raise BackendError(f"Volume {volume_id} is not on the file backend")
        fmt = self._fmt(location)
        current = await self._virtual_size(path, fmt)
        if new_size * GiB < current:
            raise BackendError(f"Cannot shrink volume {volume_id} to {new_size} GiB")
        self._room_for(new_size - -(-current // GiB))
        if fmt == "raw":
            # Growing a raw file is a truncate: no process, and no image lock to take, so
            # it also works while a VM has the volume open (the VM is then told to look).
            await asyncio.to_thread(os.truncate, path, new_size * GiB)
        else:
            await qemuimg.run("resize", "-q", "-f", fmt, str(path), str(new_size * GiB))
        self._sizes[path.name] = new_size

    # --- snapshots ----------------------------------------------------------------------
    @staticmethod
    def _snapshot_name(snapshot_id: str) -> str:
        return f"snapshot-{snapshot_id}"

    def assisted_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> dict[str, Any]:
        path = self._volume_path("", location)
        if self._fmt(location) == "qcow2":
            return {"type": "internal", "name": self._snapshot_name(snapshot_id), "path": str(path)}
        # raw: QEMU copies the disk as of the job's start into a new qcow2 file next to
        # the volume (drive-backup, sync full), which becomes the snapshot file.
        self._room_for(self._sizes.get(path.name, 0))
        return {"type": "backup", "target": str(self._snapshot_part(snapshot_id))}

    def _snapshot_part(self, snapshot_id: str) -> Path:
        return self.directory / f".snapshot-{snapshot_id}.qcow2.part"

    async def snapshot_taken(
        self, snapshot_id: str, volume_id: str, location: dict[str, Any], info: dict[str, Any]
    ) -> dict[str, Any]:
        path = self._volume_path(volume_id, location)
        if info.get("type") == "backup":
            part = Path(info["target"])
            final = self.directory / f"snapshot-{snapshot_id}.qcow2"
            try:
                size = qemuimg.qcow2_virtual_size(part)
            except (OSError, BackendError):
                raise BackendError(
                    f"The hypervisor reported a copy of {volume_id}, but {part.name} is not one"
                ) from None
            os.replace(part, final)
            self._sizes[final.name] = -(-size // GiB)
            return self._location(final, "qcow2")
        name = self._snapshot_name(snapshot_id)
        if name not in await asyncio.to_thread(qemuimg.qcow2_snapshot_names, path):
            raise BackendError(f"The hypervisor reported snapshot {name}, but {path.name} does not hold it")
        self._sizes[f"{path.name}@{name}"] = -(-qemuimg.qcow2_virtual_size(path) // GiB)
        return {"path": str(path), "format": "qcow2", "internal": name}

    def snapshot_abandoned(self, snapshot_id: str, info: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            self._snapshot_part(snapshot_id).unlink()

    def snapshot_removed(self, snapshot_id: str, location: dict[str, Any]) -> None:
        self._sizes.pop(f"{Path(location.get('path') or '').name}@{location.get('internal')}", None)

    async def extend_by_host(self, volume_id: str, location: dict[str, Any], new_size: int) -> bool:
        if self._fmt(location) != "qcow2":
            return False  # raw: a truncate here, QEMU only re-reads the size
        # qcow2: QEMU holds the image lock, and only its qcow2 driver may grow the
        # metadata of an open image (QMP block_resize on the format node).
        path = self._volume_path(volume_id, location)
        current = -(-qemuimg.qcow2_virtual_size(path) // GiB)
        if new_size < current:
            raise BackendError(f"Cannot shrink volume {volume_id} to {new_size} GiB")
        self._room_for(new_size - current)
        return True

    def extended(self, volume_id: str, location: dict[str, Any], new_size: int) -> None:
        self._sizes[self._volume_path(volume_id, location).name] = new_size

    async def create_snapshot(self, snapshot_id: str, volume_id: str, location: dict[str, Any]) -> dict[str, Any]:
        source = self._volume_path(volume_id, location)
        if not source.exists():
            raise BackendError(f"Volume {volume_id} is not on the file backend")
        fmt = self._fmt(location)
        size = -(-(await self._virtual_size(source, fmt)) // GiB)
        if fmt == "qcow2":
            # Offline only: qemu-img takes the image's write lock, so a file a VM holds
            # fails here rather than being changed under it (in use: assisted_snapshot).
            name = self._snapshot_name(snapshot_id)
            self._room_for(size)
            await qemuimg.run("snapshot", "-c", name, str(source))
            self._sizes[f"{source.name}@{name}"] = size
            return {"path": str(source), "format": "qcow2", "internal": name}
        final = self.directory / f"snapshot-{snapshot_id}.qcow2"
        self._room_for(size)
        part = final.with_name(f".{final.name}.part")
        self._sizes[final.name] = size
        try:
            await qemuimg.run("convert", "-q", "-U", "-f", fmt, "-O", "qcow2", str(source), str(part))
            os.replace(part, final)
        except BaseException:
            self._sizes.pop(final.name, None)
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        return self._location(final, "qcow2")

    async def unmanage(self, volume_id: str, location: dict[str, Any]) -> None:
        # The file stays where it is (and keeps taking its space); only the API forgets it.
        if not self._volume_path(volume_id, location).exists():
            raise BackendError(f"Volume {volume_id} is not on the file backend")

    async def manageable(self, managed: set[str]) -> list[dict[str, Any]]:
        out = []
        for path in sorted(self.directory.glob("volume-*")):
            ident = path.name.removeprefix("volume-").rsplit(".", 1)[0]
            if ident in managed or path.suffix not in (".raw", ".qcow2"):
                continue
            size = await self._virtual_size(path, path.suffix[1:])
            out.append({"name": f"volume-{ident}", "size": -(-size // GiB)})
        return out

    async def manage_existing(self, volume_id: str, name: str) -> tuple[dict[str, Any], int]:
        stem = name.rsplit("/", 1)[-1]
        for fmt in ("raw", "qcow2"):
            source = self.directory / (stem if stem.endswith(f".{fmt}") else f"{stem}.{fmt}")
            if source.exists():
                break
        else:
            raise BackendError(f"Nothing named {name} to manage on the file backend")
        fmt = source.suffix[1:]
        target = self.directory / f"volume-{volume_id}.{fmt}"
        size = -(-(await self._virtual_size(source, fmt)) // GiB)
        # As Cinder's LVM driver renames the volume it adopts: the file takes the new id.
        os.replace(source, target)
        self._sizes.pop(source.name, None)
        self._sizes[target.name] = size
        return self._location(target, fmt), size

    async def unmanage_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None:
        # The copy file or the internal snapshot stays (and keeps its space).
        return None

    async def manageable_snapshots(self, in_use: list[dict[str, Any]]) -> list[dict[str, Any]]:
        taken = {(str(x.get("path")), str(x.get("internal") or "")) for x in in_use}
        out = []
        for path in sorted(self.directory.glob("volume-*.qcow2")):
            size = -(-qemuimg.qcow2_virtual_size(path) // GiB)
            for name in await asyncio.to_thread(qemuimg.qcow2_snapshot_names, path):
                if (str(path), name) not in taken:
                    out.append({"name": name, "size": size, "volume": path.name.rsplit(".", 1)[0]})
        for path in sorted(self.directory.glob("snapshot-*.qcow2")):
            if (str(path), "") not in taken:
                size = -(-qemuimg.qcow2_virtual_size(path) // GiB)
                out.append({"name": path.name.removesuffix(".qcow2"), "size": size, "volume": None})
        return out

    async def manage_existing_snapshot(
        self, snapshot_id: str, name: str, volume_id: str, volume_location: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        stem = name.rsplit("/", 1)[-1].removesuffix(".qcow2")
        volume = self._volume_path(volume_id, volume_location)
        if self._fmt(volume_location) == "qcow2" and volume.exists():
            if stem in await asyncio.to_thread(qemuimg.qcow2_snapshot_names, volume):
                # An internal snapshot keeps its name inside the volume's file.
                size = -(-qemuimg.qcow2_virtual_size(volume) // GiB)
                return {"path": str(volume), "format": "qcow2", "internal": stem}, size
        copy = self.directory / f"{stem}.qcow2"
        if not stem.startswith("snapshot-") or not copy.exists():
            raise BackendError(f"Volume {volume_id} has no snapshot named {name} on the file backend")
        return self._location(copy, "qcow2"), -(-qemuimg.qcow2_virtual_size(copy) // GiB)

    async def revert(
        self, volume_id: str, location: dict[str, Any], snapshot_id: str, snapshot_location: dict[str, Any]
    ) -> None:
        target = self._volume_path(volume_id, location)
        if not target.exists():
            raise BackendError(f"Volume {volume_id} is not on the file backend")
        internal = snapshot_location.get("internal")
        if internal:
            # A qcow2 volume's own snapshot: apply it in place (its other snapshots stay).
            await qemuimg.run("snapshot", "-a", str(internal), str(target))
            return
        source = Path(snapshot_location.get("path") or self.directory / f"snapshot-{snapshot_id}.qcow2")
        if not source.exists():
            raise BackendError(f"Snapshot {snapshot_id} is not on the file backend")
        # A copy: convert it beside the volume, then swap it in (a raw volume has no
        # snapshots of its own to keep).
        part = target.with_name(f".{target.name}.revert")
        try:
            fmt = self._fmt(location)
            await qemuimg.run("convert", "-q", "-f", self._fmt(snapshot_location), "-O", fmt, str(source), str(part))
            os.replace(part, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()

    async def delete_snapshot(self, snapshot_id: str, location: dict[str, Any]) -> None:
        path = Path(location.get("path") or self.directory / f"snapshot-{snapshot_id}.qcow2")
        internal = location.get("internal")
        if internal:
            if path.exists() and internal in await asyncio.to_thread(qemuimg.qcow2_snapshot_names, path):
                await qemuimg.run("snapshot", "-d", str(internal), str(path))
            self.snapshot_removed(snapshot_id, location)
            return
        for leftover in (path, self._snapshot_part(snapshot_id)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        self._sizes.pop(path.name, None)

    async def connection_info(
        self, volume_id: str, location: dict[str, Any], connector: dict[str, Any]
    ) -> dict[str, Any]:
        path = self._volume_path(volume_id, location)
        if not path.exists():
            raise BackendError(f"Volume {volume_id} is not on the file backend")
        return {
            "driver_volume_type": "file",
            "data": {"path": str(path), "format": self._fmt(location), "access_mode": "rw", "volume_id": volume_id},
        }

    async def read(self, volume_id: str, location: dict[str, Any], disk_format: str = "raw") -> AsyncIterator[bytes]:
        if disk_format not in ("raw", "qcow2"):
            raise BackendError(f"The file backend writes raw or qcow2 images, not {disk_format}")
        path = self._volume_path(volume_id, location)
        fmt = self._fmt(location)
        staging: Path | None = None
        if fmt != "raw" or disk_format != "raw":
            # A converted copy (qcow2 cannot be written to a pipe: qemu-img seeks): from a
            # qcow2 volume it leaves out the internal snapshots, and it is compact.
            staging = self.directory / f".read-{volume_id}.{disk_format}.part"
            await qemuimg.run("convert", "-q", "-U", "-f", fmt, "-O", disk_format, str(path), str(staging))
            path = staging
        try:
            with path.open("rb") as fh:
                while True:
                    chunk = await asyncio.to_thread(fh.read, READ_CHUNK)
                    if not chunk:
                        return
                    yield chunk
        finally:
            if staging is not None:
                with contextlib.suppress(OSError):
                    staging.unlink()

    async def virtual_size(self, volume_id: str, location: dict[str, Any]) -> int:
        return await self._virtual_size(self._volume_path(volume_id, location), self._fmt(location))

    async def exists(self, volume_id: str, location: dict[str, Any]) -> bool:
        return self._volume_path(volume_id, location).exists()
