"""Typed RPC of the ``scheduler`` topic (see ``pocketstack.bus.rpc``), served by every
compute API process's ``SchedulerManager``.

``select_destinations`` is a call (a work queue: one scheduler answers); ``build_failed``
and ``host_states_changed`` are fanned out, so every scheduler's host cache hears them.
Callers: the conductor (builds, moves, unshelve) and the compute API (host and aggregate
changes).

Version history:
- 1.0: select_destinations (spec: a ``RequestSpec`` as a dict), build_failed,
  host_states_changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext

if TYPE_CHECKING:
    from pocketstack.compute.scheduler.manager import SchedulerManager

SCHEDULER_TOPIC = "scheduler"


@rpc.payload
class SelectDestinations(rpc.Payload):
    METHOD = "select_destinations"
    spec: dict[str, Any]
    num_alternates: int = 2
    return_spans: bool = False


@rpc.payload
class BuildFailed(rpc.Payload):
    METHOD = "build_failed"
    host: str


@rpc.payload
class HostStatesChanged(rpc.Payload):
    METHOD = "host_states_changed"


class SchedulerAPI(rpc.Client):
    async def select_destinations(
        self,
        ctx: RequestContext,
        spec: dict[str, Any],
        num_alternates: int = 2,
        return_spans: bool = False,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            SCHEDULER_TOPIC,
            ctx,
            SelectDestinations(spec=spec, num_alternates=num_alternates, return_spans=return_spans),
            timeout=timeout,
        )
        return answer

    async def build_failed(self, ctx: RequestContext, host: str) -> None:
        await self._fanout(SCHEDULER_TOPIC, ctx, BuildFailed(host=host))

    async def host_states_changed(self, ctx: RequestContext) -> None:
        await self._fanout(SCHEDULER_TOPIC, ctx, HostStatesChanged())


class SchedulerEndpoint(rpc.Forward):
    """The scheduler's bus methods (its host cache and filters are not reachable)."""

    serves = (
        SelectDestinations,
        BuildFailed,
        HostStatesChanged,
    )

    def __init__(self, manager: SchedulerManager) -> None:
        super().__init__(manager)
