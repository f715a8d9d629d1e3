"""The image-store contract.

Glossary: a *location* is the store's own name for stored data (opaque to callers);
``put`` consumes an async stream of chunks and returns the location with the size and
the md5 and sha512 digests computed while writing.

Postconditions every backend keeps:

- ``put`` either returns after the data is complete and durable under its location, or
  raises and leaves nothing behind (no partial file), whatever the reason: the stream
  raised (a client cut the upload off), ``max_size`` was passed, the disk failed, or the
  task was cancelled.
- ``get`` streams the bytes of ``[offset, offset + length)``; it raises StoreNotFound
  before yielding anything if the location is gone.
- ``put`` on a full disk raises ``StoreFull`` (413, as Glance's StorageFull), nothing kept.
- ``delete`` of a missing location succeeds (deleting is idempotent).
- ``recover`` (at start) removes what uploads of dead processes left half-written and
  returns the keys live processes are still writing and the keys whose partial data
  it removed.
- ``intact`` is True only for data this store wrote (``put``, ``move``) or was told was
  verified (``seal``) and that has not changed since, as far as the store can see
  without reading it (a file's inode, size and modification time). Downloads skip
  hashing intact data: the digests computed while writing still hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from pocketstack.common.errors import NotFound, TooLarge

# Large chunks keep the per-chunk Python overhead small next to the disk and hash work.
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredData:
    location: str
    size: int
    md5: str
    sha512: str


class StoreLimitExceeded(TooLarge):
    """``put`` was given more bytes than ``max_size``; nothing was kept."""


class StoreFull(TooLarge):
    """The store's disk is full (or the quota of its file system reached); nothing was kept."""


class StoreNotFound(NotFound):
    """The location holds no data."""


class ImageStore(Protocol):
    name: str

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_size: int | None = None) -> StoredData:
        """Store the stream under a location derived from ``key``; see the postconditions."""
        ...

    def get(self, location: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """Stream stored bytes from ``offset`` (``length`` bytes, or to the end)."""
        ...

    async def size(self, location: str) -> int:
        """Bytes stored under ``location``; StoreNotFound if none."""
        ...

    async def move(self, location: str, key: str) -> str:
        """Take over data stored by another store of the same kind (staging -> store)."""
        ...

    async def delete(self, location: str) -> None:
        """Remove the data; a missing location is not an error."""
        ...

    async def intact(self, location: str) -> bool:
        """Unchanged since written or sealed (see the postconditions)."""
        ...

    async def seal(self, location: str) -> None:
        """The data was just read whole and matched its digests: remember it as intact."""
        ...

    async def recover(self) -> tuple[set[str], set[str]]:
        """Drop partial uploads of dead processes; (keys still being written, keys dropped)."""
        ...
