"""The object-store backend contract (DESIGN §4, ``object/store/base.py``), run against
every backend (the file backend; an S3 one would join the parameter list)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.object.store import BlobMismatch, BlobNotFound, FileBackend, ObjectBackend
from pocketstack.object.store.base import BlobTooLarge

DATA = os.urandom(3 * 1024 * 1024 + 17)
KEY = hashlib.sha256(b"account\0container\0name").hexdigest()


@pytest.fixture(params=["file"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectBackend:
    return FileBackend(tmp_path / "objects")


async def chunks(data: bytes, size: int = 65536, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        if fail_after is not None and start >= fail_after:
            raise ConnectionError("client went away")
        yield data[start : start + size]


async def read(backend: ObjectBackend, blob: str, **kw: int) -> bytes:
    return b"".join([c async for c in backend.get(blob, **kw)])


def visible(backend: ObjectBackend) -> list[Path]:
    assert isinstance(backend, FileBackend)
    return sorted(p for p in backend.root.rglob("*") if p.is_file())


async def test_put_then_get_whole_and_ranges(backend: ObjectBackend) -> None:
    blob = await backend.put(KEY, chunks(DATA), meta={"name": "n"})
    assert blob.size == len(DATA) and blob.md5 == hashlib.md5(DATA).hexdigest()
    assert await read(backend, blob.id) == DATA
    assert await read(backend, blob.id, offset=1000, length=5) == DATA[1000:1005]
    assert await read(backend, blob.id, offset=len(DATA) - 3) == DATA[-3:]


async def test_every_write_is_a_new_blob(backend: ObjectBackend) -> None:
    first = await backend.put(KEY, chunks(b"one"))
    second = await backend.put(KEY, chunks(b"two"))
    assert first.id != second.id
    assert await read(backend, first.id) == b"one" and await read(backend, second.id) == b"two"


@pytest.mark.parametrize("failure", ["stream", "too_large", "mismatch", "cancel"])
async def test_failed_put_leaves_nothing(backend: ObjectBackend, failure: str) -> None:
    before = visible(backend)
    with pytest.raises((ConnectionError, BlobTooLarge, BlobMismatch, asyncio.CancelledError)):
        if failure == "stream":
            await backend.put(KEY, chunks(DATA, fail_after=2 * 1024 * 1024))
        elif failure == "too_large":
            await backend.put(KEY, chunks(DATA), max_size=len(DATA) - 1)
        elif failure == "mismatch":
            await backend.put(KEY, chunks(DATA), expect_md5="0" * 32)
        else:
            task = asyncio.create_task(backend.put(KEY, chunks(DATA, size=1024)))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            task.cancel()
            await task
    assert visible(backend) == before


async def test_copy_delete_and_missing(backend: ObjectBackend) -> None:
    blob = await backend.put(KEY, chunks(b"payload"))
    other = await backend.copy(blob.id, hashlib.sha256(b"other").hexdigest())
    await backend.delete(blob.id)
    await backend.delete(blob.id)  # idempotent
    assert await read(backend, other) == b"payload"
    with pytest.raises(BlobNotFound):
        await read(backend, blob.id)
    with pytest.raises(BlobNotFound):
        await backend.copy(blob.id, KEY)
    for bogus in ("../../etc/passwd", "x/y", f"{KEY}/../../z"):
        with pytest.raises(BlobNotFound):
            await read(backend, bogus)


async def test_metadata_is_kept_beside_the_data(backend: ObjectBackend) -> None:
    blob = await backend.put(KEY, chunks(b"abc"), meta={"name": "the/name"})
    assert isinstance(backend, FileBackend)
    data_file = backend._data(blob.id)
    meta = data_file.with_suffix(".json").read_text()
    assert '"the/name"' in meta and hashlib.md5(b"abc").hexdigest() in meta
    assert "the/name" not in str(data_file)


async def test_recover_removes_partial_writes_of_dead_processes(backend: ObjectBackend) -> None:
    assert isinstance(backend, FileBackend)
    dead = backend.tmp / "999999999.abc.part"
    dead.write_bytes(b"half")
    live = backend.tmp / f"{os.getpid()}.def.part"
    live.write_bytes(b"writing")
    assert await backend.recover() == 1
    assert not dead.exists() and live.exists()
