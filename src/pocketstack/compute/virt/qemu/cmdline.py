"""QEMU's command line for one instance, and the extra arguments for what was hot-plugged.

Devices get stable ids (``disk-vda``, ``nic-<port>``, ``vol-<dev>``) so QMP can name them
later. The line is stored in ``instance.json`` at spawn and reused for every start
(power on, reboot, resume), with the attached volumes and interfaces appended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketstack.compute.virt.qemu.layout import InstanceDir
from pocketstack.compute.virt.qemu.vifs import Tap

# Nova's default for images that boot a kernel directly without os_command_line.
DEFAULT_KERNEL_CMDLINE = "root=/dev/vda console=tty0 console=ttyS0"


def kernel_append(append: str, accel: str) -> str:
    """The kernel command line QEMU passes, from the image's (or Nova's default).

    Under TCG on a busy host the vCPU may not run for a while, and Linux's early check
    that the timer interrupt works then fails: seen here as "Kernel panic - IO-APIC +
    timer doesn't work" in 2 of 30 tiny guests booted at once under a load average of
    10. ``no_timer_check`` skips that check (as cloud images commonly do for VMs).
    """
    if accel != "tcg" or "no_timer_check" in append.split():
        return append
    return f"{append.rstrip()} no_timer_check"


def _opt(value: str | Path) -> str:
    """Escape a value inside a QEMU option list (a comma is written twice)."""
    return str(value).replace(",", ",,")


@dataclass(frozen=True)
class KernelBoot:
    kernel: Path
    ramdisk: Path | None
    append: str


@dataclass(frozen=True)
class Nic:
    port_id: str
    mac: str
    tap: Tap | None


def nic_args(nic: Nic) -> list[str]:
    ident = nic.port_id[:13]
    if nic.tap is None:
        netdev = f"hubport,id=net-{ident},hubid=0"
    else:
        netdev = f"tap,id=net-{ident},ifname={nic.tap.name},script=no,downscript=no"
    # romfile= skips the iPXE option ROM: guests here never boot from the network.
    device = f"virtio-net-pci,netdev=net-{ident},mac={nic.mac},id=nic-{ident},romfile="
    return ["-netdev", netdev, "-device", device]


def with_size(argv: list[str], vcpus: int, memory_mb: int) -> list[str]:
    """``argv`` with ``-smp``/``-m`` set to a new size (a resize on the same host)."""
    out = list(argv)
    for flag, value in (("-smp", vcpus), ("-m", memory_mb)):
        i = out.index(flag)
        out[i + 1] = str(value)
    return out


def rescue_argv(argv: list[str], rescue_disk: Path, root: Path, kernel: KernelBoot | None) -> list[str]:
    """``argv`` booting ``rescue_disk`` (a fresh overlay of the rescue image) as the first
    disk, with ``kernel`` (the rescue image's) instead of the instance's, and the
    instance's own root disk attached after the other disks as ``disk-rescued``."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        flag = argv[i]
        if flag in ("-kernel", "-append", "-initrd"):
            i += 2
            continue
        if flag == "-drive" and "id=drive-vda" in argv[i + 1].split(","):
            out += [flag, f"file={_opt(rescue_disk)},format=qcow2,if=none,id=drive-vda,discard=unmap"]
            i += 2
            continue
        if flag == "-device" and argv[i + 1].startswith("virtio-blk-pci,drive=drive-vda,"):
            out += [flag, "virtio-blk-pci,drive=drive-vda,id=disk-vda" + ("" if kernel else ",bootindex=0")]
            i += 2
            continue
        out.append(flag)
        i += 1
    if kernel is not None:
        out += ["-kernel", str(kernel.kernel), "-append", kernel.append]
        if kernel.ramdisk is not None:
            out += ["-initrd", str(kernel.ramdisk)]
    out += [
        "-drive", f"file={_opt(root)},format=qcow2,if=none,id=drive-rescued",
        "-device", "virtio-blk-pci,drive=drive-rescued,id=disk-rescued",
    ]  # fmt: skip
    return out


def without_nic(argv: list[str], port_id: str) -> list[str]:
    """``argv`` less the ``-netdev``/``-device`` pair of the NIC of ``port_id`` (a NIC
    given at spawn that was detached must not come back at the next start)."""
    ident = port_id[:13]
    ids = {f"id=net-{ident}", f"id=nic-{ident}"}
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in ("-netdev", "-device") and i + 1 < len(argv) and ids & set(argv[i + 1].split(",")):
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def nic_qmp(nic: Nic) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same NIC as ``nic_args``, as QMP netdev_add and device_add arguments."""
    ident = nic.port_id[:13]
    netdev: dict[str, Any]
    if nic.tap is None:
        netdev = {"type": "hubport", "id": f"net-{ident}", "hubid": 0}
    else:
        netdev = {"type": "tap", "id": f"net-{ident}", "ifname": nic.tap.name, "script": "no", "downscript": "no"}
    device = {"driver": "virtio-net-pci", "netdev": f"net-{ident}", "mac": nic.mac, "id": f"nic-{ident}", "romfile": ""}
    return netdev, device


def build(
    *,
    binary: str,
    accel: str,
    d: InstanceDir,
    name: str,
    vcpus: int,
    memory_mb: int,
    root_format: str,
    kernel: KernelBoot | None,
    ephemeral: bool,
    swap: bool,
    config_drive: bool,
    nics: list[Nic],
    namespace: str | None,
    root_volume: tuple[Path, str] | None = None,
) -> list[str]:
    """``root_volume`` (path, format): the root disk is that volume file, not the overlay."""
    root_path, root_fmt = root_volume if root_volume is not None else (d.root, "qcow2")
    argv = ["ip", "netns", "exec", namespace] if namespace else []
    argv += [
        binary, "-name", f"guest={_opt(name)},process=qemu-{d.uuid[:8]}", "-uuid", d.uuid,
        "-machine", f"pc,accel={accel}", "-cpu", "host" if accel == "kvm" else "qemu64",
        "-smp", str(vcpus), "-m", str(memory_mb),
        "-nodefaults", "-no-user-config", "-display", "none", "-rtc", "base=utc",
        "-daemonize", "-pidfile", str(d.pidfile),
        "-chardev", f"socket,id=qmp,path={d.qmp.name},server=on,wait=off", "-mon", "chardev=qmp,mode=control",
        "-chardev", f"file,id=console,path={_opt(d.console)},append=on", "-serial", "chardev:console",
        "-drive", f"file={_opt(root_path)},format={root_fmt},if=none,id=drive-vda,discard=unmap",
        # -kernel brings its own boot entry; BIOS boots from the root disk otherwise.
        "-device", "virtio-blk-pci,drive=drive-vda,id=disk-vda" + ("" if kernel else ",bootindex=0"),
    ]  # fmt: skip
    if kernel is not None:
        argv += ["-kernel", str(kernel.kernel), "-append", kernel.append]
        if kernel.ramdisk is not None:
            argv += ["-initrd", str(kernel.ramdisk)]
    extra = [("ephemeral", d.ephemeral, ephemeral, False), ("swap", d.swap, swap, False)]
    extra.append(("config", d.config_drive, config_drive, True))
    for label, path, wanted, readonly in extra:
        if wanted:
            ro = ",readonly=on" if readonly else ""
            argv += [
                "-drive", f"file={_opt(path)},format=raw,if=none,id=drive-{label}{ro}",
                "-device", f"virtio-blk-pci,drive=drive-{label},id=disk-{label}",
            ]  # fmt: skip
    for nic in nics:
        argv += nic_args(nic)
    return argv


def volume_file(connection_info: dict[str, Any]) -> tuple[Path, str]:
    """The file and format a volume's connection info names (ValueError if none)."""
    data = connection_info.get("data") or {}
    path = data.get("path") or data.get("device_path")
    if not path:
        raise ValueError("connection_info has no data.path")
    fmt = str(data.get("format") or "raw")
    if fmt not in ("raw", "qcow2"):
        raise ValueError(f"volume format {fmt!r} is not raw or qcow2")
    return Path(path), fmt


def volume_blockdev(dev: str, connection_info: dict[str, Any]) -> dict[str, Any]:
    path, fmt = volume_file(connection_info)
    return {"driver": fmt, "node-name": f"vol-{dev}", "file": {"driver": "file", "filename": str(path)}}


def volume_device(dev: str) -> dict[str, Any]:
    return {"driver": "virtio-blk-pci", "drive": f"vol-{dev}", "id": f"disk-{dev}"}


def attached_args(volumes: dict[str, dict[str, Any]], interfaces: list[Nic]) -> list[str]:
    """Arguments that bring back what was hot-plugged before the VM (re)started."""
    argv: list[str] = []
    for mountpoint, info in sorted(volumes.items()):
        dev = device_name(mountpoint)
        device = volume_device(dev)
        argv += ["-blockdev", json.dumps(volume_blockdev(dev, info))]
        argv += ["-device", f"{device['driver']},drive={device['drive']},id={device['id']}"]
    for nic in interfaces:
        argv += nic_args(nic)
    return argv


def device_name(mountpoint: str) -> str:
    """``/dev/vdb`` -> ``vdb`` (the id part of the volume's QEMU devices)."""
    name = mountpoint.rstrip("/").rsplit("/", 1)[-1]
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"invalid mountpoint {mountpoint!r}")
    return name
