"""The host's image cache: each image fetched from the image service once, then shared.

An entry is ``<image id>`` (the data, in the format QEMU opens it with) plus
``<image id>.json`` (format, virtual size, the hash it was verified against). A fetch
streams the data to a ``.part`` file while hashing it, refuses data whose hash differs
from the image record's (``os_hash_value``, else the MD5 ``checksum``), checks qcow2
data with ``qemu-img check`` (a corrupt image fails here, with a clear message, rather
than as a guest that never boots) and converts formats QEMU should not run from
directly (vmdk, vdi, vhd...) to qcow2. Concurrent spawns of one image wait for a single
fetch. Entries no instance uses are removed once unused for ``max_age`` seconds: the
file's mtime is the last time an instance was seen using it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pocketstack.compute.virt.qemu import disks

log = logging.getLogger(__name__)

# disk_format -> the format QEMU opens the cached file with ("" = keep as is).
_RAW_FORMATS = {"raw", "ami", "aki", "ari", "iso"}
_CONVERTED = {"vmdk", "vdi", "vhd", "vhdx", "qed"}


class ImageSource(Protocol):
    """Where image records and data come from (the image API, or a test's directory)."""

    async def metadata(self, image_id: str) -> dict[str, Any]: ...

    def data(self, image_id: str) -> AsyncIterator[bytes]: ...


class ImageError(Exception):
    """The image cannot be used on this host; the message says why."""


@dataclass(frozen=True)
class CachedImage:
    image_id: str
    path: Path
    format: str
    virtual_size: int


class ImageCache:
    def __init__(self, directory: Path, source: ImageSource, max_age: float) -> None:
        self.directory = directory
        self.source = source
        self.max_age = max_age
        self._locks: dict[str, asyncio.Lock] = {}
        # Fetches done by this process (for tests and the benchmark: a second boot is a hit).
        self.fetches = 0

    def _paths(self, image_id: str) -> tuple[Path, Path]:
        if not image_id or "/" in image_id or image_id.startswith("."):
            raise ImageError(f"invalid image id {image_id!r}")
        return self.directory / image_id, self.directory / f"{image_id}.json"

    async def get(self, image_id: str, record: dict[str, Any] | None = None) -> CachedImage:
        """The cached image, fetched first if needed; ``record`` saves a metadata request."""
        data_path, meta_path = self._paths(image_id)
        lock = self._locks.setdefault(image_id, asyncio.Lock())
        async with lock:
            if meta_path.exists() and data_path.exists():
                meta = json.loads(meta_path.read_text())
            else:
                meta = await self._fetch(image_id, record, data_path, meta_path)
            os.utime(data_path)
            return CachedImage(image_id, data_path, meta["format"], int(meta["virtual_size"]))

    async def _fetch(
        self, image_id: str, record: dict[str, Any] | None, data_path: Path, meta_path: Path
    ) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        if record is None or record.get("id") != image_id:
            record = await self.source.metadata(image_id)
        if record.get("status", "active") != "active":
            raise ImageError(f"image {image_id} is {record.get('status')}, not active")
        disk_format = str(record.get("disk_format") or "raw")
        part = data_path.with_name(data_path.name + ".part")
        converted = data_path.with_name(data_path.name + ".conv")
        try:
            await self._download(image_id, record, part)
            if disk_format == "qcow2":
                await disks.check_qcow2(part)
                fmt = "qcow2"
            elif disk_format in _CONVERTED:
                await disks.convert(part, disk_format, converted, "qcow2")
                os.replace(converted, part)
                fmt = "qcow2"
            elif disk_format in _RAW_FORMATS:
                fmt = "raw"
            else:
                raise ImageError(f"image {image_id} has disk_format {disk_format!r}, which this host cannot boot")
            size = int((await disks.info(part, fmt))["virtual-size"])
            meta = {"format": fmt, "virtual_size": size, "disk_format": disk_format, "fetched": time.time()}
            meta_path.write_text(json.dumps(meta))
            os.replace(part, data_path)
        except disks.DiskError as exc:
            raise ImageError(f"image {image_id} is not a usable {disk_format} image: {exc}") from None
        finally:
            part.unlink(missing_ok=True)
            converted.unlink(missing_ok=True)
        self.fetches += 1
        log.info("image cache: fetched %s (%s, %d bytes virtual)", image_id, fmt, size)
        return meta

    async def _download(self, image_id: str, record: dict[str, Any], part: Path) -> None:
        algo = str(record.get("os_hash_algo") or "")
        expected = str(record.get("os_hash_value") or "")
        if not (algo and expected and algo in hashlib.algorithms_available):
            algo, expected = "md5", str(record.get("checksum") or "")
        digest = hashlib.new(algo)
        with part.open("wb") as fh:
            async for chunk in self.source.data(image_id):
                digest.update(chunk)
                await asyncio.to_thread(fh.write, chunk)
        if expected and digest.hexdigest() != expected:
            raise ImageError(
                f"image {image_id}: data does not match its {algo} hash "
                f"(expected {expected[:16]}..., got {digest.hexdigest()[:16]}...)"
            )

    def entries(self) -> list[str]:
        if not self.directory.exists():
            return []
        return sorted(p.name[: -len(".json")] for p in self.directory.glob("*.json"))

    def prune(self, in_use: set[str], now: float | None = None) -> list[str]:
        """Remove entries unused for ``max_age``; mark the used ones as used now."""
        now = time.time() if now is None else now
        removed = []
        for image_id in self.entries():
            if image_id in self._locks and self._locks[image_id].locked():
                continue
            data_path, meta_path = self._paths(image_id)
            if image_id in in_use:
                if data_path.exists():
                    os.utime(data_path, (now, now))
                continue
            try:
                last_used = data_path.stat().st_mtime
            except FileNotFoundError:
                last_used = 0.0
            if now - last_used >= self.max_age:
                data_path.unlink(missing_ok=True)
                meta_path.unlink(missing_ok=True)
                removed.append(image_id)
        return removed
