"""Shelve, shelveOffload and unshelve, the conductor's part (mixed into ConductorManager).

A shelved server is powered off on its host with a snapshot image (its id in the
instance's system metadata). Offloaded, no host holds it: the VM is gone, placement's
allocation is released, the ports stay (unbound). Unshelving an offloaded server is a
new placement: scheduled and claimed like a build, then spawned from the snapshot by
the chosen host's agent with the same ports.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.common.timeutils import iso_nozone, utcnow
from pocketstack.compute import states
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.scheduler.filters.affinity import hinted_servers
from pocketstack.compute.scheduler.rpcapi import SchedulerAPI
from pocketstack.db import Database

SHELVE_KEYS = ("shelved_image_id", "shelved_at", "shelved_host")


class ShelveTasks:
    db: Database
    bus: Bus
    scheduler_api: SchedulerAPI
    compute_api: ComputeAgentAPI
    placement: PlacementClient

    async def _set(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        values: dict[str, Any],
        events: list[dict[str, Any]] | None = None,
        fault: str | None = None,
        host: str | None = None,
        system_metadata: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.writer() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            if inst is None or inst.deleted:
                return
            for key, value in values.items():
                setattr(inst, key, value)
            if system_metadata is not None:
                merged = {k: v for k, v in (inst.system_metadata or {}).items() if k not in SHELVE_KEYS}
                inst.system_metadata = {**merged, **system_metadata}
            if events:
                await actions.record_events(s, instance_uuid, ctx.request_id, events)
            if fault:
                actions.add_fault(s, instance_uuid, fault, host=host)

    async def instance_shelved(
        self, ctx: RequestContext, instance_uuid: str, image_id: str, host: str, power_state: int,
        events: list[dict[str, Any]],
    ) -> None:  # fmt: skip
        meta = {"shelved_image_id": image_id, "shelved_at": iso_nozone(utcnow()), "shelved_host": host}
        values = {"vm_state": states.SHELVED, "task_state": None, "power_state": power_state}
        await self._set(ctx, instance_uuid, values, events, system_metadata=meta)

    async def instance_offloaded(self, ctx: RequestContext, instance_uuid: str, events: list[dict[str, Any]]) -> None:
        await self.placement.delete_allocations(instance_uuid)
        values = {
            "vm_state": states.SHELVED_OFFLOADED,
            "task_state": None,
            "power_state": states.NOSTATE,
            "host": None,
            "node": None,
        }
        await self._set(ctx, instance_uuid, values, events)

    async def unshelve_instance(
        self, ctx: RequestContext, instance_uuid: str, requested_host: str | None = None
    ) -> None:
        """Schedule an offloaded server (cast from the API) and cast its spawn."""
        start = time.time()
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        if inst is None or inst.deleted:
            return
        spec = {
            "instance_uuid": instance_uuid,
            "project_id": inst.project_id,
            "user_id": inst.user_id,
            "resources": instance_resources(inst.vcpus, inst.memory_mb, inst.flavor, inst.block_device_mapping),
            "availability_zone": inst.requested_availability_zone,
            "image_properties": (inst.image_meta or {}).get("properties", {}),
            "flavor_extra_specs": dict((inst.flavor or {}).get("extra_specs") or {}),
            "requested_host": requested_host,
            "same_host": hinted_servers(inst.scheduler_hints, "same_host"),
            "different_host": hinted_servers(inst.scheduler_hints, "different_host"),
        }
        try:
            result = await self.scheduler_api.select_destinations(ctx, spec=spec, num_alternates=0, return_spans=True)
        except PocketError as exc:
            result = {"error": f"No valid host was found. The scheduler did not answer: {exc.message}"}
        result.pop("spans", None)
        event = {"event": "schedule_instances", "start": start, "finish": time.time(), "host": None}
        if "error" in result:
            error = f"Unshelve of instance {instance_uuid} failed: {result['error']}"
            await self._set(
                ctx, instance_uuid, {"task_state": None}, [{**event, "result": "Error", "traceback": error}], error
            )
            return
        placed = {"host": result["host"], "node": result["node"], "availability_zone": result["zone"]}
        await self._set(ctx, instance_uuid, placed, [{**event, "result": "Success"}])
        await self.compute_api.spawn_unshelved(ctx, result["host"], instance_uuid=instance_uuid, node=result["node"])

    async def instance_unshelved(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        power_state: int,
        events: list[dict[str, Any]],
        ports: list[dict[str, Any]] | None = None,
    ) -> None:
        values: dict[str, Any] = {"vm_state": states.ACTIVE, "task_state": None, "power_state": power_state}
        if ports is not None:
            values["ports"] = ports
        await self._set(ctx, instance_uuid, values, events, system_metadata={})

    async def unshelve_failed(
        self, ctx: RequestContext, instance_uuid: str, reason: str, events: list[dict[str, Any]], host: str
    ) -> None:
        await self.placement.delete_allocations(instance_uuid)
        values = {"vm_state": states.SHELVED_OFFLOADED, "task_state": None, "host": None, "node": None}
        await self._set(ctx, instance_uuid, values, events, reason, host)
