"""Upload the tiny guest as the public images ``tiny-kernel`` (aki), ``tiny-ramdisk``
(ari) and ``tiny`` (ami, with ``kernel_id``/``ramdisk_id``), as OpenStack joins the
three parts of a split image. Done through the image API like any client would.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx

from pocketstack.image.tiny.build import TinyArtifacts

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as fh:
        while chunk := await fh.read(CHUNK):
            yield chunk


async def _find(client: httpx.AsyncClient, name: str) -> dict[str, Any] | None:
    answer = await client.get("/image/v2/images", params={"name": name})
    answer.raise_for_status()
    images = answer.json()["images"]
    return next((i for i in images if i["status"] == "active"), None)


async def _upload(client: httpx.AsyncClient, name: str, fmt: str, path: Path, **props: str) -> str:
    existing = await _find(client, name)
    if existing is not None:
        return str(existing["id"])
    body = {"name": name, "disk_format": fmt, "container_format": fmt, "visibility": "public", **props}
    created = await client.post("/image/v2/images", json=body)
    created.raise_for_status()
    image_id = str(created.json()["id"])
    put = await client.put(
        f"/image/v2/images/{image_id}/file", content=_chunks(path), headers={"Content-Type": "application/octet-stream"}
    )
    put.raise_for_status()
    return image_id


async def publish_tiny(client: httpx.AsyncClient, artifacts: TinyArtifacts) -> str:
    """Upload what is missing; return the id of the ``tiny`` image. ``client`` carries an admin token."""
    kernel_id = await _upload(client, "tiny-kernel", "aki", artifacts.kernel)
    ramdisk_id = await _upload(client, "tiny-ramdisk", "ari", artifacts.initramfs)
    return await _upload(
        client,
        "tiny",
        "ami",
        artifacts.rootdisk,
        kernel_id=kernel_id,
        ramdisk_id=ramdisk_id,
        os_command_line=artifacts.cmdline,
    )
