"""AggregateInstanceExtraSpecsFilter: a flavor's extra specs must be met by the
metadata of the host's aggregates (how an operator pins flavors to hardware).

As in Nova, a spec counts when it is unscoped (``ssd=true``) or scoped
``aggregate_instance_extra_specs:``; other scopes (``hw:``, ``quota:``...) belong to
other filters. A host passes when, for every such key, one of its aggregates gives the
key a value equal to the spec's (aggregate values may list several, comma-separated).
The spec may also be written ``<in> a b`` (any of the values) or ``s== x``.
"""

from __future__ import annotations

from pocketstack.compute.scheduler.filters import Filter
from pocketstack.compute.scheduler.host_state import HostState, RequestSpec

SCOPE = "aggregate_instance_extra_specs"


def _wanted(spec: str) -> set[str]:
    words = spec.split()
    if words and words[0] == "<in>":
        return set(words[1:])
    if words and words[0] in ("s==", "=="):
        return {" ".join(words[1:])}
    return {spec.strip()}


class AggregateInstanceExtraSpecsFilter(Filter):
    name = "AggregateInstanceExtraSpecsFilter"

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        for key, value in spec.flavor_extra_specs.items():
            scope, _, rest = key.partition(":")
            if rest:
                if scope != SCOPE:
                    continue
                key = rest
            have = host.aggregate_metadata.get(key)
            if not have or not (have & _wanted(str(value))):
                return False
        return True
