"""Assembling the tiny guest: kernel (aki), initramfs (ari) and root disk (ami).

The initramfs holds busybox, the virtio/isofs modules and two scripts: ``/init`` (stage
1: load modules, switch_root to the root disk when there is one) and the stage-2 rc that
busybox init runs (config drive, hostname, keys, DHCP, boot marker). The root disk is an
ext4 file system labelled ``tinyroot`` holding busybox and the same stage 2, so a guest
booted from it (or from a volume copied from it) really runs from ``/dev/vda``.

Everything is cached under a directory outside the data dir, keyed by a hash of the
.debs and the guest scripts, so a second build returns at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pocketstack.image.tiny import cpio, debs, kmod

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "pocketstack" / "tiny"
ROOT_LABEL = "tinyroot"
ROOT_DISK_MB = 16
KERNEL_CMDLINE = f"root=LABEL={ROOT_LABEL} console=ttyS0 quiet"
# Part of the cache key, with the .debs and every file of this package.
BUILD_FORMAT = "2"

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class TinyArtifacts:
    """The three images of the tiny guest and the kernel command line to boot them with."""

    kernel: Path
    initramfs: Path
    rootdisk: Path
    cmdline: str = KERNEL_CMDLINE
    kernel_version: str = ""
    # The root disk is a bare ext4 file system: Glance disk_format "ami" (raw bytes).
    rootdisk_format: str = "raw"


_SCRIPTS = {
    # file in this package -> path in the guest
    "rc.sh": "etc/pocketstack/rc",
    "userdata.sh": "etc/pocketstack/userdata",
    "udhcpc.sh": "etc/pocketstack/udhcpc",
    "jsonflat.sh": "bin/jsonflat",
}
_INITTAB = b"""\
::sysinit:/etc/pocketstack/rc
::once:/etc/pocketstack/userdata
::ctrlaltdel:/bin/busybox reboot
::shutdown:/bin/busybox sync
::shutdown:/bin/busybox umount -a -r
"""
_DIRS = (
    "bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "etc/pocketstack", "etc/acpi", "etc/acpi/PWRF",
    "dev", "proc", "sys", "run", "tmp", "mnt", "mnt/config", "root", "var", "var/log", "lib",
)  # fmt: skip


def _script(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


def _inputs_hash(packages: debs.Packages) -> str:
    digest = hashlib.sha256()
    for part in (BUILD_FORMAT, KERNEL_CMDLINE, str(ROOT_DISK_MB), ROOT_LABEL, *kmod.CORE_MODULES, *kmod.CDROM_MODULES):
        digest.update(part.encode() + b"\0")
    for deb in (packages.kernel_deb, packages.busybox_deb):
        digest.update(f"{deb.name}:{deb.stat().st_size}".encode() + b"\0")
    # The guest scripts and this builder's own code: changing either rebuilds.
    package = resources.files(__package__)
    for name in sorted(item.name for item in package.iterdir() if item.name.endswith((".sh", ".py"))):
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _applet_links(busybox: Path) -> list[cpio.Entry]:
    """A symlink per busybox applet, made now so the guest need not make them at boot.

    Asks the static busybox itself (``--list-full``); on a host that cannot run it the
    list is empty and the guest's init falls back to ``busybox --install -s``.
    """
    try:
        listed = subprocess.run([str(busybox), "--list-full"], capture_output=True, text=True, timeout=10)
    except OSError:
        return []
    paths = [line.strip().strip("/") for line in listed.stdout.splitlines() if line.strip()]
    own = {"bin/busybox", "bin/sh", "sbin/init"}
    return [cpio.symlink(path, "/bin/busybox") for path in paths if path not in own and "/" in path]


def _guest_tree(busybox: bytes, applets: list[cpio.Entry]) -> list[cpio.Entry]:
    """What the initramfs and the root disk have in common: busybox and stage 2."""
    entries = [cpio.directory(d) for d in _DIRS] + applets
    entries += [
        cpio.file("bin/busybox", busybox, 0o755),
        cpio.symlink("bin/sh", "busybox"),
        cpio.symlink("sbin/init", "../bin/busybox"),
        cpio.file("etc/inittab", _INITTAB),
        cpio.file("etc/hostname", b"tiny\n"),
        cpio.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
        cpio.file("etc/group", b"root:x:0:\n"),
        # busybox acpid runs /etc/acpi/PWRF/00000080 on the ACPI power button.
        cpio.file("etc/acpi/PWRF/00000080", b"#!/bin/sh\nexec poweroff\n", 0o755),
    ]
    entries += [cpio.file(target, _script(name), 0o755) for name, target in _SCRIPTS.items()]
    return entries


def _initramfs_tree(
    busybox: bytes, applets: list[cpio.Entry], modules: dict[str, Path], core: list[str], cdrom: list[str]
) -> list[cpio.Entry]:
    entries = _guest_tree(busybox, applets)
    entries += [
        cpio.file("init", _script("init.sh"), 0o755),
        cpio.char_device("dev/console", 5, 1),
        cpio.directory("newroot"),
        cpio.directory("lib/modules"),
        cpio.file("lib/modules/core.list", "".join(f"{m}\n" for m in core).encode()),
        cpio.file("lib/modules/cdrom.list", "".join(f"{m}\n" for m in cdrom).encode()),
    ]
    entries += [cpio.file(f"lib/modules/{m}.ko", modules[m].read_bytes()) for m in (*core, *cdrom)]
    return entries


def _materialize(entries: list[cpio.Entry], into: Path) -> None:
    """Write a tree of entries as real files (for ``mke2fs -d``); devices are skipped."""
    for entry in sorted(entries, key=lambda e: e.path):
        target = into / entry.path
        kind = stat.S_IFMT(entry.mode)
        if kind == stat.S_IFDIR:
            target.mkdir(parents=True, exist_ok=True)
        elif kind == stat.S_IFLNK:
            target.symlink_to(entry.data.decode())
        elif kind == stat.S_IFREG:
            target.write_bytes(entry.data)
            target.chmod(stat.S_IMODE(entry.mode))


def _make_rootdisk(entries: list[cpio.Entry], image: Path, work: Path) -> None:
    mke2fs = debs.ensure_tool("mke2fs", "e2fsprogs")
    tree = work / "rootfs"
    tree.mkdir()
    _materialize(entries, tree)
    proc = subprocess.run(
        [mke2fs, "-q", "-F", "-t", "ext4", "-L", ROOT_LABEL, "-E", "root_owner=0:0", "-d", str(tree),
         str(image), f"{ROOT_DISK_MB}M"],
        capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"mke2fs failed: {proc.stderr.strip()}")


@contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """One build at a time per cache (parallel test workers share the downloads)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _artifacts(directory: Path, packages: debs.Packages) -> TinyArtifacts:
    return TinyArtifacts(
        kernel=directory / "vmlinuz",
        initramfs=directory / "initrd.img",
        rootdisk=directory / "root.img",
        kernel_version=packages.kernel_version,
    )


