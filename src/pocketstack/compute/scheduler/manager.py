"""The scheduler endpoint (topic ``scheduler``): one decision per server.

Steps, each a span of the request's trace: host states; candidates from placement;
filters (each counted); weighers; the claim in placement, tried host by host in weight
order until one succeeds (placement checks capacity and generations, so two servers
racing for the last slot cannot both win); alternates for reschedules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import select, update

from pocketstack.common.config import ComputeConfig
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import trace
from pocketstack.compute.scheduler import host_state
from pocketstack.compute.scheduler.filters import Filter, default_filters
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
        self._group_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._failures: dict[str, list[float]] = defaultdict(list)

    # --- bus methods -----------------------------------------------------------------
    async def build_failed(self, ctx: dict[str, Any], host: str) -> None:
        self._failures[host].append(time.monotonic())

    async def select_destinations(
        self, ctx: dict[str, Any], spec: dict[str, Any], num_alternates: int = 2
    ) -> dict[str, Any]:
        """Choose and claim a host: ``{"host", "node", "provider", "alternates"}`` or ``{"error"}``."""
        request = RequestSpec.from_dict(spec)
        spans = trace.Spans(request.instance_uuid, ctx.get("request_id") or "", "scheduler")
        group_id = (request.group or {}).get("uuid")
        try:
            if group_id:
                # Members of one group are placed one at a time, so two concurrent
                # anti-affinity members never see the same "free" host.
                async with self._group_locks[group_id]:
                    return await self._select(ctx, request, spans, num_alternates)
            return await self._select(ctx, request, spans, num_alternates)
        finally:
            async with self.db.writer() as s:
                trace.add_rows(s, spans.rows())

    async def _select(
        self, ctx: dict[str, Any], request: RequestSpec, spans: trace.Spans, num_alternates: int
    ) -> dict[str, Any]:
        with spans.span("host states"):
            hosts = await host_state.load(self.db, self.config.service_down_time)
            if request.group:
                request.group_hosts = await self._group_hosts(request.group["uuid"], request.instance_uuid)
            self._apply_failures(hosts)
        with spans.span("placement: allocation candidates") as rec:
            found = await self.placement.candidates(request.resources)
            rec["detail"] = f"{len(found.get('allocation_requests', []))} candidates of {len(hosts)} hosts"
        removed: dict[str, int] = {}
        with spans.span("filters") as rec:
            passing = await self._placement_pass(hosts, found, request, removed)
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
        async with self.db.writer() as s:
            # Recorded now (under the group lock) so the next member's scheduling sees it.
            await s.execute(
                update(Instance)
                .where(Instance.uuid == request.instance_uuid)
                .values(host=best.host, node=best.node, availability_zone=best.zone)
            )
        return {
            "host": best.host,
            "node": best.node,
            "provider": best.provider_uuid,
            "zone": best.zone,
            "allocation": best.allocation,
            "alternates": alternates,
        }

    # --- helpers ---------------------------------------------------------------------
    def _apply_failures(self, hosts: dict[str, HostState]) -> None:
        horizon = time.monotonic() - FAILURE_MEMORY_SECONDS
        for host in hosts.values():
            recent = [t for t in self._failures.get(host.host, []) if t > horizon]
            if recent:
                self._failures[host.host] = recent
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

    async def _placement_pass(
        self, hosts: dict[str, HostState], found: dict[str, Any], request: RequestSpec, removed: dict[str, int]
    ) -> list[HostState]:
        """Hosts placement offered; the others are attributed to the resource that is short."""
        offered: dict[str, dict[str, Any]] = {}
        for areq in found.get("allocation_requests", []):
            providers = list(areq.get("allocations", {}))
            if len(providers) == 1:
                offered.setdefault(providers[0], areq)
        summaries = found.get("provider_summaries", {})
        passing: list[HostState] = []
        refused: list[HostState] = []
        for uuid, host in hosts.items():
            if uuid in offered:
                host.allocation = offered[uuid]
                res = summaries.get(uuid, {}).get("resources", {})
                host.free = {rc: float(v.get("capacity", 0)) - float(v.get("used", 0)) for rc, v in res.items()}
                passing.append(host)
            else:
                refused.append(host)
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
