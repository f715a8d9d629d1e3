"""Scheduler filters: each removes hosts that cannot take the server, and is counted,
so "No valid host" can say which filter removed how many hosts."""

from __future__ import annotations

import abc

from pocketstack.compute.scheduler.host_state import HostState, RequestSpec


class Filter(abc.ABC):
    name = ""

    @abc.abstractmethod
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool: ...


def default_filters() -> list[Filter]:
    from pocketstack.compute.scheduler.filters.affinity import (
        AffinityFilter,
        AntiAffinityFilter,
        DifferentHostFilter,
        SameHostFilter,
    )
    from pocketstack.compute.scheduler.filters.aggregates import AggregateInstanceExtraSpecsFilter
    from pocketstack.compute.scheduler.filters.basic import (
        AvailabilityZoneFilter,
        ComputeFilter,
        ImagePropertiesFilter,
        RequestedDestinationFilter,
        RetryFilter,
    )

    return [
        RetryFilter(),
        RequestedDestinationFilter(),
        ComputeFilter(),
        AvailabilityZoneFilter(),
        ImagePropertiesFilter(),
        AggregateInstanceExtraSpecsFilter(),
        AntiAffinityFilter(),
        AffinityFilter(),
        SameHostFilter(),
        DifferentHostFilter(),
    ]
