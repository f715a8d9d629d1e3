"""Resize and cold migration, the conductor's part (mixed into ConductorManager).

Placement as Nova does it (migration-based allocations): when the move starts, what the
instance holds on its host (the old flavor) is moved to the migration's uuid as
consumer, and the scheduler claims the new flavor for the instance on the destination.
Until the move is confirmed or reverted, both are held. Confirm deletes the migration's
allocation; revert deletes the instance's and moves the migration's back.

The steps run on the agents (prep_resize on the destination, resize_instance on the
source, finish_resize on the destination; confirm_resize on the source; revert_resize
on the destination then finish_revert_resize on the source); they report here, where
the instance, the migration and placement change together.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from pocketstack.bus import Bus
from pocketstack.common.config import ComputeConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.models import Instance, Migration
from pocketstack.compute.objects import actions
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.scheduler.filters.affinity import hinted_servers
from pocketstack.compute.scheduler.rpcapi import SchedulerAPI
from pocketstack.db import Database

log = logging.getLogger(__name__)


def migration_view(m: Migration) -> dict[str, Any]:
    return {
        "uuid": m.uuid,
        "instance_uuid": m.instance_uuid,
        "migration_type": m.migration_type,
        "status": m.status,
        "source_compute": m.source_compute,
        "source_node": m.source_node,
        "dest_compute": m.dest_compute,
        "dest_node": m.dest_node,
        "old_flavor": m.old_flavor,
        "new_flavor": m.new_flavor,
        "old_vm_state": m.old_vm_state,
    }


def flavor_columns(flavor: dict[str, Any]) -> dict[str, Any]:
    """The instance's columns that come from its flavor."""
    return {
        "flavor": flavor,
        "flavor_id": flavor.get("flavorid"),
        "vcpus": flavor["vcpus"],
        "memory_mb": flavor["memory_mb"],
        "root_gb": flavor["root_gb"],
    }


