"""The compute agent's part of resize and cold migration (mixed into ComputeAgent).

Nova's hops: ``prep_resize`` on the destination (claims the new size in this host's
tracker) casts ``resize_instance`` to the source (the driver powers the guest off and
keeps what a revert needs), which casts ``finish_resize`` to the destination (ports
bound there if the host changes, the driver brings the instance up with the new size,
RUNNING if it was ACTIVE); the server is then VERIFY_RESIZE. ``confirm_resize`` runs
on the source (what was kept goes), ``revert_resize`` on the destination (its copy
goes, if another host) then ``finish_revert_resize`` on the source (the old size back).

The tracker holds the destination's claim under the migration's uuid while source
and destination are one host (the instance's own claim is the old size there), under
the instance's uuid otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.agent.actions import action_event, power_of
from pocketstack.compute.agent.resource_tracker import ResourceTracker
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI
from pocketstack.compute.agent.shelve import complete_volumes, connect_volumes, unhost_volumes
from pocketstack.compute.agent.specs import instance_spec
from pocketstack.compute.clients import ImageClient
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.compute.volume_client import VolumeClient

log = logging.getLogger(__name__)

# The conductor method a finished step reports with (resize_finished, resize_reverted).
StepDone = Callable[..., Awaitable[None]]


def _same_host(migration: dict[str, Any]) -> bool:
    return bool(migration["source_compute"] == migration["dest_compute"])


class ResizeOps:
    host: str
    zone: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI
    compute_api: ComputeAgentAPI
    tracker: ResourceTracker
    images: ImageClient
    service_token: Callable[[], Awaitable[str]]
    _bind_ports: Callable[[str, list[dict[str, Any]], str | None], Awaitable[list[dict[str, Any]]]]
    # Data volumes change hosts as in a shelve offload / unshelve (VolumeOps').
    _volume_client: Callable[[], VolumeClient]
    connector: Callable[[str], dict[str, Any]]

    def _claim_key(self, instance_uuid: str, migration: dict[str, Any]) -> str:
        return str(migration["uuid"]) if _same_host(migration) else instance_uuid

    def _claim_flavor(self, key: str, flavor: dict[str, Any], bdms: list[dict[str, Any]] | None) -> None:
        used = instance_resources(flavor["vcpus"], flavor["memory_mb"], flavor, bdms)
        self.tracker.claim(key, used["VCPU"], used["MEMORY_MB"], used["DISK_GB"])

    # --- destination, then source, then destination ------------------------------------------
    async def prep_resize(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        self._claim_flavor(self._claim_key(instance_uuid, migration), migration["new_flavor"], None)
        await self.compute_api.resize_instance(
            ctx, migration["source_compute"], instance_uuid=instance_uuid, migration=migration
        )

    async def resize_instance(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        start = time.time()
        try:
            await self.conductor_api.instance_update(
                ctx, instance_uuid=instance_uuid, values={"task_state": states.RESIZE_MIGRATING}
            )
            await self.driver.migrate_disk_and_power_off(instance_uuid, _same_host(migration))
            if not _same_host(migration):
                # The data volumes leave this host (hostless attachments) for the destination.
                inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
                await unhost_volumes(self.conductor_api, self._volume_client(), ctx, inst)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: resize of %s failed at the source: %s", self.host, instance_uuid, reason)
            await self.compute_api.drop_resize_claim(
                ctx, migration["dest_compute"], instance_uuid=instance_uuid, migration=migration
            )
            await self.conductor_api.move_failed(
                ctx,
                instance_uuid=instance_uuid,
                migration=migration,
                reason=f"Resize of instance {instance_uuid} failed on {self.host}: {reason}",
                events=[action_event(self.host, "compute_resize_instance", start, reason)],
                host=self.host,
                values={"power_state": await power_of(self.driver, instance_uuid)},
            )
            return
        await self.conductor_api.migration_update(ctx, migration_uuid=migration["uuid"], status="post-migrating")
        await self.conductor_api.instance_update(
            ctx,
            instance_uuid=instance_uuid,
            values={"task_state": states.RESIZE_MIGRATED, "power_state": await power_of(self.driver, instance_uuid)},
            events=[action_event(self.host, "compute_resize_instance", start)],
        )
        await self.compute_api.finish_resize(
            ctx, migration["dest_compute"], instance_uuid=instance_uuid, migration=migration
        )

    async def drop_resize_claim(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        self.tracker.release(self._claim_key(instance_uuid, migration))

    async def finish_resize(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        start = time.time()
        try:
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"]:
                return
            await self.conductor_api.instance_update(
                ctx, instance_uuid=instance_uuid, values={"task_state": states.RESIZE_FINISH}
            )
            new = migration["new_flavor"]
            sized = {**inst, "flavor": new, "vcpus": new["vcpus"], "memory_mb": new["memory_mb"]}
            sized["root_gb"] = new["root_gb"]
            ports = list(inst.get("ports") or [])
            same = _same_host(migration)
            image: dict[str, Any] = {}
            if not same:
                # A new host: its network agent plugs the ports, and the driver needs the image.
                token = ctx.auth_token
                ports = [
                    {**p, **self._plugged(b)}
                    for p, b in zip(ports, await self._bind_ports(instance_uuid, ports, token), strict=True)
                ]
                if inst["image_ref"]:
                    image = await self.images.get(inst["image_ref"], token, await self.service_token())
            bdms, devices = (
                await connect_volumes(self._volume_client(), self.connector, ctx, inst) if not same else ([], [])
            )
            spec = instance_spec(sized, image, ports, self.zone, devices)
            await self.driver.finish_migration(spec, same, power_on=migration["old_vm_state"] == states.ACTIVE)
            if devices:
                await complete_volumes(self.conductor_api, self._volume_client(), ctx, inst, bdms)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: resize of %s failed at the destination: %s", self.host, instance_uuid, reason)
            message = f"Resize of instance {instance_uuid} failed on {self.host}: {reason}"
            await self._step_done(ctx, instance_uuid, migration, "compute_finish_resize", start, None, reason, message)
            return
        await self._step_done(
            ctx, instance_uuid, migration, "compute_finish_resize", start, self.conductor_api.resize_finished
        )

    @staticmethod
    def _plugged(port: dict[str, Any]) -> dict[str, Any]:
        return {"vif_type": port.get("binding:vif_type"), "details": port.get("binding:vif_details") or {}}

    # --- confirm (source) ------------------------------------------------------------------------
    async def confirm_resize(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        start = time.time()
        if _same_host(migration):
            await self.driver.confirm_migration(instance_uuid)
            self.tracker.release(migration["uuid"])
            self._claim_flavor(instance_uuid, migration["new_flavor"], None)
        else:
            await self.driver.destroy(instance_uuid)
            self.tracker.release(instance_uuid)
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        await self.conductor_api.resize_confirmed(
            ctx,
            instance_uuid=instance_uuid,
            migration=migration,
            power_state=(inst or {}).get("power_state", states.NOSTATE),
            events=[action_event(self.host, "compute_confirm_resize", start)],
        )

    # --- revert (destination, then source) ---------------------------------------------------------
    async def revert_resize(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        if not _same_host(migration):
            await self.driver.destroy(instance_uuid)
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            await unhost_volumes(self.conductor_api, self._volume_client(), ctx, inst)  # back to the source
        self.tracker.release(self._claim_key(instance_uuid, migration))
        await self.compute_api.finish_revert_resize(
            ctx, migration["source_compute"], instance_uuid=instance_uuid, migration=migration
        )

    async def finish_revert_resize(self, ctx: RequestContext, instance_uuid: str, migration: dict[str, Any]) -> None:
        start = time.time()
        try:
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"]:
                return
            bdms: list[dict[str, Any]] = []
            if not _same_host(migration):
                await self._bind_ports(instance_uuid, list(inst.get("ports") or []), ctx.auth_token)
                # The source's VM kept its disks; the volumes' attachments come back to it.
                bdms, _devices = await connect_volumes(self._volume_client(), self.connector, ctx, inst)
            await self.driver.finish_revert_migration(instance_uuid, migration["old_vm_state"] == states.ACTIVE)
            if bdms:
                await complete_volumes(self.conductor_api, self._volume_client(), ctx, inst, bdms)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            message = f"Revert of the resize of instance {instance_uuid} failed on {self.host}: {reason}"
            await self._step_done(
                ctx, instance_uuid, migration, "compute_finish_revert_resize", start, None, reason, message
            )
            return
        await self._step_done(
            ctx, instance_uuid, migration, "compute_finish_revert_resize", start, self.conductor_api.resize_reverted
        )

    async def _step_done(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        event: str,
        start: float,
        done: StepDone | None,
        reason: str | None = None,
        message: str = "",
    ) -> None:
        """Tell the conductor how a step of a move ended: ``done`` (with the power state)
        or, given a ``reason``, ``move_errored`` with ``message`` as the fault."""
        if reason is not None:
            await self.conductor_api.move_errored(
                ctx,
                instance_uuid=instance_uuid,
                migration=migration,
                reason=message,
                events=[action_event(self.host, event, start, reason)],
                host=self.host,
            )
            return
        assert done is not None
        await done(
            ctx,
            instance_uuid=instance_uuid,
            migration=migration,
            power_state=await power_of(self.driver, instance_uuid),
            events=[action_event(self.host, event, start)],
        )
