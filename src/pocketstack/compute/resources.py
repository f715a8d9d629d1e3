"""What one instance uses of a host, in placement's resource classes.

One function for the scheduler's request and the compute agent's local claim, so the
two agree. Like Nova, a volume-backed instance (its boot_index 0 device is a volume)
takes no local disk for its root: the root lives on the volume backend, only the
flavor's ephemeral and swap disks are local.
"""

from __future__ import annotations

from typing import Any

MIB_PER_GIB = 1024


def is_volume_backed(block_device_mapping: list[dict[str, Any]] | None) -> bool:
    return any(m.get("boot_index") == 0 and m.get("destination_type") == "volume" for m in block_device_mapping or [])


def local_disk_gb(flavor: dict[str, Any], volume_backed: bool) -> int:
    """Local DISK_GB: root (unless volume-backed) + ephemeral + swap rounded up to GiB."""
    root = 0 if volume_backed else int(flavor.get("root_gb") or 0)
    swap_mb = int(flavor.get("swap") or 0)
    return root + int(flavor.get("ephemeral_gb") or 0) + -(-swap_mb // MIB_PER_GIB)


def instance_resources(
    vcpus: int, memory_mb: int, flavor: dict[str, Any], block_device_mapping: list[dict[str, Any]] | None
) -> dict[str, int]:
    return {
        "VCPU": vcpus,
        "MEMORY_MB": memory_mb,
        "DISK_GB": local_disk_gb(flavor, is_volume_backed(block_device_mapping)),
    }
