"""Helpers for tests of the qemu driver: images served from local files, the tiny guest.

``FileImageSource`` plays the image API for the driver's image cache: records with the
same fields (``disk_format``, ``os_hash_algo``/``os_hash_value``, ``checksum``,
``kernel_id``...) and data streamed from a file, so the cache's fetch, hash check and
conversion run for real without a cloud around them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid as uuidlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pocketstack.image.tiny import TinyArtifacts

CHUNK = 1024 * 1024


def qemu_missing() -> str | None:
    """Why this machine cannot run qemu driver tests, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, taps)"
    for tool in ("qemu-system-x86_64", "qemu-img", "ip"):
        if not (shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")):
            return f"{tool} not found (run scripts/setup.sh)"
    return None


class FileImageSource:
    def __init__(self) -> None:
        self.images: dict[str, tuple[dict[str, Any], Path]] = {}
        self.downloads: list[str] = []

    def add(self, path: Path, disk_format: str, *, image_id: str | None = None, **properties: Any) -> dict[str, Any]:
        """Register ``path`` as an active image; returns its record (as GET /v2/images/ID)."""
        sha512 = hashlib.sha512()
        md5 = hashlib.md5()
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                sha512.update(chunk)
                md5.update(chunk)
        image_id = image_id or str(uuidlib.uuid4())
        record = {
            "id": image_id,
            "name": path.name,
            "status": "active",
            "disk_format": disk_format,
            "container_format": "bare",
            "size": path.stat().st_size,
            "checksum": md5.hexdigest(),
            "os_hash_algo": "sha512",
            "os_hash_value": sha512.hexdigest(),
            **properties,
        }
        self.images[image_id] = (record, path)
        return record

    async def metadata(self, image_id: str) -> dict[str, Any]:
        from pocketstack.compute.virt.qemu.imagecache import ImageError

        if image_id not in self.images:
            raise ImageError(f"image {image_id} could not be found")
        return dict(self.images[image_id][0])

    async def data(self, image_id: str) -> AsyncIterator[bytes]:
        self.downloads.append(image_id)
        with self.images[image_id][1].open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


def add_tiny(source: FileImageSource, artifacts: TinyArtifacts) -> dict[str, Any]:
    """The three parts of the tiny guest, joined as the cloud publishes them; the root's record."""
    kernel = source.add(artifacts.kernel, "aki")
    ramdisk = source.add(artifacts.initramfs, "ari")
    return source.add(
        artifacts.rootdisk,
        "ami",
        kernel_id=kernel["id"],
        ramdisk_id=ramdisk["id"],
        os_command_line=artifacts.cmdline,
    )