class MoveTasks:
    db: Database
    bus: Bus
    scheduler_api: SchedulerAPI
    compute_api: ComputeAgentAPI
    placement: PlacementClient
    config: ComputeConfig

    async def migrate_server(
        self, ctx: RequestContext, instance_uuid: str, migration_uuid: str, requested_host: str | None = None
    ) -> dict[str, Any]:
        """Schedule the move (rpc.call from the API): ``{"host"}``, or ``{"error"}`` with
        everything put back (allocations, task state, the migration in ``error``)."""
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            mig = await s.scalar(select(Migration).where(Migration.uuid == migration_uuid))
        if inst is None or mig is None:
            return {"error": f"Instance {instance_uuid} could not be found."}
        project, user = inst.project_id, inst.user_id
        moved = await self.placement.move_allocations(instance_uuid, migration_uuid, project, user)
        new = mig.new_flavor
        same_allowed = self.config.allow_resize_to_same_host and mig.migration_type == "resize"
        spec = {
            "instance_uuid": instance_uuid,
            "project_id": project,
            "user_id": user,
            "resources": instance_resources(new["vcpus"], new["memory_mb"], new, inst.block_device_mapping),
            "availability_zone": inst.availability_zone if inst.requested_availability_zone else None,
            "image_properties": (inst.image_meta or {}).get("properties", {}),
            "flavor_extra_specs": dict(new.get("extra_specs") or {}),
            "ignore_hosts": [] if same_allowed else [inst.host],
            "requested_host": requested_host,
            "same_host": hinted_servers(inst.scheduler_hints, "same_host"),
            "different_host": hinted_servers(inst.scheduler_hints, "different_host"),
        }
        try:
            result = await self.scheduler_api.select_destinations(ctx, spec=spec, num_alternates=0, return_spans=True)
        except PocketError as exc:
            result = {"error": f"No valid host was found. The scheduler did not answer: {exc.message}"}
        result.pop("spans", None)
        if "error" in result:
            if moved:
                await self.placement.move_allocations(migration_uuid, instance_uuid, project, user)
            await self._end_move(ctx, instance_uuid, migration_uuid, "error", {"task_state": None})
            return {"error": result["error"]}
        async with self.db.writer() as s:
            row = await s.scalar(select(Migration).where(Migration.uuid == migration_uuid))
            assert row is not None
            row.dest_compute, row.dest_node, row.status = result["host"], result["node"], "migrating"
            view = migration_view(row)
        await self.compute_api.prep_resize(ctx, result["host"], instance_uuid=instance_uuid, migration=view)
        return {"host": result["host"]}

    async def _end_move(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration_uuid: str,
        status: str,
        values: dict[str, Any],
        events: list[dict[str, Any]] | None = None,
        fault: str | None = None,
        host: str | None = None,
    ) -> None:
        async with self.db.writer() as s:
            mig = await s.scalar(select(Migration).where(Migration.uuid == migration_uuid))
            if mig is not None:
                mig.status = status
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            if inst is None or inst.deleted:
                return
            for key, value in values.items():
                setattr(inst, key, value)
            if events:
                await actions.record_events(s, instance_uuid, ctx.request_id, events)
            if fault:
                actions.add_fault(s, instance_uuid, fault, host=host)

    async def release_moves(self, instance_uuid: str) -> None:
        """The deleted instance's unfinished migrations: their allocations go."""
        async with self.db.writer() as s:
            found = list(
                await s.scalars(
                    select(Migration).where(
                        Migration.instance_uuid == instance_uuid,
                        Migration.status.not_in(("confirmed", "reverted", "deleted")),
                    )
                )
            )
            for mig in found:
                mig.status = "deleted" if mig.status in ("finished", "error") else "error"
            uuids = [m.uuid for m in found]
        for uuid in uuids:
            await self.placement.delete_allocations(uuid)

    async def migration_update(self, ctx: RequestContext, migration_uuid: str, status: str) -> None:
        async with self.db.writer() as s:
            mig = await s.scalar(select(Migration).where(Migration.uuid == migration_uuid))
            if mig is not None:
                mig.status = status

    async def move_failed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        reason: str,
        events: list[dict[str, Any]],
        host: str,
        values: dict[str, Any],
    ) -> None:
        """A step before the destination took over failed: the instance stays where it
        was with its old flavor (both allocations back as they were)."""
        await self.placement.delete_allocations(instance_uuid)
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        if inst is not None:
            await self.placement.move_allocations(migration["uuid"], instance_uuid, inst.project_id, inst.user_id)
        await self._end_move(
            ctx, instance_uuid, migration["uuid"], "error", {"task_state": None, **values}, events, reason, host
        )

    async def resize_finished(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
    ) -> None:
        values = {
            **flavor_columns(migration["new_flavor"]),
            "host": migration["dest_compute"],
            "node": migration["dest_node"],
            "vm_state": states.RESIZED,
            "task_state": None,
            "power_state": power_state,
        }
        await self._end_move(ctx, instance_uuid, migration["uuid"], "finished", values, events)

    async def resize_confirmed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
    ) -> None:
        await self.placement.delete_allocations(migration["uuid"])
        running = power_state == states.RUNNING
        values = {"vm_state": states.ACTIVE if running else states.STOPPED, "task_state": None}
        await self._end_move(ctx, instance_uuid, migration["uuid"], "confirmed", values, events)

    async def resize_reverted(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
    ) -> None:
        await self.placement.delete_allocations(instance_uuid)
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        if inst is not None:
            await self.placement.move_allocations(migration["uuid"], instance_uuid, inst.project_id, inst.user_id)
        values = {
            **flavor_columns(migration["old_flavor"]),
            "host": migration["source_compute"],
            "node": migration["source_node"],
            "vm_state": states.ACTIVE if power_state == states.RUNNING else states.STOPPED,
            "task_state": None,
            "power_state": power_state,
        }
        await self._end_move(ctx, instance_uuid, migration["uuid"], "reverted", values, events)

    async def move_errored(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        reason: str,
        events: list[dict[str, Any]],
        host: str,
    ) -> None:
        """A step after the source let go failed: ERROR with the fault (as Nova), both
        allocations kept for an admin to sort out (a delete releases both)."""
        values = {"vm_state": states.ERROR, "task_state": None}
        await self._end_move(ctx, instance_uuid, migration["uuid"], "error", values, events, reason, host)
