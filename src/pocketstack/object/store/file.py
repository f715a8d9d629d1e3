"""The file backend: each blob a file under DATA_DIR/objects, its metadata beside it.

Layout: ``<root>/<key[:2]>/<key>/<version>.data`` and ``<version>.json``, where ``key``
is a SHA-256 of the object's account, container and name (never the name itself, so no
name can reach outside the root or collide with another) and ``version`` is random, so
every write is a new file and the index decides which one is current.

A write goes to ``<root>/tmp/<pid>.<random>.part`` (MD5 computed on the way), is
fsynced, then renamed into place and its directory fsynced: a crash leaves either the
whole blob or a temporary file, which ``recover`` removes once its writer is dead. The
metadata file is written the same way before the data's rename. File work runs in
threads on 1 MiB blocks; the event loop only moves buffers.
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

import orjson

from pocketstack.object.store.base import (
    CHUNK_SIZE,
    BackendFull,
    Blob,
    BlobMismatch,
    BlobNotFound,
    BlobTooLarge,
)

_FULL = (errno.ENOSPC, errno.EDQUOT)
# Writes go in 4 MiB blocks (fewer thread hand-offs; at most two blocks held per upload).
WRITE_BLOCK = 4 * CHUNK_SIZE


class FileBackend:
    name = "file"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    # -- naming -------------------------------------------------------------------------
    def _data(self, blob: str) -> Path:
        key, _, version = blob.partition("/")
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key) or not version.isalnum():
            raise BlobNotFound(f"No stored data named {blob!r}")
        return self.root / key[:2] / key / f"{version}.data"

    def _new(self, key: str) -> tuple[str, Path]:
        version = uuid.uuid4().hex
        blob = f"{key}/{version}"
        return blob, self._data(blob)

    def _part(self) -> Path:
        return self.tmp / f"{os.getpid()}.{uuid.uuid4().hex}.part"

    # -- contract -----------------------------------------------------------------------
    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        max_size: int | None = None,
        expect_md5: str | None = None,
        meta: dict[str, str] | None = None,
    ) -> Blob:
        blob, final = self._new(key)
        part = self._part()
        # Opened on the loop (it does not block for long): a cancellation can then never
        # fall between a thread creating the file and this task holding it.
        fh: BinaryIO = open(part, "wb")  # noqa: ASYNC230
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        block: list[bytes] = []
        held = 0
        # One block in flight (its write and its MD5 on two threads at once) while the
        # loop receives the next one.
        pending: asyncio.Future[Any] | None = None
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise BlobTooLarge(f"Your request is too large: more than {max_size} bytes.")
                block.append(chunk)
                held += len(chunk)
                if held >= WRITE_BLOCK:
                    data = b"".join(block)
                    block.clear()
                    held = 0
                    if pending is not None:
                        await pending
                    pending = _write(fh, data, md5)
            if pending is not None:
                await pending
                pending = None
            if block:
                await _write(fh, b"".join(block), md5)
            digest = md5.hexdigest()
            if expect_md5 is not None and digest != expect_md5:
                raise BlobMismatch(digest)
            await asyncio.to_thread(self._place, fh, part, final, {**(meta or {}), "etag": digest, "size": str(size)})
        except BaseException as exc:
            if pending is not None and not pending.done():
                # A thread still writes this file: let it finish before it goes.
                with contextlib.suppress(BaseException):
                    await pending
            _discard(fh, part)
            if isinstance(exc, OSError) and exc.errno in _FULL:
                raise BackendFull(f"The object store is full ({os.strerror(exc.errno)}); nothing was stored.") from None
            raise
        return Blob(blob, size, digest)

    def _place(self, fh: BinaryIO, part: Path, final: Path, meta: dict[str, str]) -> None:
        """The data made durable, the metadata beside it, both renamed into place and
        their directory synced once. The metadata file is not fsynced on its own: it is
        a copy of the index's row, kept to rebuild an index from the files."""
        _seal(fh)
        final.parent.mkdir(parents=True, exist_ok=True)
        meta_part = self._part()
        try:
            meta_part.write_bytes(orjson.dumps(meta))
            os.replace(meta_part, final.with_suffix(".json"))
        except BaseException:
            meta_part.unlink(missing_ok=True)
            raise
        os.replace(part, final)
        _sync_dir(final.parent)

    async def get(self, blob: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        path = self._data(blob)
        try:
            fh: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(f"No stored data named {blob!r}") from None
        try:
            if offset:
                fh.seek(offset)
            remaining = length
            while remaining is None or remaining > 0:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(fh.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            fh.close()

    async def copy(self, blob: str, key: str, meta: dict[str, str] | None = None) -> str:
        source = self._data(blob)
        new, final = self._new(key)

        def link() -> None:
            final.parent.mkdir(parents=True, exist_ok=True)
            if meta is not None:
                with open(final.with_suffix(".json"), "wb") as fh:
                    fh.write(orjson.dumps(meta))
                    _seal(fh)
            # Blobs never change once written: a second name for the same inode is a copy.
            os.link(source, final)
            _sync_dir(final.parent)

        try:
            await asyncio.to_thread(link)
        except FileNotFoundError:
            raise BlobNotFound(f"No stored data named {blob!r}") from None
        return new

    async def delete(self, blob: str) -> None:
        path = self._data(blob)

        def unlink() -> None:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only when it was the key's last version

        await asyncio.to_thread(unlink)

    async def recover(self) -> int:
        def sweep() -> int:
            removed = 0
            for part in self.tmp.glob("*.part"):
                pid = part.name.split(".", 1)[0]
                if pid.isdigit() and _alive(int(pid)):
                    continue
                part.unlink(missing_ok=True)
                removed += 1
            return removed

        return await asyncio.to_thread(sweep)


def _write(fh: BinaryIO, data: bytes, md5: hashlib._Hash) -> asyncio.Future[Any]:
    return asyncio.gather(asyncio.to_thread(fh.write, data), asyncio.to_thread(md5.update, data))


def _seal(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(fh: BinaryIO, part: Path) -> None:
    with contextlib.suppress(OSError):
        fh.close()
    part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