def _assemble(packages: debs.Packages, final: Path, report: Progress) -> None:
    with tempfile.TemporaryDirectory(prefix=".build-", dir=final.parent) as tmp:
        work = Path(tmp)
        report("unpacking the kernel package", 0.3)
        debs.unpack(packages.kernel_deb, work / "kernel")
        debs.unpack(packages.busybox_deb, work / "busybox")
        out = work / "out"
        out.mkdir()
        shutil.copyfile(work / "kernel" / "boot" / f"vmlinuz-{packages.kernel_version}", out / "vmlinuz")
        modules = kmod.index_modules(work / "kernel" / "lib" / "modules" / packages.kernel_version)
        core = kmod.load_order(kmod.CORE_MODULES, modules)
        cdrom = kmod.load_order(kmod.CDROM_MODULES, modules, already=core)
        busybox_path = work / "busybox" / "bin" / "busybox"
        busybox = busybox_path.read_bytes()
        applets = _applet_links(busybox_path)
        report("writing the initramfs", 0.6)
        cpio.write_gzipped(out / "initrd.img", _initramfs_tree(busybox, applets, modules, core, cdrom))
        report("making the root disk", 0.8)
        _make_rootdisk(_guest_tree(busybox, applets), out / "root.img", work)
        out.rename(final)


def _place(artifacts: TinyArtifacts, output: Path) -> TinyArtifacts:
    output.mkdir(parents=True, exist_ok=True)
    placed: dict[str, Path] = {}
    for field in ("kernel", "initramfs", "rootdisk"):
        source: Path = getattr(artifacts, field)
        target = output / source.name
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        placed[field] = target
    return TinyArtifacts(
        kernel=placed["kernel"],
        initramfs=placed["initramfs"],
        rootdisk=placed["rootdisk"],
        kernel_version=artifacts.kernel_version,
    )


def build_tiny(
    output: Path | None = None,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    refresh: bool = False,
) -> TinyArtifacts:
    """Build (or reuse) the tiny guest; with ``output``, hard-link or copy the images there.

    ``refresh`` asks apt again which kernel is current instead of reusing the cached one.
    The returned images are shared with the cache: copy before modifying (boot the root
    disk through a qcow2 overlay or a copy).
    """
    cache = cache_dir or DEFAULT_CACHE_DIR

    def report(message: str, fraction: float) -> None:
        if progress is not None:
            progress(message, fraction)

    with _locked(cache):
        report("resolving the Debian packages", 0.0)
        packages = debs.fetch(cache / "debs", refresh=refresh)
        builds = cache / "builds"
        builds.mkdir(exist_ok=True)
        final = builds / _inputs_hash(packages)
        if not final.exists():
            _assemble(packages, final, report)
        for stale in builds.iterdir():
            if stale != final and not stale.name.startswith("."):
                shutil.rmtree(stale, ignore_errors=True)
    report("tiny guest ready", 1.0)
    artifacts = _artifacts(final, packages)
    return _place(artifacts, output) if output is not None else artifacts


def tiny_available(cache_dir: Path | None = None) -> tuple[bool, str]:
    """Whether this machine can build the tiny guest, and if not, why not."""
    if platform.system() != "Linux":
        return False, "the tiny guest is built with apt and dpkg on Debian-like Linux"
    cache = cache_dir or DEFAULT_CACHE_DIR
    if (cache / "debs" / "resolved.json").exists() and any((cache / "builds").glob("[0-9a-f]*")):
        return True, ""
    for tool in ("apt-get", "apt-cache", "dpkg-deb", "modinfo"):
        if not (shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")):
            return False, f"{tool} not found (the tiny guest is assembled from Debian packages)"
    is_root = os.geteuid() == 0
    if not (shutil.which("mke2fs") or shutil.which("mke2fs", path="/usr/sbin:/sbin")) and not is_root:
        return False, "mke2fs not found: install e2fsprogs"
    try:
        debs.resolve_kernel_package(update=False)
    except debs.PackageError:
        if not is_root:
            return False, f"apt knows no {debs.KERNEL_META_PACKAGE}; run apt-get update as root"
    return True, ""
