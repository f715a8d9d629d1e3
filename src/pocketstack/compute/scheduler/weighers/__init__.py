"""Scheduler weighers: each scores hosts, scores are normalised to 0..1 across the
candidates (as Nova does) and summed with configurable multipliers."""

from __future__ import annotations

import abc

from pocketstack.compute.scheduler.host_state import HostState, RequestSpec


class Weigher(abc.ABC):
    name = ""
    multiplier = 1.0

    @abc.abstractmethod
    def weigh(self, host: HostState, spec: RequestSpec) -> float: ...


def weigh(hosts: list[HostState], spec: RequestSpec, weighers: list[Weigher]) -> list[HostState]:
    """Hosts sorted best first."""
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        raw = [weigher.weigh(h, spec) for h in hosts]
        lo, hi = min(raw, default=0.0), max(raw, default=0.0)
        span = hi - lo
        for i, value in enumerate(raw):
            totals[i] += weigher.multiplier * ((value - lo) / span if span else 0.0)
    order = sorted(range(len(hosts)), key=lambda i: (-totals[i], hosts[i].host))
    return [hosts[i] for i in order]


def default_weighers() -> list[Weigher]:
    from pocketstack.compute.scheduler.weighers.resources import (
        BuildFailureWeigher,
        CPUWeigher,
        DiskWeigher,
        RAMWeigher,
        SoftAffinityWeigher,
    )

    return [RAMWeigher(), CPUWeigher(), DiskWeigher(), BuildFailureWeigher(), SoftAffinityWeigher()]
