"""qemu-img as an async subprocess, and the one qcow2 header field the backend reads."""

from __future__ import annotations

import asyncio
import json
import struct
from pathlib import Path
from typing import Any

from pocketstack.volume.backends.base import BackendError

QEMU_IMG = "qemu-img"
# Image disk formats qemu-img can read, named as Glance names them.
GLANCE_TO_QEMU = {
    "raw": "raw",
    "ami": "raw",
    "qcow2": "qcow2",
    "vmdk": "vmdk",
    "vdi": "vdi",
    "vhd": "vpc",
    "vhdx": "vhdx",
}


async def run(*args: str) -> str:
    """Run ``qemu-img ARGS``; its stdout, or BackendError with its stderr."""
    try:
        proc = await asyncio.create_subprocess_exec(
            QEMU_IMG, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except FileNotFoundError:
        raise BackendError("qemu-img is not installed on the volume host") from None
    out, err = await proc.communicate()
    if proc.returncode != 0:
        detail = err.decode(errors="replace").strip().splitlines()
        raise BackendError(f"qemu-img {args[0]} failed: {detail[-1] if detail else proc.returncode}")
    return out.decode(errors="replace")


async def info(path: Path, fmt: str) -> dict[str, Any]:
    # -U: read even while a running VM holds the image's write lock.
    data: dict[str, Any] = json.loads(await run("info", "-U", "-f", fmt, "--output=json", str(path)))
    return data


def qcow2_virtual_size(path: Path) -> int:
    """Bytes a guest sees, from the header (magic, version, ..., size at offset 24)."""
    with path.open("rb") as fh:
        header = fh.read(32)
    if len(header) < 32 or header[:4] != b"QFI\xfb":
        raise BackendError(f"{path.name} is not a qcow2 file")
    return int(struct.unpack(">Q", header[24:32])[0])
