"""The scheduler endpoint (topic ``scheduler``): one decision per server.

Steps, each a span of the request's trace: host states; candidates from placement;
filters (each counted); weighers; the claim in placement, tried host by host in weight
order until one succeeds (placement checks capacity and generations, so two servers
racing for the last slot cannot both win); alternates for reschedules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import select, update

from pocketstack.common.config import ComputeConfig
from pocketstack.common.context import RequestContext
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import trace
from pocketstack.compute.scheduler import host_state
from pocketstack.compute.scheduler.filters import Filter, default_filters
from pocketstack.compute.scheduler.host_cache import HostStateCache
from pocketstack.compute.scheduler.host_state import HostState, RequestSpec
from pocketstack.compute.scheduler.weighers import Weigher, default_weighers, weigh
from pocketstack.db import Database

log = logging.getLogger(__name__)

# Which filter placement's refusal is attributed to, per resource class, in the
# order the explanation checks them.
RESOURCE_FILTERS = (("MEMORY_MB", "RamFilter"), ("DISK_GB", "DiskFilter"), ("VCPU", "CoreFilter"))
FAILURE_MEMORY_SECONDS = 300.0


class SchedulerManager:
    def __init__(self, db: Database, placement: PlacementClient, config: ComputeConfig) -> None:
        self.db = db
        self.placement = placement
        self.config = config
        self.filters: list[Filter] = default_filters()
        self.weighers: list[Weigher] = default_weighers()
        self.host_states = HostStateCache(db, config.service_down_time, config.host_state_refresh)
        self._group_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._failures: dict[str, list[float]] = defaultdict(list)

    # --- bus methods -----------------------------------------------------------------
    async def build_failed(self, ctx: RequestContext, host: str) -> None:
        self._failures[host].append(time.monotonic())

    async def host_states_changed(self, ctx: RequestContext) -> None:
        """A host appeared, or a service was disabled/enabled/forced down: reload all."""
        self.host_states.invalidate()

    async def select_destinations(
        self, ctx: RequestContext, spec: dict[str, Any], num_alternates: int = 2, return_spans: bool = False
    ) -> dict[str, Any]:
        """Choose and claim a host: ``{"host", "node", "provider", "alternates"}`` or ``{"error"}``.

        With ``return_spans`` (the conductor, which writes the instance right after) the
        spans and the choice come back in the answer as ``"spans"`` for the caller to
        store in its own transaction: one write transaction less per launch. Members of
        a server group are still recorded here, before the group's lock is released."""
        request = RequestSpec.from_dict(spec)
        spans = trace.Spans(request.instance_uuid, ctx.request_id, "scheduler")
        group_id = (request.group or {}).get("uuid")
        # Members of one group are placed one at a time, so two concurrent anti-affinity
        # members never see the same "free" host; the choice is recorded before the lock
        # is released so the next member sees it.
        async with self._group_locks[group_id] if group_id else contextlib.nullcontext():
            result: dict[str, Any] = {}
            deferred = return_spans and not group_id
            try:
                result = await self._select(request, spans, num_alternates)
            except BaseException:
                deferred = False  # the caller gets no answer to store them with
                raise
            finally:
                if not deferred:
                    await self._record(request, spans, result)
            if deferred:
                result["spans"] = spans.items
            return result

    async def _record(self, request: RequestSpec, spans: trace.Spans, result: dict[str, Any]) -> None:
        """One short write: the spans, and the chosen host on the instance."""
        async with self.db.writer() as s:
            await trace.add_rows(s, spans.rows())
            if "host" in result:
                await s.execute(
                    update(Instance)
                    .where(Instance.uuid == request.instance_uuid)
                    .values(host=result["host"], node=result["node"], availability_zone=result["zone"])
                )

    async def _select(self, request: RequestSpec, spans: trace.Spans, num_alternates: int) -> dict[str, Any]:
        with spans.span("host states"):
            hosts = await self.host_states.hosts()
            if request.group:
                request.group_hosts = await self._group_hosts(request.group["uuid"], request.instance_uuid)
            if request.same_host:
                request.same_host_hosts = await self._hosts_of(request.same_host)
            if request.different_host:
                request.different_host_hosts = await self._hosts_of(request.different_host)
        limit = self.config.max_placement_results or None
        with spans.span("placement: allocation candidates") as rec:
            found = await self.placement.candidates(request.resources, limit=limit)
            rec["detail"] = f"{len(found.get('allocation_requests', []))} candidates of {len(hosts)} hosts"
        removed: dict[str, int] = {}
        with spans.span("filters") as rec:
            passing = await self._placement_pass(hosts, found, request, removed, limit)
            self._apply_failures(passing)
            for flt in self.filters:
                before = len(passing)
                passing = [h for h in passing if flt.host_passes(h, request)]
                if before - len(passing):
                    removed[flt.name] = removed.get(flt.name, 0) + before - len(passing)
            rec["detail"] = _explain(len(hosts), removed) or f"{len(passing)} hosts passed"
        if not passing:
            return {"error": f"No valid host was found. {_explain(len(hosts), removed)}".strip()}
        with spans.span("weighers"):
            ranked = weigh(passing, request, self.weighers)
        with spans.span("placement: claim") as rec:
            chosen = None
            for i, host in enumerate(ranked):
                assert host.allocation is not None
                if await self.placement.claim(
                    request.instance_uuid, host.allocation["allocations"], request.project_id, request.user_id
                ):
                    chosen = i
                    break
            if chosen is None:
                chosen = await self._claimed_before(request, ranked)
            rec["detail"] = f"claimed on {ranked[chosen].host}" if chosen is not None else "every claim refused"
        if chosen is None:
            return {
                "error": f"No valid host was found. {len(ranked)} hosts passed the filters but placement "
                f"refused every claim (capacity taken meanwhile)."
            }
        best = ranked[chosen]
        alternates = [
            {"host": h.host, "node": h.node, "provider": h.provider_uuid, "allocation": h.allocation}
            for h in ranked[chosen + 1 : chosen + 1 + num_alternates]
        ]
        return {
            "host": best.host,
            "node": best.node,
            "provider": best.provider_uuid,
            "zone": best.zone,
            "allocation": best.allocation,
            "alternates": alternates,
        }

    # --- helpers ---------------------------------------------------------------------
    async def _claimed_before(self, request: RequestSpec, ranked: list[HostState]) -> int | None:
        """The same request delivered again (the broker redelivers a message whose
        handler's connection dropped before its ack) finds the claim its first delivery
        made, as its own: that host is the answer the first delivery gave."""
        held = (await self.placement.allocations_of(request.instance_uuid)).get("allocations") or {}
        for i, host in enumerate(ranked):
            if host.provider_uuid in held:
                return i
        return None

    def _apply_failures(self, hosts: list[HostState]) -> None:
        horizon = time.monotonic() - FAILURE_MEMORY_SECONDS
        for host in hosts:
            if host.host not in self._failures:
                continue
            recent = [t for t in self._failures[host.host] if t > horizon]
            if recent:
                self._failures[host.host] = recent
            else:
                del self._failures[host.host]
            host.recent_failures = len(recent)

    async def _group_hosts(self, group_uuid: str, exclude: str) -> list[str]:
        query = select(Instance.host).where(
            Instance.server_group_id == group_uuid,
            Instance.deleted.is_(False),
            Instance.host.is_not(None),
            Instance.uuid != exclude,
        )
        async with self.db.reader() as s:
            return [h for h in await s.scalars(query) if h]

    async def _hosts_of(self, instance_uuids: list[str]) -> list[str]:
        query = select(Instance.host).where(
            Instance.uuid.in_(instance_uuids), Instance.deleted.is_(False), Instance.host.is_not(None)
        )
        async with self.db.reader() as s:
            return [h for h in await s.scalars(query) if h]

    async def _placement_pass(
        self,
        hosts: dict[str, HostState],
        found: dict[str, Any],
        request: RequestSpec,
        removed: dict[str, int],
        limit: int | None,
    ) -> list[HostState]:
        """Private copies of the hosts placement offered. When placement listed every
        candidate (fewer than ``limit``), the hosts it left out are attributed to the
        resource that is short; past the limit, the others were simply not considered."""
        offered: dict[str, dict[str, Any]] = {}
        requests = found.get("allocation_requests", [])
        for areq in requests:
            providers = list(areq.get("allocations", {}))
            if len(providers) == 1:
                offered.setdefault(providers[0], areq)
        summaries = found.get("provider_summaries", {})
        passing: list[HostState] = []
        horizon = self.host_states.horizon()
        for uuid, areq in offered.items():
            base = hosts.get(uuid)
            if base is None:
                continue  # a provider that is no compute node of ours
            host = self.host_states.for_request(base, horizon)
            host.allocation = areq
            res = summaries.get(uuid, {}).get("resources", {})
            host.free = {rc: float(v.get("capacity", 0)) - float(v.get("used", 0)) for rc, v in res.items()}
            passing.append(host)
        if limit is not None and len(requests) >= limit:
            return passing
        refused = [h for uuid, h in hosts.items() if uuid not in offered]
        if refused:
            used = await host_state.usage_by_host(self.db)
            ratios = {
                "VCPU": self.config.cpu_allocation_ratio,
                "MEMORY_MB": self.config.ram_allocation_ratio,
                "DISK_GB": self.config.disk_allocation_ratio,
            }
            for host in refused:
                name = "PlacementFilter"
                for rc, filter_name in RESOURCE_FILTERS:
                    want = request.resources.get(rc, 0)
                    free = host.total.get(rc, 0) * ratios[rc] - used.get(host.node, {}).get(rc, 0)
                    if want and want > free:
                        name = filter_name
                        break
                removed[name] = removed.get(name, 0) + 1
        return passing


def _explain(total: int, removed: dict[str, int]) -> str:
    if not removed:
        return ""
    parts = ", ".join(f"{name} removed {count}" for name, count in removed.items())
    return f"{total} host{'s' if total != 1 else ''}: {parts}"
