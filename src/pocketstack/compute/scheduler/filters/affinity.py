"""Server group policies: affinity (same host) and anti-affinity (distinct hosts); the
same_host and different_host scheduler hints (Nova's SameHostFilter and DifferentHostFilter).

The soft variants never filter: they are weighers' business (see weighers)."""

from __future__ import annotations

from typing import Any

from pocketstack.compute.scheduler.filters import Filter
from pocketstack.compute.scheduler.host_state import HostState, RequestSpec


class AntiAffinityFilter(Filter):
    name = "ServerGroupAntiAffinityFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        if not spec.group or spec.group.get("policy") != "anti-affinity":
            return True
        limit = int((spec.group.get("rules") or {}).get("max_server_per_host", 1))
        return spec.group_hosts.count(host.host) < limit


def hinted_servers(hints: dict[str, Any] | None, key: str) -> list[str]:
    """The servers a same_host / different_host hint names (one uuid or a list)."""
    value = (hints or {}).get(key)
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


class SameHostFilter(Filter):
    """same_host: only a host running one of the named servers (none running: no host)."""

    name = "SameHostFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not spec.same_host or host.host in spec.same_host_hosts


class DifferentHostFilter(Filter):
    """different_host: no host running any of the named servers."""

    name = "DifferentHostFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return not spec.different_host or host.host not in spec.different_host_hosts


class AffinityFilter(Filter):
    name = "ServerGroupAffinityFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        if not spec.group or spec.group.get("policy") != "affinity" or not spec.group_hosts:
            return True
        return host.host in spec.group_hosts
