"""Building the compute agent of one host: its virt driver and its clients.

The compute service uses this for the agents it runs in its own process (the
all-in-one's simulated hosts, or this machine with qemu); ``pocketstack serve
compute-agent`` uses it for the one agent of its host (``pocketstack/agents.py``). Either
way the agent reaches the rest of the cloud only through the bus (conductor) and
HTTP (placement, image, network, volume), so it does not care where it runs.
"""

from __future__ import annotations

import logging
import shutil

from pocketstack.common.config import ComputeConfig
from pocketstack.compute.agent.manager import ComputeAgent
from pocketstack.compute.clients import ImageClient, NetworkClient, PlacementClient
from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)


def resolve_driver(config: ComputeConfig) -> str:
    """``auto`` for a host of its own: qemu where it is installed, else fake."""
    if config.driver != "auto":
        return config.driver
    if shutil.which(config.qemu_binary) is None:
        log.warning("compute driver auto: %s is not installed, using the fake driver", config.qemu_binary)
        return "fake"
    return "qemu"


def fake_driver(host: str, config: ComputeConfig) -> FakeDriver:
    """One simulated host, sized by ``[compute] fake_*``."""
    return FakeDriver(
        host,
        vcpus=config.fake_vcpus,
        memory_mb=config.fake_memory_mb,
        disk_gb=config.fake_disk_gb,
        boot_delay=config.fake_boot_delay,
    )


async def make_driver(runtime: Runtime, host: str, driver: str) -> VirtDriver:
    """The ``fake`` or ``qemu`` driver of ``host``."""
    config = runtime.config.compute
    if driver == "fake":
        return fake_driver(host, config)
    if driver == "qemu":
        from pocketstack.compute.virt.qemu import make_driver as make_qemu

        return await make_qemu(
            host, config, runtime.config.data_dir, http=runtime.http, service_token=runtime.service_token
        )
    raise ValueError(f"[compute] driver must be auto, fake or qemu, not {driver!r}")


class Clients:
    """The HTTP clients an agent uses (shared by the agents of one process)."""

    def __init__(self, runtime: Runtime) -> None:
        self.placement = PlacementClient(runtime)
        self.images = ImageClient(runtime)
        self.network = NetworkClient(runtime)

    async def close(self) -> None:
        for client in (self.placement, self.images, self.network):
            await client.close()


def make_agent(runtime: Runtime, host: str, driver: VirtDriver, clients: Clients) -> ComputeAgent:
    return ComputeAgent(
        host,
        driver,
        runtime.bus,
        runtime.config.compute,
        clients.placement,
        clients.images,
        clients.network,
        runtime.service_token,
    )
