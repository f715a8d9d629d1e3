"""The image-store contract (DESIGN §4), run against every backend: filesystem and fake."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.image.store import ImageStore, StoreLimitExceeded, StoreNotFound
from pocketstack.image.store.fake import FakeStore
from pocketstack.image.store.filesystem import FilesystemStore

DATA = os.urandom(2 * 1024 * 1024 + 333)


@pytest.fixture(params=["filesystem", "fake"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ImageStore:
    return FilesystemStore(tmp_path / "images") if request.param == "filesystem" else FakeStore()


async def chunks(data: bytes, size: int = 65536, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        if fail_after is not None and start >= fail_after:
            raise ConnectionError("client went away")
        yield data[start : start + size]


async def read(store: ImageStore, location: str, **kw: int) -> bytes:
    return b"".join([c async for c in store.get(location, **kw)])


def leftovers(store: ImageStore) -> list[str]:
    if isinstance(store, FilesystemStore):
        return sorted(p.name for p in store.root.iterdir())
    assert isinstance(store, FakeStore)
    return sorted(store.blobs)


async def test_put_hashes_and_get_returns_the_bytes(store: ImageStore) -> None:
    stored = await store.put("img-1", chunks(DATA))
    assert stored.size == len(DATA)
    assert stored.md5 == hashlib.md5(DATA).hexdigest()
    assert stored.sha512 == hashlib.sha512(DATA).hexdigest()
    assert await store.size(stored.location) == len(DATA)
    assert await read(store, stored.location) == DATA
    assert await read(store, stored.location, offset=1000, length=2_000_000) == DATA[1000:2_001_000]
    assert await read(store, stored.location, offset=len(DATA) - 5) == DATA[-5:]


async def test_failed_stream_leaves_nothing(store: ImageStore) -> None:
    with pytest.raises(ConnectionError):
        await store.put("img-2", chunks(DATA, fail_after=1_500_000))
    assert leftovers(store) == []


async def test_max_size_leaves_nothing(store: ImageStore) -> None:
    with pytest.raises(StoreLimitExceeded):
        await store.put("img-3", chunks(DATA), max_size=len(DATA) - 1)
    assert leftovers(store) == []
    stored = await store.put("img-3", chunks(DATA), max_size=len(DATA))
    assert stored.size == len(DATA)


async def test_cancelled_put_leaves_nothing(store: ImageStore) -> None:
    gate = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield DATA[:1_200_000]
        await gate.wait()
        yield DATA[1_200_000:]

    task = asyncio.create_task(store.put("img-4", slow()))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)  # let a write still in a thread finish
    assert leftovers(store) == []


async def test_move_and_delete(store: ImageStore) -> None:
    stored = await store.put("img-5.staged", chunks(b"abc"))
    location = await store.move(stored.location, "img-5")
    assert await read(store, location) == b"abc"
    with pytest.raises(StoreNotFound):
        await store.size(stored.location)
    await store.delete(location)
    await store.delete(location)  # idempotent
    with pytest.raises(StoreNotFound):
        await read(store, location)
    assert leftovers(store) == []


def outside_write(store: ImageStore, location: str) -> None:
    """Change stored bytes behind the store's back, keeping the size (a second later, as
    a real outside write is: the file's mtime moves on)."""
    if isinstance(store, FilesystemStore):
        path = Path(location.removeprefix("file://"))
        raw = bytearray(path.read_bytes())
        raw[0] ^= 0xFF
        before = path.stat().st_mtime_ns
        path.write_bytes(bytes(raw))
        os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))
    else:
        assert isinstance(store, FakeStore)
        store.corrupt(location)


async def test_intact_until_changed_behind_its_back(store: ImageStore) -> None:
    stored = await store.put("img-7.staged", chunks(DATA))
    assert await store.intact(stored.location)
    location = await store.move(stored.location, "img-7")
    assert await store.intact(location)  # a move keeps what was verified
    outside_write(store, location)
    assert not await store.intact(location)
    await store.seal(location)  # e.g. after a download whose digest matched
    assert await store.intact(location)
    await store.delete(location)
    assert not await store.intact(location)


async def test_filesystem_refuses_locations_outside_its_root(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "images")
    (tmp_path / "secret").write_text("x")
    with pytest.raises(StoreNotFound):
        await store.size(f"file://{tmp_path / 'secret'}")
    with pytest.raises(StoreNotFound):
        await store.delete(f"file://{tmp_path / 'secret'}")
    assert (tmp_path / "secret").exists()


async def test_recover_drops_partial_uploads_of_dead_writers_only(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "images")
    # A pid that is surely gone: a child that ran and was reaped.
    child = await asyncio.create_subprocess_exec("true")
    await child.wait()
    dead = store.root / f".img-a.{child.pid}.0f0f.part"
    live = store.root / f".img-b.staged.{os.getpid()}.0e0e.part"
    legacy = store.root / ".img-c.0d0d.part"
    for path in (dead, live, legacy):
        path.write_bytes(b"half")
    assert await store.recover() == ({"img-b.staged"}, {"img-a", "img-c"})
    assert sorted(p.name for p in store.root.iterdir()) == [live.name]
    assert await FakeStore().recover() == (set(), set())
