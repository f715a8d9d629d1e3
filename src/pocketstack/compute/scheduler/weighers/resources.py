"""The default weighers: spread by free RAM, vCPU and disk; avoid hosts that failed
builds recently; soft (anti-)affinity for server groups."""

from __future__ import annotations

from pocketstack.compute.scheduler.host_state import HostState, RequestSpec
from pocketstack.compute.scheduler.weighers import Weigher


class RAMWeigher(Weigher):
    name = "RAMWeigher"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return host.free.get("MEMORY_MB", 0.0)


class CPUWeigher(Weigher):
    name = "CPUWeigher"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return host.free.get("VCPU", 0.0)


class DiskWeigher(Weigher):
    name = "DiskWeigher"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return host.free.get("DISK_GB", 0.0)


class BuildFailureWeigher(Weigher):
    """Strongly prefer hosts without recent build failures (Nova's default is huge too)."""

    name = "BuildFailureWeigher"
    multiplier = 1000.0

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return -float(host.recent_failures)


class SoftAffinityWeigher(Weigher):
    """soft-affinity: prefer hosts with members; soft-anti-affinity: hosts without."""

    name = "ServerGroupSoftAffinityWeigher"
    multiplier = 10.0

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        policy = (spec.group or {}).get("policy")
        members = spec.group_hosts.count(host.host)
        if policy == "soft-affinity":
            return float(members)
        if policy == "soft-anti-affinity":
            return -float(members)
        return 0.0
