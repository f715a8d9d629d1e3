"""QEMU command line for volumes: the root disk as a volume file (boot from volume), the
other volumes of the spawn re-attached at every start, and bad connection info."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.compute.virt.driver import InstanceSpec
from pocketstack.compute.virt.qemu import cmdline
from pocketstack.compute.virt.qemu.layout import InstanceDir


def _build(d: InstanceDir, root: tuple[Path, str] | None) -> list[str]:
    return cmdline.build(
        binary="qemu-system-x86_64", accel="tcg", d=d, name="vm", vcpus=1, memory_mb=128, root_format="raw",
        kernel=cmdline.KernelBoot(Path("/k"), Path("/r"), "root=/dev/vda"), ephemeral=False, swap=False,
        config_drive=True, nics=[], namespace=None, root_volume=root,
    )  # fmt: skip


def test_root_disk_is_the_volume_file_with_its_format(tmp_path: Path) -> None:
    d = InstanceDir(tmp_path / "0000-1111")
    vol = tmp_path / "volume-abc.raw"
    argv = _build(d, (vol, "raw"))
    drive = argv[argv.index("-drive") + 1]
    assert drive.startswith(f"file={vol},format=raw,") and "id=drive-vda" in drive
    assert str(d.root) not in " ".join(argv)
    # Without a root volume, the overlay in the instance directory is the root disk.
    argv = _build(d, None)
    assert argv[argv.index("-drive") + 1].startswith(f"file={d.root},format=qcow2,")


def test_volume_file_checks_connection_info(tmp_path: Path) -> None:
    info = {"driver_volume_type": "file", "data": {"path": str(tmp_path / "v.qcow2"), "format": "qcow2"}}
    assert cmdline.volume_file(info) == (tmp_path / "v.qcow2", "qcow2")
    assert cmdline.volume_file({"data": {"path": "/x"}}) == (Path("/x"), "raw")
    with pytest.raises(ValueError, match=r"no data\.path"):
        cmdline.volume_file({"data": {}})
    with pytest.raises(ValueError, match="not raw or qcow2"):
        cmdline.volume_file({"data": {"path": "/x", "format": "vmdk"}})


def test_other_volumes_come_back_at_every_start() -> None:
    info = {"data": {"path": "/vols/b.raw", "format": "raw"}}
    argv = cmdline.attached_args({"/dev/vdb": info}, [])
    assert argv[0] == "-blockdev" and '"node-name": "vol-vdb"' in argv[1] and '"/vols/b.raw"' in argv[1]
    assert argv[2:] == ["-device", "virtio-blk-pci,drive=vol-vdb,id=disk-vdb"]


def test_spec_root_volume_is_the_boot_index_0_device() -> None:
    devices = [
        {"device": "/dev/vdb", "boot_index": None, "volume_id": "b", "connection_info": {}},
        {"device": "/dev/vda", "boot_index": 0, "volume_id": "a", "connection_info": {}},
    ]
    spec = InstanceSpec(uuid="u", name="n", vcpus=1, memory_mb=64, root_gb=0, block_devices=devices)
    assert spec.root_volume is not None and spec.root_volume["volume_id"] == "a"
    assert InstanceSpec(uuid="u", name="n", vcpus=1, memory_mb=64, root_gb=0).root_volume is None
