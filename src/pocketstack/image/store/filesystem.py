"""The filesystem image store: one file per image under a directory (DATA_DIR/images).

Uploads go to a hidden temporary file and are renamed into place only when complete,
so a cut-off or refused upload never leaves a partial image behind; the temporary file
names its writer's pid, so a process that starts after one was killed mid-upload removes
what it left (``recover``), never a file a live process still writes. A full disk is a
``StoreFull`` (413) and the partial file goes too. All file work and
hashing runs in threads on 1 MiB blocks: the event loop only moves buffers around, and
md5 and sha512 (both release the GIL) are computed on two threads at once because the
two digests together cost more CPU than the disk write.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

from pocketstack.image.store.base import CHUNK_SIZE, StoredData, StoreFull, StoreLimitExceeded, StoreNotFound

# The errors of a full disk: no room, or the file system's quota for our user reached.
_FULL = (errno.ENOSPC, errno.EDQUOT)


class FilesystemStore:
    name = "file"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        # path -> (inode, size, mtime_ns) when written or verified by this process.
        self._seals: dict[Path, tuple[int, int, int]] = {}

    def _path(self, location: str) -> Path:
        # Locations are "file://<absolute path>" as Glance's filesystem store writes them,
        # but only paths inside our directory are ever touched.
        path = Path(location.removeprefix("file://"))
        if path.parent != self.root:
            raise StoreNotFound(f"Image data location {location!r} is not in this store")
        return path

    def location_of(self, key: str) -> str:
        return f"file://{self.root / key}"

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_size: int | None = None) -> StoredData:
        final = self.root / key
        tmp = self.root / f".{key}.{os.getpid()}.{uuid.uuid4().hex}.part"
        fh: BinaryIO = await asyncio.to_thread(open, tmp, "wb")
        md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        pending: asyncio.Future[Any] | None = None
        size = 0
        parts: list[bytes] = []
        buffered = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise StoreLimitExceeded(f"The image data is larger than the {max_size} bytes allowed")
                parts.append(chunk)
                buffered += len(chunk)
                if buffered >= CHUNK_SIZE:
                    block = b"".join(parts)
                    parts.clear()
                    buffered = 0
                    # Keep one block in flight: the loop receives the next one meanwhile.
                    if pending is not None:
                        await pending
                    pending = _write_block(fh, block, md5, sha512)
            if pending is not None:
                await pending
                pending = None
            if parts:
                await _write_block(fh, b"".join(parts), md5, sha512)
            await asyncio.to_thread(fh.close)
            # No fsync: like Glance's filesystem store, the rename is what makes the data
            # visible, and durability across a power cut is not promised for uploads.
            await asyncio.to_thread(os.replace, tmp, final)
        except OSError as exc:
            _discard(fh, tmp, pending)
            if exc.errno in _FULL:
                raise StoreFull(f"Image storage media is full: {os.strerror(exc.errno)} after {size} bytes") from None
            raise
        except BaseException:
            _discard(fh, tmp, pending)
            raise
        await self._seal(final)
        return StoredData(self.location_of(key), size, md5.hexdigest(), sha512.hexdigest())

    async def get(self, location: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(location)
        try:
            fh: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise StoreNotFound(f"No image data at {location}") from None
        remaining = length
        ahead: asyncio.Future[bytes] | None = None
        try:
            if offset:
                await asyncio.to_thread(fh.seek, offset)

            def read_next() -> asyncio.Future[bytes] | None:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                return asyncio.ensure_future(asyncio.to_thread(fh.read, want)) if want > 0 else None

            # Read one block ahead so the disk works while the previous block is sent.
            ahead = read_next()
            while ahead is not None:
                chunk = await ahead
                ahead = None
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                ahead = read_next()
                yield chunk
        finally:
            if ahead is not None and not ahead.done():
                ahead.add_done_callback(lambda _f: fh.close())
            else:
                fh.close()

    async def size(self, location: str) -> int:
        try:
            return (await asyncio.to_thread(os.stat, self._path(location))).st_size
        except FileNotFoundError:
            raise StoreNotFound(f"No image data at {location}") from None

    async def move(self, location: str, key: str) -> str:
        source = self._path(location)
        try:
            await asyncio.to_thread(os.replace, source, self.root / key)
        except FileNotFoundError:
            raise StoreNotFound(f"No image data at {location}") from None
        # A rename keeps inode, size and mtime: intact stays intact under the new name.
        if (seal := self._seals.pop(source, None)) is not None:
            self._seals[self.root / key] = seal
        return self.location_of(key)

    async def delete(self, location: str) -> None:
        path = self._path(location)
        self._seals.pop(path, None)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def intact(self, location: str) -> bool:
        path = self._path(location)
        seal = self._seals.get(path)
        return seal is not None and seal == await _identity(path)

    async def seal(self, location: str) -> None:
        await self._seal(self._path(location))

    async def recover(self) -> tuple[set[str], set[str]]:
        return await asyncio.to_thread(self._recover)

    def _recover(self) -> tuple[set[str], set[str]]:
        writing: set[str] = set()
        dropped: set[str] = set()
        for path in self.root.glob(".*.part"):
            # ".{key}.{pid}.{hex}.part"; an older name without a pid has no live writer.
            stem = path.name[1:].removesuffix(".part").rpartition(".")[0]
            head, _, pid = stem.rpartition(".")
            key = head if pid.isdigit() else stem
            if pid.isdigit() and _alive(int(pid)):
                writing.add(key)
            else:
                path.unlink(missing_ok=True)
                dropped.add(key)
        return writing, dropped

    async def _seal(self, path: Path) -> None:
        identity = await _identity(path)
        if identity is not None:
            self._seals[path] = identity


async def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = await asyncio.to_thread(os.stat, path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process nobody has reaped yet (a zombie) writes nothing any more.
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def _write_block(fh: BinaryIO, block: bytes, md5: Any, sha512: Any) -> asyncio.Future[Any]:
    def write_and_hash() -> None:
        sha512.update(block)
        fh.write(block)

    return asyncio.gather(asyncio.to_thread(md5.update, block), asyncio.to_thread(write_and_hash))


def _discard(fh: BinaryIO, tmp: Path, pending: asyncio.Future[Any] | None) -> None:
    """Drop a half-written upload: unlink now, close once no thread writes to it."""
    tmp.unlink(missing_ok=True)

    def close(_f: Any = None) -> None:
        # On a full disk the close flushes the buffer again and fails again: the file
        # is unlinked already, the error says nothing new.
        with contextlib.suppress(OSError):
            fh.close()

    if pending is not None and not pending.done():
        pending.add_done_callback(close)
    else:
        close()
