"""The volume backend contract (pocketstack.volume.backends.base), run against the fake
backend and the file backend (real qemu-img, raw and qcow2)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.volume.backends.base import BackendError, GiB, VolumeBackend
from pocketstack.volume.backends.fake import FakeBackend
from pocketstack.volume.backends.file import FileBackend

KINDS = ["fake", "file-raw", "file-qcow2"]


@pytest.fixture(name="backend", params=KINDS)
def backend_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> VolumeBackend:
    if request.param == "fake":
        return FakeBackend(capacity_gb=10)
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    fmt = request.param.split("-")[1]
    return FileBackend(tmp_path / "vols", volume_format=fmt, capacity_gb=10)


async def _chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def _read(backend: VolumeBackend, vid: str, loc: dict[str, object], n: int) -> bytes:
    out = b""
    # Closed at once (not when collected): a qcow2 read's staging file goes with it.
    async with contextlib.aclosing(backend.read(vid, loc)) as chunks:  # type: ignore[arg-type]
        async for chunk in chunks:
            out += chunk
            if len(out) >= n:
                break
    return out[:n]


def _overwrite(loc: dict[str, object]) -> None:
    """Write ``XXXX...`` over the first 4 KiB of a file volume, as a guest would."""
    fmt, path = str(loc["format"]), str(loc["path"])
    subprocess.run(["qemu-io", "-f", fmt, "-c", "write -P 0x58 0 4k", path], check=True, capture_output=True)


def _check_qcow2(path: str) -> None:
    subprocess.run(["qemu-img", "check", "-q", "-f", "qcow2", path], check=True, capture_output=True)


def _leftovers(backend: VolumeBackend) -> list[str]:
    if isinstance(backend, FileBackend):
        return sorted(p.name for p in backend.directory.iterdir())
    return []


async def test_create_delete_and_capacity(backend: VolumeBackend) -> None:
    loc = await backend.create("v1", 2)
    assert await backend.exists("v1", loc)
    assert await backend.virtual_size("v1", loc) == 2 * GiB
    assert backend.capacity().allocated_gb == 2 and backend.capacity().free_gb == 8
    assert await _read(backend, "v1", loc, 4096) == bytes(4096)
    if isinstance(backend, FileBackend) and backend.format == "qcow2":
        # Made from the backend's in-memory template: a sound image, no leftovers.
        second = await backend.create("v2", 2)
        for made in (loc, second):
            _check_qcow2(str(made["path"]))
        await backend.delete("v2", second)
        assert _leftovers(backend) == ["volume-v1.qcow2"]
    await backend.delete("v1", loc)
    assert not await backend.exists("v1", loc)
    assert backend.capacity().allocated_gb == 0
    await backend.delete("v1", loc)  # idempotent


async def test_create_over_capacity_leaves_nothing(backend: VolumeBackend) -> None:
    with pytest.raises(BackendError):
        await backend.create("big", 11)
    assert backend.capacity().allocated_gb == 0
    assert _leftovers(backend) == []


async def test_from_image_snapshot_clone_extend(backend: VolumeBackend) -> None:
    payload = b"HEAD" + bytes(100_000) + b"TAIL"
    loc = await backend.create_from_image("v1", 1, _chunks(payload), "raw")
    assert await _read(backend, "v1", loc, len(payload)) == payload
    assert await backend.virtual_size("v1", loc) == GiB
    snap_loc = await backend.create_snapshot("s1", "v1", loc)
    clone_loc = await backend.clone("c1", 2, "v1", loc)
    assert await backend.virtual_size("c1", clone_loc) == 2 * GiB
    assert await _read(backend, "c1", clone_loc, 8) == b"HEAD" + bytes(4)
    # the snapshot does not see later changes of its volume
    if isinstance(backend, FileBackend):
        _overwrite(loc)
        assert await _read(backend, "v1", loc, 4) == b"XXXX"
    new_loc = await backend.create_from_snapshot("r1", 1, "s1", snap_loc)
    assert await _read(backend, "r1", new_loc, len(payload)) == payload
    await backend.extend("r1", new_loc, 3)
    assert await backend.virtual_size("r1", new_loc) == 3 * GiB
    with pytest.raises(BackendError):
        await backend.extend("r1", new_loc, 2)
    info = await backend.connection_info("r1", new_loc, {"host": "h"})
    assert info["driver_volume_type"] in ("file", "fake")
    if info["driver_volume_type"] == "file":
        assert Path(info["data"]["path"]).exists() and info["data"]["format"] in ("raw", "qcow2")
    for vid, vloc in (("r1", new_loc), ("c1", clone_loc)):
        await backend.delete(vid, vloc)
    # Snapshots go before their volume (the manager's order).
    await backend.delete_snapshot("s1", snap_loc)
    await backend.delete_snapshot("s1", snap_loc)
    await backend.delete("v1", loc)
    assert backend.capacity().allocated_gb == 0
    assert _leftovers(backend) == []


async def test_image_too_big_leaves_nothing(backend: VolumeBackend) -> None:
    async def huge() -> AsyncIterator[bytes]:
        block = bytes(64 * 1024 * 1024)
        for _ in range(17):
            yield block

    with pytest.raises(BackendError):
        await backend.create_from_image("v1", 1, huge(), "raw")
    assert backend.capacity().allocated_gb == 0
    assert _leftovers(backend) == []


async def test_bad_image_format_leaves_nothing(backend: VolumeBackend) -> None:
    if isinstance(backend, FakeBackend):
        pytest.skip("the fake backend stores any bytes")
    with pytest.raises(BackendError):
        await backend.create_from_image("v1", 1, _chunks(b"not a qcow2 file" * 100), "qcow2")
    with pytest.raises(BackendError):
        await backend.create_from_image("v2", 1, _chunks(b"x"), "aki")
    assert _leftovers(backend) == []
    assert backend.capacity().allocated_gb == 0


async def test_file_backend_rescans_after_restart(tmp_path: Path) -> None:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    first = FileBackend(tmp_path / "vols", volume_format="qcow2", capacity_gb=10)
    await first.create("v1", 3)
    (tmp_path / "vols" / ".volume-v2.qcow2.part").write_bytes(b"half")
    second = FileBackend(tmp_path / "vols", volume_format="qcow2", capacity_gb=10)
    assert second.capacity().allocated_gb == 3
    assert not (tmp_path / "vols" / ".volume-v2.qcow2.part").exists()


async def test_snapshot_kind_follows_the_volume_format(backend: VolumeBackend) -> None:
    """qcow2 volumes hold internal snapshots (a hypervisor takes them while attached);
    raw volumes are copied (by a hypervisor while attached); the fake backend copies."""
    loc = await backend.create("v1", 1)
    assisted = backend.assisted_snapshot("s1", loc)
    snap_loc = await backend.create_snapshot("s1", "v1", loc)
    if isinstance(backend, FileBackend) and backend.format == "qcow2":
        assert assisted == {"type": "internal", "name": "snapshot-s1", "path": loc["path"]}
        assert snap_loc == {"path": loc["path"], "format": "qcow2", "internal": "snapshot-s1"}
        assert _leftovers(backend) == ["volume-v1.qcow2"]
        assert await backend.extend_by_host("v1", loc, 2)
        # Taken by the hypervisor: recorded only if the file holds it.
        with pytest.raises(BackendError):
            await backend.snapshot_taken("s2", "v1", loc, {"type": "internal"})
    elif isinstance(backend, FileBackend):
        assert assisted == {"type": "backup", "target": str(backend.directory / ".snapshot-s1.qcow2.part")}
        assert not snap_loc.get("internal") and not await backend.extend_by_host("v1", loc, 2)
        # The hypervisor's copy is checked, then renamed into place.
        with pytest.raises(BackendError):
            await backend.snapshot_taken("s2", "v1", loc, {"type": "backup", "target": "/nonexistent.part"})
    else:
        assert assisted is None and not snap_loc.get("internal")
        assert not await backend.extend_by_host("v1", loc, 2)
    assert backend.capacity().allocated_gb == 2
    await backend.delete_snapshot("s1", snap_loc)
    await backend.delete("v1", loc)
    assert backend.capacity().allocated_gb == 0 and _leftovers(backend) == []


async def test_revert_to_snapshot_keeps_the_snapshots(backend: VolumeBackend) -> None:
    payload = b"HEAD" + bytes(10_000) + b"TAIL"
    loc = await backend.create_from_image("v1", 1, _chunks(payload), "raw")
    first = await backend.create_snapshot("s1", "v1", loc)
    if isinstance(backend, FileBackend):
        _overwrite(loc)
    else:
        assert isinstance(backend, FakeBackend)
        backend.volumes["v1"].data = b"XXXX" + payload[4:]
    second = await backend.create_snapshot("s2", "v1", loc)
    assert await _read(backend, "v1", loc, 4) == b"XXXX"
    await backend.revert("v1", loc, "s1", first)
    assert await _read(backend, "v1", loc, len(payload)) == payload
    assert await backend.virtual_size("v1", loc) == GiB
    # The later snapshot is still there and still as it was.
    later = await backend.create_from_snapshot("r2", 1, "s2", second)
    assert await _read(backend, "r2", later, 4) == b"XXXX"
    with pytest.raises(BackendError):
        await backend.revert("v1", loc, "gone", {"path": "/nonexistent/snapshot-gone.qcow2"})
    await backend.delete("r2", later)
    for sid, sloc in (("s2", second), ("s1", first)):
        await backend.delete_snapshot(sid, sloc)
    await backend.delete("v1", loc)
    assert _leftovers(backend) == []


async def test_unmanage_then_manage_again(backend: VolumeBackend) -> None:
    payload = b"KEEP" + bytes(5000)
    loc = await backend.create_from_image("v1", 1, _chunks(payload), "raw")
    assert await backend.manageable({"v1"}) == []
    await backend.unmanage("v1", loc)
    # Unmanaged: still on the backend, listed, and adopted under a new id with its data.
    assert await backend.manageable(set()) == [{"name": "volume-v1", "size": 1}]
    new_loc, size = await backend.manage_existing("v2", "volume-v1")
    assert size == 1 and await _read(backend, "v2", new_loc, 4) == b"KEEP"
    assert await backend.manageable({"v2"}) == []
    with pytest.raises(BackendError):
        await backend.manage_existing("v3", "volume-v1")
    await backend.delete("v2", new_loc)
    assert backend.capacity().allocated_gb == 0
    assert _leftovers(backend) == []


async def test_unmanage_then_manage_a_snapshot(backend: VolumeBackend) -> None:
    payload = b"SNAP" + bytes(5000)
    loc = await backend.create_from_image("v1", 1, _chunks(payload), "raw")
    snap_loc = await backend.create_snapshot("s1", "v1", loc)
    assert await backend.manageable_snapshots([snap_loc]) == []
    await backend.unmanage_snapshot("s1", snap_loc)
    (listed,) = await backend.manageable_snapshots([])
    assert listed["name"] == "snapshot-s1" and listed["size"] == 1
    with pytest.raises(BackendError):
        await backend.manage_existing_snapshot("s9", "snapshot-nope", "v1", loc)
    new_loc, size = await backend.manage_existing_snapshot("s2", "snapshot-s1", "v1", loc)
    assert size == 1 and await backend.manageable_snapshots([new_loc]) == []
    made = await backend.create_from_snapshot("r1", 1, "s2", new_loc)
    assert await _read(backend, "r1", made, 4) == b"SNAP"
    await backend.delete("r1", made)
    await backend.delete_snapshot("s2", new_loc)
    await backend.delete("v1", loc)
    assert backend.capacity().allocated_gb == 0
    assert _leftovers(backend) == []
