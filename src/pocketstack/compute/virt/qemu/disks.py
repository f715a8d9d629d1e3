"""Disk files of an instance, made with qemu-img (and mke2fs for ephemeral disks).

- root: a qcow2 overlay backed by the cached base image, grown to the flavor's size;
- ephemeral: a sparse raw file with an ext4 file system labelled ``ephemeral0``;
- swap: a sparse raw file with a Linux swap signature (what ``mkswap`` writes).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import struct
import uuid as uuidlib
from pathlib import Path
from typing import Any

GIB = 1024**3
PAGE = 4096


class DiskError(Exception):
    """A disk could not be made or an image is not usable; the message says why."""


async def run(*argv: str, timeout: float = 120.0) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise DiskError(f"{argv[0]} {argv[1]} took longer than {timeout:g}s") from None
    if proc.returncode != 0:
        message = " ".join(err.decode(errors="replace").split()) or f"exit status {proc.returncode}"
        raise DiskError(f"{Path(argv[0]).name} {argv[1]} failed: {message[-400:]}")
    return out.decode(errors="replace")


async def info(path: Path, fmt: str | None = None) -> dict[str, Any]:
    argv = ["qemu-img", "info", "--output=json"]
    if fmt:
        argv += ["-f", fmt]
    data: dict[str, Any] = json.loads(await run(*argv, str(path)))
    return data


async def check_qcow2(path: Path) -> None:
    """Raise DiskError unless ``path`` is a consistent qcow2 file without a backing file."""
    found = await info(path)
    if found.get("format") != "qcow2":
        raise DiskError(f"the image data is {found.get('format')!r}, not qcow2")
    if found.get("backing-filename") or found.get("full-backing-filename"):
        raise DiskError("qcow2 images with a backing file are refused")
    await run("qemu-img", "check", "-q", "-f", "qcow2", str(path))


async def convert(source: Path, source_fmt: str, target: Path, target_fmt: str) -> None:
    await run("qemu-img", "convert", "-q", "-f", source_fmt, "-O", target_fmt, str(source), str(target), timeout=600)


async def overlay(base: Path, base_fmt: str, target: Path, size_bytes: int) -> None:
    await run(
        "qemu-img", "create", "-q", "-f", "qcow2", "-F", base_fmt, "-b", str(base.resolve()), str(target),
        str(size_bytes),
    )  # fmt: skip


async def ephemeral(target: Path, size_gb: int) -> None:
    mke2fs = shutil.which("mke2fs") or shutil.which("mke2fs", path="/usr/sbin:/sbin")
    with target.open("wb") as fh:
        fh.truncate(size_gb * GIB)
    if mke2fs:
        await run(mke2fs, "-q", "-F", "-t", "ext4", "-L", "ephemeral0", str(target))


def swap(target: Path, size_mb: int) -> None:
    """A swap area as ``mkswap`` lays it out: header in the first page, magic at its end."""
    size = size_mb * 1024 * 1024
    pages = size // PAGE
    if pages < 10:
        raise DiskError(f"a swap disk of {size_mb} MB is too small")
    header = bytearray(PAGE)
    # Offset 1024: version 1, last page, no bad pages, uuid, label "swap0".
    struct.pack_into("<III", header, 1024, 1, pages - 1, 0)
    header[1036:1052] = uuidlib.uuid4().bytes
    header[1052:1057] = b"swap0"
    header[PAGE - 10 :] = b"SWAPSPACE2"
    with target.open("wb") as fh:
        fh.write(header)
        fh.truncate(size)
