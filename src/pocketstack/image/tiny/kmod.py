"""Which kernel modules the tiny guest loads, and in which order.

The Debian cloud kernel builds virtio, ISO 9660 and the ACPI button as modules. The
order comes from each module's ``depends`` field (``modinfo -F depends``), walked depth
first from a root list that already follows the order found to work (FINDINGS.md), so
the result is that order plus whatever a newer kernel adds as a dependency.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

# Always loaded: PCI virtio transport, NIC, disk, the config drive's file system, and the
# ACPI power button with evdev so busybox acpid sees it.
CORE_MODULES = (
    "virtio_ring",
    "virtio",
    "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev",
    "virtio_pci",
    "failover",
    "net_failover",
    "virtio_net",
    "virtio_blk",
    "isofs",
    "button",
    "evdev",
)
# Loaded only when no virtio disk carries the config drive: it may be an IDE CD-ROM.
CDROM_MODULES = ("scsi_common", "scsi_mod", "libata", "ata_piix", "sr_mod")
# Probed only when present in the kernel package (a kernel may build them in).
OPTIONAL_MODULES = frozenset({"button", "evdev", "ata_piix", "sr_mod", "libata", "scsi_mod", "scsi_common"})


class ModuleError(RuntimeError):
    """A needed module is missing from the kernel package."""


def index_modules(modules_dir: Path) -> dict[str, Path]:
    """Map module name (``virtio_net``) to its ``.ko`` file under ``lib/modules/VER``."""
    found: dict[str, Path] = {}
    for path in modules_dir.rglob("*.ko*"):
        name = path.name.split(".ko")[0].replace("-", "_")
        found[name] = path
    return found


def depends(path: Path) -> list[str]:
    out = subprocess.run(
        ["modinfo", "-F", "depends", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return [name.replace("-", "_") for name in out.split(",") if name]


def load_order(roots: Iterable[str], available: dict[str, Path], already: Iterable[str] = ()) -> list[str]:
    """Roots and their dependencies, every module after the ones it depends on."""
    done = set(already)
    order: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in chain:
            raise ModuleError(f"module dependency cycle: {' -> '.join((*chain, name))}")
        path = available.get(name)
        if path is None:
            if name in OPTIONAL_MODULES and not chain:
                return
            raise ModuleError(f"kernel module {name} not found in the kernel package")
        for dep in depends(path):
            visit(dep, (*chain, name))
        done.add(name)
        order.append(name)

    for root in roots:
        visit(root, ())
    return order
