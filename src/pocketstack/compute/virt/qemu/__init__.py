"""The qemu virt driver (DESIGN §4): real VMs, one daemonized QEMU per instance, over QMP.

``make_driver`` builds it for a compute host the way the compute service needs it:
instances under ``DATA_DIR/instances``, the image cache under ``DATA_DIR/image-cache``
fed by the image API, and NICs on the taps the network agent plugged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from pocketstack.common.config import ComputeConfig
from pocketstack.common.hostnames import host_namespace
from pocketstack.compute.virt.qemu.driver import QemuDriver
from pocketstack.compute.virt.qemu.imagecache import ImageCache, ImageSource
from pocketstack.compute.virt.qemu.imagesource import ImageAPISource
from pocketstack.compute.virt.qemu.vifs import VifResolver, resolver

__all__ = ["ImageCache", "ImageSource", "QemuDriver", "make_driver"]


async def make_driver(
    hostname: str,
    config: ComputeConfig,
    data_dir: Path,
    *,
    http: Callable[[], httpx.AsyncClient] | None = None,
    service_token: Callable[[], Awaitable[str]] | None = None,
    source: ImageSource | None = None,
    resolve_vif: VifResolver | None = None,
) -> QemuDriver:
    """The driver of host ``hostname``; images come from ``source`` or the image API."""
    if source is None:
        if http is None or service_token is None:
            raise ValueError("make_driver needs an image source, or http and service_token for the image API")
        source = ImageAPISource(http, service_token)
    if resolve_vif is None:
        host_ns = host_namespace(data_dir, hostname)
        resolve_vif = resolver(lambda: host_ns)
    cache = ImageCache(data_dir / "image-cache", source, config.image_cache_max_age)
    return await QemuDriver.create(hostname, config, data_dir / "instances", cache, resolve_vif)
