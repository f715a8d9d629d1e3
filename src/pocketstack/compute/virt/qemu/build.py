"""What a spawn (or rebuild) makes of an ``InstanceSpec`` before QEMU starts: the root
overlay from the cached image (or the root volume's file), ephemeral and swap disks,
the config drive, the ports' taps, and the QEMU command line, saved as the record."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pocketstack.common.config import ComputeConfig
from pocketstack.compute.virt.configdrive import build_config_drive
from pocketstack.compute.virt.driver import InstanceSpec, SpawnFailed
from pocketstack.compute.virt.qemu import accel as accelerators
from pocketstack.compute.virt.qemu import cmdline, disks, metadata
from pocketstack.compute.virt.qemu.imagecache import CachedImage, ImageCache
from pocketstack.compute.virt.qemu.layout import InstanceDir, Record
from pocketstack.compute.virt.qemu.vifs import VifResolver

GIB = 1024**3


class Builder:
    def __init__(
        self,
        hostname: str,
        config: ComputeConfig,
        cache: ImageCache,
        accelerator: accelerators.Accelerator,
        resolve_vif: VifResolver,
    ) -> None:
        self.hostname = hostname
        self.config = config
        self.cache = cache
        self.accelerator = accelerator
        self.resolve_vif = resolve_vif

    async def prepare(self, spec: InstanceSpec, d: InstanceDir) -> Record:
        image = spec.image
        images: list[str] = []
        root_volume: tuple[Path, str] | None = None
        if spec.root_volume is not None:
            # Boot from volume: the volume file is the root disk; ``image`` is the volume's
            # image metadata (kernel_id/ramdisk_id for a direct kernel boot).
            try:
                root_volume = cmdline.volume_file(spec.root_volume.get("connection_info") or {})
            except ValueError as exc:
                raise SpawnFailed(f"The root volume of {spec.uuid} cannot be opened: {exc}") from None
            if not root_volume[0].exists():
                raise SpawnFailed(f"The root volume file {root_volume[0]} is not on host {self.hostname}.")
        else:
            if not image.get("id"):
                raise SpawnFailed("The qemu driver boots from an image or a volume (neither given).")
            base = await self.cache.get(str(image["id"]), image)
            images.append(base.image_id)
            wanted = spec.root_gb * GIB
            if wanted and wanted < base.virtual_size:
                raise SpawnFailed(
                    f"Flavor's disk is too small for requested image: the flavor has {spec.root_gb} GB, "
                    f"the image needs {-(-base.virtual_size // GIB)} GB."
                )
            await disks.overlay(base.path, base.format, d.root, max(wanted, base.virtual_size))
        kernel = await self.kernel_boot(image, images)
        if spec.ephemeral_gb:
            await disks.ephemeral(d.ephemeral, spec.ephemeral_gb)
        if spec.swap_mb:
            disks.swap(d.swap, spec.swap_mb)
        nics: list[cmdline.Nic] = []
        for vif in spec.network_info:
            nics.append(cmdline.Nic(vif["id"], vif["mac_address"], await self.resolve_vif(vif)))
        namespaces = {nic.tap.namespace for nic in nics if nic.tap is not None}
        if len(namespaces) > 1:
            raise SpawnFailed(f"The ports of instance {spec.uuid} are plugged in different namespaces.")
        with_drive = spec.config_drive or self.config.force_config_drive
        if with_drive:
            devnames = {nic.port_id: nic.tap.name for nic in nics if nic.tap is not None}
            await asyncio.to_thread(
                build_config_drive,
                d.config_drive,
                meta_data=metadata.meta_data(spec),
                user_data=_user_data(spec.user_data),
                network_data=metadata.network_data(spec.network_info, devnames),
            )
        namespace = next(iter(namespaces), None)
        argv = cmdline.build(
            binary=self.config.qemu_binary,
            accel=self.accelerator.name,
            d=d,
            name=spec.name,
            vcpus=spec.vcpus,
            memory_mb=spec.memory_mb,
            root_format=root_volume[1] if root_volume else "qcow2",
            kernel=kernel,
            ephemeral=bool(spec.ephemeral_gb),
            swap=bool(spec.swap_mb),
            config_drive=with_drive,
            nics=nics,
            namespace=namespace,
            root_volume=root_volume,
        )
        # The other volumes are attached at every start, like the ones hot-plugged later.
        volumes = {b["device"]: b["connection_info"] for b in spec.block_devices if b.get("boot_index") != 0}
        return Record(spec=asdict(spec), argv=argv, namespace=namespace, images=images, volumes=volumes)

    async def kernel_boot(self, image: dict[str, Any], images: list[str]) -> cmdline.KernelBoot | None:
        kernel_id = image.get("kernel_id")
        if not kernel_id:
            return None
        kernel: CachedImage = await self.cache.get(str(kernel_id))
        images.append(kernel.image_id)
        ramdisk = None
        if image.get("ramdisk_id"):
            ramdisk = await self.cache.get(str(image["ramdisk_id"]))
            images.append(ramdisk.image_id)
        append = cmdline.kernel_append(
            str(image.get("os_command_line") or cmdline.DEFAULT_KERNEL_CMDLINE), self.accelerator.name
        )
        return cmdline.KernelBoot(kernel.path, ramdisk.path if ramdisk else None, append)


def _user_data(value: str | None) -> bytes | None:
    """The API keeps user data base64-encoded (as Nova does); the guest gets the bytes."""
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode()
