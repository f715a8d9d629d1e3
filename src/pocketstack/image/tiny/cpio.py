"""A minimal writer for the ``newc`` cpio format the kernel unpacks as an initramfs.

Written in Python rather than with cpio(1) so the archive is reproducible (fixed
mtimes and inode numbers, sorted entries) and can hold device nodes without root.
"""

from __future__ import annotations

import gzip
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Entry:
    """One archive member; ``data`` is the file body or a symlink's target."""

    path: str
    mode: int
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)


def directory(path: str) -> Entry:
    return Entry(path, stat.S_IFDIR | 0o755)


def file(path: str, data: bytes, mode: int = 0o644) -> Entry:
    return Entry(path, stat.S_IFREG | mode, data)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def char_device(path: str, major: int, minor: int, mode: int = 0o600) -> Entry:
    return Entry(path, stat.S_IFCHR | mode, rdev=(major, minor))


def _pad(out: BinaryIO, written: int) -> None:
    out.write(b"\0" * (-written % 4))


def _write_member(out: BinaryIO, ino: int, entry: Entry) -> None:
    name = entry.path.lstrip("/").encode() + b"\0"
    fields = (ino, entry.mode, 0, 0, 1, 0, len(entry.data), 0, 0, entry.rdev[0], entry.rdev[1], len(name), 0)
    header = b"070701" + b"".join(b"%08X" % value for value in fields)
    out.write(header + name)
    _pad(out, len(header) + len(name))
    out.write(entry.data)
    _pad(out, len(entry.data))


def write_archive(out: BinaryIO, entries: list[Entry]) -> None:
    """Write ``entries`` (parents before children: they are sorted by path) and the trailer."""
    for ino, entry in enumerate(sorted(entries, key=lambda e: e.path), start=1):
        _write_member(out, ino, entry)
    _write_member(out, 0, Entry("TRAILER!!!", 0))


def write_gzipped(path: Path, entries: list[Entry]) -> None:
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
        write_archive(out, entries)  # type: ignore[arg-type]
