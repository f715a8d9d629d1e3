"""Writing an image stream into a volume file: large blocks, positioned writes in worker
threads with a few in flight, zero blocks of a raw file left as holes (the file backend's
data path for a raw image into a raw volume, and for staging files)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

from pocketstack.volume.backends.base import BackendError, GiB

WRITE_CHUNK = 8 * 1024 * 1024
WRITES_IN_FLIGHT = 4


async def write_stream(path: Path, data: AsyncIterator[bytes], limit: int | None, *, sparse: bool) -> None:
    """Write the stream to ``path`` in large blocks; all-zero blocks of a raw file become
    holes. Stops with BackendError once more than ``limit`` bytes came.

    The data path: chunks are gathered in a list and joined once per block (one copy);
    each block goes to a worker thread as a positioned write (pwrite) while the next is
    received, with up to WRITES_IN_FLIGHT blocks being written at once (as qemu-img
    convert keeps several requests in flight: one writer alone left the disk idle
    between blocks), so memory stays at a few blocks."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    pending: list[asyncio.Future[None]] = []
    try:
        parts: list[bytes] = []
        buffered = 0
        offset = 0

        def write_at(block: bytes, at: int) -> None:
            # bytes(n) is calloc'd zero pages; == is a memcmp that stops at the first
            # non-zero byte, so data blocks cost nothing here.
            if sparse and block == bytes(len(block)):
                return
            view = memoryview(block)
            while view:
                done = os.pwrite(fd, view, at)
                view, at = view[done:], at + done

        async def hand_over() -> None:
            nonlocal buffered, offset
            block = parts[0] if len(parts) == 1 else b"".join(parts)
            parts.clear()
            buffered = 0
            if len(pending) >= WRITES_IN_FLIGHT:
                await pending.pop(0)
            pending.append(asyncio.ensure_future(asyncio.to_thread(write_at, block, offset)))
            offset += len(block)

        async for chunk in data:
            if limit is not None and offset + buffered + len(chunk) > limit:
                raise BackendError(f"The image is larger than the requested volume size ({limit // GiB} GiB)")
            parts.append(chunk)
            buffered += len(chunk)
            if buffered >= WRITE_CHUNK:
                await hand_over()
        if parts:
            await hand_over()
        while pending:
            await pending.pop(0)
        # Holes at the end only count once the length is set.
        os.ftruncate(fd, offset)
    finally:
        if pending:
            # Failed mid-stream: let the writes in flight end before the descriptor closes.
            await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
        os.close(fd)
