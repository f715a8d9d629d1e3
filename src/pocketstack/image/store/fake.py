"""An in-memory image store with failure injection, shipped for tests.

It keeps the contract of ``store.base`` (tested by the same suite as the filesystem
store) and can be told to fail: ``fail_put_after`` bytes into the next uploads (as a full
disk would), ``fail_get`` on reads, and ``corrupt`` to flip a stored byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from pocketstack.image.store.base import CHUNK_SIZE, StoredData, StoreLimitExceeded, StoreNotFound


class FakeStoreError(OSError):
    """The failure the fake injects (an OSError, like a real disk failure)."""


class FakeStore:
    name = "fake"

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.fail_put_after: int | None = None
        self.fail_get = False
        self.puts = 0
        self.sealed: set[str] = set()

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_size: int | None = None) -> StoredData:
        self.puts += 1
        parts: list[bytes] = []
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if max_size is not None and size > max_size:
                raise StoreLimitExceeded(f"The image data is larger than the {max_size} bytes allowed")
            if self.fail_put_after is not None and size > self.fail_put_after:
                raise FakeStoreError("injected failure: no space left on device")
            parts.append(chunk)
        data = b"".join(parts)
        location = f"fake://{key}"
        self.blobs[location] = data
        self.sealed.add(location)
        return StoredData(
            location, size, hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha512(data).hexdigest()
        )

    async def get(self, location: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        if location not in self.blobs:
            raise StoreNotFound(f"No image data at {location}")
        if self.fail_get:
            raise FakeStoreError("injected failure: read error")
        data = self.blobs[location]
        end = len(data) if length is None else min(len(data), offset + length)
        for start in range(offset, end, CHUNK_SIZE):
            yield data[start : min(end, start + CHUNK_SIZE)]

    async def size(self, location: str) -> int:
        if location not in self.blobs:
            raise StoreNotFound(f"No image data at {location}")
        return len(self.blobs[location])

    async def move(self, location: str, key: str) -> str:
        if location not in self.blobs:
            raise StoreNotFound(f"No image data at {location}")
        new = f"fake://{key}"
        self.blobs[new] = self.blobs.pop(location)
        if location in self.sealed:
            self.sealed.discard(location)
            self.sealed.add(new)
        return new

    async def delete(self, location: str) -> None:
        self.blobs.pop(location, None)
        self.sealed.discard(location)

    async def intact(self, location: str) -> bool:
        return location in self.sealed and location in self.blobs

    async def seal(self, location: str) -> None:
        if location in self.blobs:
            self.sealed.add(location)

    async def recover(self) -> tuple[set[str], set[str]]:
        # Nothing outlives the process here.
        return set(), set()

    def corrupt(self, location: str) -> None:
        """Flip the last byte of the stored data (same size, different hash)."""
        data = bytearray(self.blobs[location])
        data[-1] ^= 0xFF
        self.blobs[location] = bytes(data)
        self.sealed.discard(location)  # as a changed file's mtime would tell
