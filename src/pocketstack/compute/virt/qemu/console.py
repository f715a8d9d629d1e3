"""The serial console log: QEMU appends to a file, the driver keeps it bounded.

QEMU opens the log with ``append=on`` (O_APPEND), so the driver may truncate it under
QEMU's feet: the next write lands at the new end. Rotation copies the current log to
``console.log.1`` (replacing the older one) and truncates it, so at most twice the
configured size is kept, and the output shown is the old file followed by the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def rotate(log: Path, old: Path, max_bytes: int) -> bool:
    """Rotate ``log`` into ``old`` when it is larger than ``max_bytes``; True if it did."""
    try:
        size = log.stat().st_size
    except FileNotFoundError:
        return False
    if size <= max_bytes:
        return False
    tmp = old.with_name(old.name + ".tmp")
    shutil.copyfile(log, tmp)
    os.replace(tmp, old)
    os.truncate(log, 0)
    return True


def read(log: Path, old: Path, max_bytes: int) -> str:
    """The console so far: the rotated part then the current one, at most ``2 * max_bytes``."""
    parts = []
    for path in (old, log):
        try:
            with path.open("rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - max_bytes))
                parts.append(fh.read())
        except FileNotFoundError:
            continue
    return b"".join(parts).decode(errors="replace")
