"""Fetching the tiny guest's Debian packages with apt, and unpacking them.

Packages are downloaded (never installed) into a cache directory with ``apt-get
download``. The kernel is named exactly: ``apt-cache depends linux-image-cloud-amd64``
gives the current ``linux-image-<ver>-cloud-amd64``, because a glob would fetch every
version. The resolved names are remembered next to the .debs so a later build needs no
apt at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

KERNEL_META_PACKAGE = "linux-image-cloud-amd64"
BUSYBOX_PACKAGE = "busybox-static"
_KERNEL_PACKAGE = re.compile(r"Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)\b")


class PackageError(RuntimeError):
    """apt could not resolve or fetch a package the tiny guest needs."""


@dataclass(frozen=True)
class Packages:
    """The two .deb files the guest is made of."""

    kernel_package: str
    kernel_deb: Path
    busybox_deb: Path

    @property
    def kernel_version(self) -> str:
        return self.kernel_package.removeprefix("linux-image-")


def _run(args: list[str], cwd: Path | None = None) -> str:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise PackageError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return proc.stdout


def resolve_kernel_package(*, update: bool = True) -> str:
    """The exact kernel package behind the cloud meta-package (apt-get update if unknown)."""
    for attempt in range(2):
        proc = subprocess.run(["apt-cache", "depends", KERNEL_META_PACKAGE], capture_output=True, text=True)
        match = _KERNEL_PACKAGE.search(proc.stdout)
        if match:
            return match.group(1)
        if attempt == 0 and update:
            # An empty apt cache (fresh machine or container) knows no packages yet.
            _run(["apt-get", "update", "-q"])
    raise PackageError(f"apt-cache depends {KERNEL_META_PACKAGE} names no kernel package")


def _cached_deb(debs_dir: Path, package: str) -> Path | None:
    found = sorted(debs_dir.glob(f"{package}_*.deb"))
    return found[-1] if found else None


def _download(debs_dir: Path, package: str) -> Path:
    _run(["apt-get", "download", "-q", package], cwd=debs_dir)
    deb = _cached_deb(debs_dir, package)
    if deb is None:
        raise PackageError(f"apt-get download {package} produced no .deb in {debs_dir}")
    return deb


def fetch(debs_dir: Path, *, refresh: bool = False) -> Packages:
    """The kernel and busybox .debs, downloaded into ``debs_dir`` unless already there."""
    debs_dir.mkdir(parents=True, exist_ok=True)
    resolved_file = debs_dir / "resolved.json"
    if not refresh and resolved_file.exists():
        kernel_package = json.loads(resolved_file.read_text())["kernel_package"]
        kernel_deb = _cached_deb(debs_dir, kernel_package)
        busybox_deb = _cached_deb(debs_dir, BUSYBOX_PACKAGE)
        if kernel_deb and busybox_deb:
            return Packages(kernel_package, kernel_deb, busybox_deb)
    kernel_package = resolve_kernel_package()
    kernel_deb = _cached_deb(debs_dir, kernel_package) or _download(debs_dir, kernel_package)
    busybox_deb = (None if refresh else _cached_deb(debs_dir, BUSYBOX_PACKAGE)) or _download(debs_dir, BUSYBOX_PACKAGE)
    for old in debs_dir.glob("linux-image-*.deb"):
        if old != kernel_deb:
            old.unlink()  # a superseded kernel: 27 MB nobody will use again
    resolved_file.write_text(json.dumps({"kernel_package": kernel_package}))
    return Packages(kernel_package, kernel_deb, busybox_deb)


def unpack(deb: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    _run(["dpkg-deb", "-x", str(deb), str(into)])


def ensure_tool(command: str, package: str) -> str:
    """Path of ``command``, installing its Debian package first if it is missing."""
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")
    if found:
        return found
    _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package])
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")
    if not found:
        raise PackageError(f"{command} still missing after installing {package}")
    return found
