"""qemu-img as an async subprocess, and the qcow2 header fields the backend reads."""

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


def qcow2_snapshot_names(path: Path) -> list[str]:
    """Names of the internal snapshots, from the header's snapshot table (no subprocess).

    Header: nb_snapshots (u32) at 60, snapshots_offset (u64) at 64. Each table entry:
    40 fixed bytes (id_str_size u16 at 12, name_size u16 at 14, extra_data_size u32 at
    36), then extra data, id string and name, padded to a multiple of 8."""
    names: list[str] = []
    with path.open("rb") as fh:
        header = fh.read(72)
        if len(header) < 72 or header[:4] != b"QFI\xfb":
            raise BackendError(f"{path.name} is not a qcow2 file")
        count, offset = struct.unpack(">IQ", header[60:72])
        fh.seek(offset)
        for _ in range(count):
            fixed = fh.read(40)
            if len(fixed) < 40:
                raise BackendError(f"{path.name}: the snapshot table is cut short")
            id_size, name_size = struct.unpack(">HH", fixed[12:16])
            (extra_size,) = struct.unpack(">I", fixed[36:40])
            rest = fh.read(extra_size + id_size + name_size)
            names.append(rest[extra_size + id_size :].decode(errors="replace"))
            used = 40 + extra_size + id_size + name_size
            fh.seek(-used % 8, 1)
    return names
