"""The scheduler's cache of host states.

Loading every compute node and service row on each decision costs ~0.8 s at 10,000
hosts, so the scheduler keeps them in memory: a full load once, then, at most every
``refresh_interval`` seconds, only the rows whose service or node changed since the last
look (heartbeats and resource reports bump ``updated_at``). Anything that changes which
hosts exist or may be used (a new agent registering, a service disabled or forced down)
fans out ``host_states_changed`` to the scheduler, which marks the cache stale so the
next decision reloads everything. "up" is recomputed from the last heartbeat at each
decision, so a host that stops reporting drops out without any reload.
"""

from __future__ import annotations

import copy
import datetime as dt
import time

from pocketstack.common.timeutils import utcnow
from pocketstack.compute.scheduler.host_state import HostState, load
from pocketstack.db import Database

# Rows are re-read this far back so an update committed while the last read ran is not missed.
OVERLAP = dt.timedelta(seconds=2)


class HostStateCache:
    def __init__(self, db: Database, down_time: float, refresh_interval: float = 1.0) -> None:
        self.db = db
        self.down_time = down_time
        self.refresh_interval = refresh_interval
        self._hosts: dict[str, HostState] = {}
        self._loaded_at: dt.datetime | None = None
        self._checked = 0.0
        self._stale = True

    def invalidate(self) -> None:
        self._stale = True

    async def hosts(self) -> dict[str, HostState]:
        """Every host state, keyed by provider uuid. Shared: callers copy before changing one
        (``for_request``), since copying all 10,000 on every decision would cost more than
        the decision itself."""
        await self._refresh()
        return self._hosts

    def horizon(self) -> dt.datetime:
        """Heartbeats older than this mean the host is down."""
        return utcnow() - dt.timedelta(seconds=self.down_time)

    @staticmethod
    def for_request(base: HostState, horizon: dt.datetime) -> HostState:
        """A private copy of ``base`` with "up" computed against ``horizon``."""
        host = copy.copy(base)  # shallow and much cheaper than dataclasses.replace
        host.up = not base.forced_down and base.last_seen is not None and base.last_seen >= horizon
        host.free, host.allocation = {}, None
        return host

    async def _refresh(self) -> None:
        now = time.monotonic()
        if self._stale or self._loaded_at is None:
            started = utcnow()
            self._hosts = await load(self.db, self.down_time)
            self._loaded_at, self._checked, self._stale = started, now, False
            return
        if now - self._checked < self.refresh_interval:
            return
        started = utcnow()
        changed = await load(self.db, self.down_time, since=self._loaded_at - OVERLAP)
        self._hosts.update(changed)
        self._loaded_at, self._checked = started, now
