"""Server group policies: affinity (same host) and anti-affinity (distinct hosts).

The soft variants never filter: they are weighers' business (see weighers)."""

from __future__ import annotations

from pocketstack.compute.scheduler.filters import Filter
from pocketstack.compute.scheduler.host_state import HostState, RequestSpec


class AntiAffinityFilter(Filter):
    name = "ServerGroupAntiAffinityFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        if not spec.group or spec.group.get("policy") != "anti-affinity":
            return True
        limit = int((spec.group.get("rules") or {}).get("max_server_per_host", 1))
        return spec.group_hosts.count(host.host) < limit


class AffinityFilter(Filter):
    name = "ServerGroupAffinityFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        if not spec.group or spec.group.get("policy") != "affinity" or not spec.group_hosts:
            return True
        return host.host in spec.group_hosts
