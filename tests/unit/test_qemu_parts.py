"""Pieces of the qemu driver that need no VM: console rotation, the image cache, the
accelerator probe (a 512-byte guest under TCG), and the config drive's metadata."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from pocketstack.compute.virt.driver import InstanceSpec
from pocketstack.compute.virt.qemu import accel, console, metadata
from pocketstack.compute.virt.qemu.imagecache import ImageCache, ImageError
from pocketstack.testing.qemu import FileImageSource

needs_qemu_img = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img not installed")


def test_console_is_rotated_and_bounded(tmp_path: Path) -> None:
    log, old = tmp_path / "console.log", tmp_path / "console.log.1"
    log.write_text("a" * 50 + "\n")
    assert not console.rotate(log, old, 100)
    with log.open("a") as fh:  # QEMU appends (O_APPEND), so writes after a truncate land at 0
        fh.write("b" * 80 + "\n")
        fh.flush()
        assert console.rotate(log, old, 100)
        assert log.stat().st_size == 0
        fh.write("after\n")
        fh.flush()
    text = console.read(log, old, 100)
    assert text.endswith("b" * 80 + "\nafter\n")
    assert len(text) <= 200


@needs_qemu_img
async def test_image_cache_fetches_once_and_verifies_the_hash(tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\1" * 65536)
    source = FileImageSource()
    record = source.add(disk, "raw")
    cache = ImageCache(tmp_path / "cache", source, max_age=60)
    first = await cache.get(record["id"], record)
    again = await cache.get(record["id"], record)
    assert first == again and first.format == "raw" and first.virtual_size == 65536
    assert source.downloads == [record["id"]]

    bad = source.add(disk, "raw", os_hash_value="0" * 128)
    with pytest.raises(ImageError, match="does not match"):
        await cache.get(bad["id"], bad)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted([record["id"], record["id"] + ".json"])


@needs_qemu_img
async def test_corrupt_qcow2_is_refused(tmp_path: Path) -> None:
    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(b"QFI\xfb\0\0\0\3" + b"\xff" * 4096)
    source = FileImageSource()
    record = source.add(disk, "qcow2")
    with pytest.raises(ImageError, match="not a usable qcow2 image"):
        await ImageCache(tmp_path / "cache", source, 60).get(record["id"], record)
    assert list((tmp_path / "cache").iterdir()) == []


@needs_qemu_img
async def test_unused_images_are_pruned_after_max_age(tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    source = FileImageSource()
    used, unused = source.add(disk, "raw"), source.add(disk, "raw")
    cache = ImageCache(tmp_path / "cache", source, max_age=100)
    for record in (used, unused):
        await cache.get(record["id"], record)
    now = time.time()
    assert cache.prune({used["id"]}, now=now + 50) == []
    assert cache.prune({used["id"]}, now=now + 150) == [unused["id"]]
    assert cache.entries() == [used["id"]]
    # The used one counts as used "now": unused from here on, it goes max_age later.
    assert cache.prune(set(), now=now + 200) == []
    assert cache.prune(set(), now=now + 300) == [used["id"]]


def test_probe_disk_is_a_boot_sector() -> None:
    sector = accel.probe_disk()
    assert len(sector) == 512 and sector[510:] == b"\x55\xaa"


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU not installed")
async def test_probe_sees_a_guest_run_under_tcg() -> None:
    assert await accel.guest_runs("qemu-system-x86_64", "tcg", 20.0)
    chosen = await accel.choose("qemu-system-x86_64", "tcg", 1.0)
    assert (chosen.name, chosen.hypervisor_type) == ("tcg", "QEMU")


def test_meta_data_and_network_data() -> None:
    spec = InstanceSpec(
        uuid="u1", name="web", vcpus=1, memory_mb=64, root_gb=1, hostname="web-1", key_data="ssh-ed25519 AAA x",
        key_name="k", metadata={"role": "db"}, availability_zone="az1",
    )  # fmt: skip
    meta = metadata.meta_data(spec)
    assert meta["hostname"] == "web-1" and meta["public_keys"] == {"k": "ssh-ed25519 AAA x"}
    assert meta["meta"] == {"role": "db"} and meta["availability_zone"] == "az1"
    vif = {"id": "p" * 36, "mac_address": "fa:16:3e:00:00:01", "fixed_ips": [{"ip_address": "10.0.0.5"}]}
    net = metadata.network_data([vif], {vif["id"]: "tapppppppppppp"})
    assert net["links"][0]["ethernet_mac_address"] == "fa:16:3e:00:00:01"
    assert net["networks"] == [{"id": "network0", "link": "tapppppppppppp", "type": "ipv4_dhcp", "network_id": None}]
