"""What an instance takes of a host (compute/resources.py): root, ephemeral and swap
on local disk, no root for a volume-backed instance."""

from __future__ import annotations

from pocketstack.compute.resources import instance_resources, is_volume_backed, local_disk_gb

FLAVOR = {"root_gb": 10, "ephemeral_gb": 2, "swap": 1536}
ROOT_VOLUME = [{"boot_index": 0, "destination_type": "volume", "source_type": "image"}]


def test_local_disk_counts_root_ephemeral_and_swap_rounded_up() -> None:
    assert local_disk_gb(FLAVOR, volume_backed=False) == 10 + 2 + 2
    assert local_disk_gb({"root_gb": 1}, volume_backed=False) == 1


def test_volume_backed_root_is_not_local() -> None:
    assert local_disk_gb(FLAVOR, volume_backed=True) == 4
    assert instance_resources(2, 2048, FLAVOR, ROOT_VOLUME) == {"VCPU": 2, "MEMORY_MB": 2048, "DISK_GB": 4}


def test_only_a_boot_index_zero_volume_makes_an_instance_volume_backed() -> None:
    assert is_volume_backed(ROOT_VOLUME)
    assert not is_volume_backed(None)
    # An extra data volume, or a local image root, leaves the root local.
    assert not is_volume_backed([{"boot_index": None, "destination_type": "volume"}])
    assert not is_volume_backed([{"boot_index": 0, "destination_type": "local"}])
