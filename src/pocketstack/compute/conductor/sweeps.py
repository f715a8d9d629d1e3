"""The conductor's sweeps (nothing stays in BUILD forever): the periodic one that fails
builds overstaying ``build_timeout`` or left on a host gone silent, and the one at the
start of a cloud whose bus died with its process, which finds the work left behind."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import String, cast, select

from pocketstack.common.context import RequestContext
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import states
from pocketstack.compute.models import ComputeService, Instance
from pocketstack.compute.scheduler.host_state import is_up

if TYPE_CHECKING:
    from pocketstack.compute.conductor.manager import ConductorManager

log = logging.getLogger(__name__)


async def sweep_builds(m: ConductorManager) -> int:
    """ERROR for builds that overstay ``build_timeout``, and (sooner) for builds on a
    host whose agent stopped sending heartbeats for ``service_down_time``."""
    now = utcnow()
    deadline = now - dt.timedelta(seconds=m.config.build_timeout)
    building = select(Instance).where(Instance.vm_state == states.BUILDING, Instance.deleted.is_(False))
    async with m.db.reader() as s:
        stuck = list(await s.scalars(building.where(Instance.created_at < deadline)))
        services = (
            await s.execute(
                select(ComputeService.host, ComputeService.last_seen_up, ComputeService.forced_down).where(
                    ComputeService.binary == "nova-compute"
                )
            )
        ).all()
        down = {
            r.host: r.last_seen_up
            for r in services
            if not is_up(r.last_seen_up, r.forced_down, m.config.service_down_time)
        }
        orphaned = list(await s.scalars(building.where(Instance.host.in_(down)))) if down else []
    failed = 0
    for inst in stuck:
        where = f"on host {inst.host}" if inst.host else "before a host was chosen"
        message = (
            f"Build timed out after {m.config.build_timeout:g}s {where} "
            f"(task_state {inst.task_state or 'none'}): the hop did not answer in time."
        )
        await _fail_build(m, inst, message)
        failed += 1
    for inst in orphaned:
        if any(i.uuid == inst.uuid for i in stuck):
            continue
        seen = down.get(inst.host or "")
        ago = f"{(now - seen).total_seconds():.0f}s ago" if seen is not None else "never"
        message = (
            f"Build failed: compute host {inst.host} stopped reporting while the instance was building "
            f"(last heartbeat {ago}; a host is down after {m.config.service_down_time:g}s of silence)."
        )
        await _fail_build(m, inst, message)
        failed += 1
    return failed


async def work_left(m: ConductorManager) -> dict[str, set[str]]:
    """At the start of a cloud whose bus dies with its process (the memory bus):
    every instance still BUILDING, being deleted, in a task agents reset or with a
    volume detaching lost its cast with the previous process. Builds that never got a
    host fail here; the rest, by host, are for that host's agent to undo or finish
    (``fail_left_builds`` for the builds of hosts no agent here serves)."""
    query = select(Instance.uuid, Instance.host).where(
        (Instance.vm_state == states.BUILDING) | Instance.task_state.in_((states.DELETING, *states.RESETTABLE_TASKS)),
        Instance.deleted.is_(False),
    )
    # A detach (no task state, as in Nova) shows only in its mapping's status.
    detaching = select(Instance.uuid, Instance.host, Instance.block_device_mapping).where(
        Instance.host.is_not(None),
        Instance.deleted.is_(False),
        cast(Instance.block_device_mapping, String).like('%"detaching"%'),
    )
    async with m.db.reader() as s:
        rows = (await s.execute(query)).all()
        detaches = (await s.execute(detaching)).all()
    by_host: dict[str, set[str]] = {}
    unplaced = [r.uuid for r in rows if not r.host]
    for row in rows:
        if row.host:
            by_host.setdefault(row.host, set()).add(row.uuid)
    for row in detaches:
        if any(b.get("status") == "detaching" for b in row.block_device_mapping or []):
            by_host.setdefault(row.host, set()).add(row.uuid)
    await fail_left_builds(m, unplaced, "before a host was chosen")
    return by_host


async def fail_left_builds(m: ConductorManager, uuids: list[str], where: str) -> None:
    for uuid in uuids:
        async with m.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == uuid))
        if inst is None or inst.vm_state != states.BUILDING:
            continue
        message = f"Build interrupted by a restart of the cloud {where}: its request was lost with the process."
        await _fail_build(m, inst, message)
    if uuids:
        log.info("conductor: %d builds interrupted by a restart %s failed", len(uuids), where)


async def _fail_build(m: ConductorManager, inst: Instance, message: str) -> None:
    ctx = RequestContext(request_id=inst.request_id or "")
    if inst.task_state == states.DELETING:
        # Deleted while building, and the build never reported: the delete completes.
        await m.instance_destroyed(ctx, inst.uuid, inst.host)
        return
    await m._set_error(ctx, inst.uuid, message, code=500, host=inst.host)
    await m.placement.delete_allocations(inst.uuid)
