"""The tiny guest's building blocks: the cpio writer, module ordering, package cache, JSON flattener."""

from __future__ import annotations

import gzip
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pocketstack.image.tiny import cpio, debs, kmod

TINY_DIR = Path(kmod.__file__).parent


def _parse_newc(blob: bytes) -> list[tuple[str, int, bytes, tuple[int, int]]]:
    members = []
    offset = 0
    while True:
        assert blob[offset : offset + 6] == b"070701"
        fields = [int(blob[offset + 6 + 8 * i : offset + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = fields[11], fields[6]
        name_start = offset + 110
        name = blob[name_start : name_start + namesize - 1].decode()
        data_start = name_start + namesize + (-(110 + namesize) % 4)
        data = blob[data_start : data_start + filesize]
        offset = data_start + filesize + (-filesize % 4)
        if name == "TRAILER!!!":
            assert offset == len(blob)
            return members
        members.append((name, fields[1], data, (fields[9], fields[10])))


def test_cpio_round_trip(tmp_path: Path) -> None:
    entries = [
        cpio.file("etc/a", b"abc", 0o600),
        cpio.directory("etc"),
        cpio.symlink("bin/sh", "busybox"),
        cpio.directory("bin"),
        cpio.char_device("dev/console", 5, 1),
        cpio.directory("dev"),
    ]
    path = tmp_path / "initrd.img"
    cpio.write_gzipped(path, entries)
    members = _parse_newc(gzip.decompress(path.read_bytes()))
    names = [m[0] for m in members]
    assert names == sorted(names)  # parents come before children
    by_name = {m[0]: m for m in members}
    assert by_name["etc/a"][2] == b"abc" and stat.S_IMODE(by_name["etc/a"][1]) == 0o600
    assert stat.S_ISLNK(by_name["bin/sh"][1]) and by_name["bin/sh"][2] == b"busybox"
    assert stat.S_ISCHR(by_name["dev/console"][1]) and by_name["dev/console"][3] == (5, 1)
    assert stat.S_ISDIR(by_name["etc"][1])


def test_cpio_is_reproducible(tmp_path: Path) -> None:
    entries = [cpio.directory("x"), cpio.file("x/y", b"1")]
    cpio.write_gzipped(tmp_path / "a", entries)
    cpio.write_gzipped(tmp_path / "b", list(reversed(entries)))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


@pytest.fixture
def fake_modules(monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    graph = {
        "virtio_ring": [],
        "virtio": ["virtio_ring"],
        "virtio_pci": ["virtio_ring", "virtio"],
        "failover": [],
        "net_failover": ["failover"],
        "virtio_net": ["virtio_ring", "virtio", "net_failover"],
        "cdrom": [],
        "isofs": ["cdrom"],
    }
    paths = {name: Path(f"/m/{name}.ko") for name in graph}
    monkeypatch.setattr(kmod, "depends", lambda path: graph[path.stem])
    return paths


def test_load_order_puts_dependencies_first(fake_modules: dict[str, Path]) -> None:
    order = kmod.load_order(["virtio_net", "isofs", "virtio_pci"], fake_modules)
    assert sorted(order) == sorted(fake_modules)
    assert order.index("failover") < order.index("net_failover") < order.index("virtio_net")
    assert order.index("virtio_ring") < order.index("virtio") < order.index("virtio_pci")
    assert order.index("cdrom") < order.index("isofs")


def test_load_order_skips_already_loaded_and_missing_optional(fake_modules: dict[str, Path]) -> None:
    assert kmod.load_order(["isofs", "button"], fake_modules, already=["cdrom"]) == ["isofs"]


def test_load_order_missing_required_module(fake_modules: dict[str, Path]) -> None:
    with pytest.raises(kmod.ModuleError, match="virtio_blk"):
        kmod.load_order(["virtio_blk"], fake_modules)


def test_fetch_reuses_cached_packages_without_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resolved.json").write_text(json.dumps({"kernel_package": "linux-image-6.1.0-9-cloud-amd64"}))
    (tmp_path / "linux-image-6.1.0-9-cloud-amd64_6.1.1-1_amd64.deb").write_bytes(b"k")
    (tmp_path / "busybox-static_1.35_amd64.deb").write_bytes(b"b")

    def no_apt(*args: object, **kwargs: object) -> None:
        raise AssertionError("apt must not be asked when the cache is complete")

    monkeypatch.setattr(debs.subprocess, "run", no_apt)
    packages = debs.fetch(tmp_path)
    assert packages.kernel_version == "6.1.0-9-cloud-amd64"
    assert packages.kernel_deb.name.startswith("linux-image-6.1.0-9-cloud-amd64_")
    assert packages.busybox_deb.name.startswith("busybox-static_")


def test_resolve_kernel_package_reads_apt_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    out = "linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n"
    monkeypatch.setattr(
        debs.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=out, stderr="")
    )
    assert debs.resolve_kernel_package(update=False) == "linux-image-6.1.0-56-cloud-amd64"


@pytest.mark.skipif(shutil.which("busybox") is None, reason="busybox not installed")
def test_jsonflat_flattens_config_drive_json(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "awk").symlink_to(shutil.which("busybox") or "")
    doc = {
        "links": [{"id": "tap1", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 1450}],
        "networks": [{"link": "tap1", "type": "ipv4", "ip_address": "10.0.0.5", "routes": []}],
        "public_keys": {"my key": 'ssh-ed25519 AAAA "quoted"'},
        "flag": True,
        "empty": {},
    }
    source = tmp_path / "n.json"
    source.write_text(json.dumps(doc, indent=2))
    out = subprocess.run(
        ["busybox", "sh", str(TINY_DIR / "jsonflat.sh"), str(source)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
    ).stdout
    assert out.splitlines() == [
        "links.0.id\ttap1",
        "links.0.ethernet_mac_address\tfa:16:3e:00:00:01",
        "links.0.mtu\t1450",
        "networks.0.link\ttap1",
        "networks.0.type\tipv4",
        "networks.0.ip_address\t10.0.0.5",
        'public_keys.my key\tssh-ed25519 AAAA "quoted"',
        "flag\ttrue",
    ]
