"""The object-store backend contract.

Glossary: a *blob* is one immutable stored body, named by the backend (``Blob.id``);
an object's row in the index points at its current blob. Overwriting an object writes
a new blob and the index switches to it in one transaction, so a reader sees the old
body or the new one, never a mix, and concurrent writers of one name cannot interleave.

Postconditions every backend keeps:

- ``put`` returns only once the body is complete and durable; when it raises (the
  stream failed, ``max_size`` was passed, the body's MD5 is not ``expect_md5``, the disk
  is full, the task was cancelled) nothing of it is left visible.
- ``get`` yields the bytes of ``[offset, offset + length)`` and raises BlobNotFound
  before the first byte if the blob is gone.
- ``copy`` gives a new blob with the same bytes (a hard link where it can).
- ``delete`` of a missing blob succeeds.
- ``recover`` (at start) removes what writers of dead processes left half-written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from pocketstack.common.errors import NotFound, TooLarge

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Blob:
    id: str
    size: int
    md5: str


class BlobTooLarge(TooLarge):
    """More bytes than ``max_size`` arrived; nothing was kept."""


class BackendFull(TooLarge):
    """The disk (or the file system's quota) is full; nothing was kept."""


class BlobNotFound(NotFound):
    """No blob by that id."""


class BlobMismatch(Exception):
    """The body's MD5 is not the one the client declared; nothing was kept."""

    def __init__(self, md5: str) -> None:
        super().__init__(md5)
        self.md5 = md5


class ObjectBackend(Protocol):
    name: str

    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        max_size: int | None = None,
        expect_md5: str | None = None,
        meta: dict[str, str] | None = None,
    ) -> Blob:
        """Store the stream as a new blob filed under ``key`` (a hash of the object's
        path); ``meta`` is kept beside it. See the postconditions."""
        ...

    def get(self, blob: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]: ...

    async def copy(self, blob: str, key: str, meta: dict[str, str] | None = None) -> str: ...

    async def delete(self, blob: str) -> None: ...

    async def recover(self) -> int:
        """Remove the partial writes of dead processes; how many were removed."""
        ...
