"""The resource tracker: what this host offers and uses, reported to the conductor
(compute node row, for os-hypervisors) and to placement (the host's inventory)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.config import ComputeConfig
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.virt.driver import VirtDriver


class ResourceTracker:
    def __init__(self, driver: VirtDriver, placement: PlacementClient, config: ComputeConfig) -> None:
        self.driver = driver
        self.placement = placement
        self.config = config
        # Resources of the instances this host runs: uuid -> (vcpus, memory_mb, root_gb).
        self.instances: dict[str, tuple[int, int, int]] = {}
        self.provider_uuid: str | None = None

    def node_report(self) -> dict[str, Any]:
        res = self.driver.host_resources()
        return {
            "hypervisor_hostname": res.hypervisor_hostname,
            "hypervisor_type": res.hypervisor_type,
            "hypervisor_version": res.hypervisor_version,
            "vcpus": res.vcpus,
            "memory_mb": res.memory_mb,
            "local_gb": res.local_gb,
            "cpu_info": res.cpu_info,
            "running_vms": len(self.instances),
            "vcpus_used": sum(v[0] for v in self.instances.values()),
            "memory_mb_used": sum(v[1] for v in self.instances.values()),
            "local_gb_used": sum(v[2] for v in self.instances.values()),
        }

    def inventory(self) -> dict[str, dict[str, Any]]:
        res = self.driver.host_resources()
        cfg = self.config
        return {
            "VCPU": {
                "total": res.vcpus,
                "reserved": min(cfg.reserved_host_cpus, max(0, res.vcpus - 1)),
                "min_unit": 1,
                "max_unit": res.vcpus,
                "step_size": 1,
                "allocation_ratio": cfg.cpu_allocation_ratio,
            },
            "MEMORY_MB": {
                "total": res.memory_mb,
                "reserved": min(cfg.reserved_host_memory_mb, max(0, res.memory_mb - 1)),
                "min_unit": 1,
                "max_unit": res.memory_mb,
                "step_size": 1,
                "allocation_ratio": cfg.ram_allocation_ratio,
            },
            "DISK_GB": {
                "total": res.local_gb,
                "reserved": min(cfg.reserved_host_disk_gb, max(0, res.local_gb - 1)),
                "min_unit": 1,
                "max_unit": res.local_gb,
                "step_size": 1,
                "allocation_ratio": cfg.disk_allocation_ratio,
            },
        }

    async def register_provider(self, provider_uuid: str) -> None:
        self.provider_uuid = provider_uuid
        await self.placement.ensure_provider(provider_uuid, self.driver.host_resources().hypervisor_hostname)
        await self.placement.set_inventory(provider_uuid, self.inventory())

    def claim(self, uuid: str, vcpus: int, memory_mb: int, root_gb: int) -> None:
        self.instances[uuid] = (vcpus, memory_mb, root_gb)

    def release(self, uuid: str) -> None:
        self.instances.pop(uuid, None)
