"""Typed RPC of the compute agents' topics ``compute.<host>`` (see ``pocketstack.bus.rpc``):
one topic per host, served by that host's ``ComputeAgent``.

Callers: the compute API (server actions, interfaces, volumes, shelve, resize confirm
and revert, external events, deletes), the conductor (builds, resize preparation,
unshelve) and the agents themselves (the steps of a resize between source and
destination).

Version history:
- 1.0: build_and_run_instance, terminate_instance, power_action, reboot_instance,
  trigger_crash_dump, get_console_output, attach_interface, detach_interface,
  volume_backup, volume_snapshot_create, volume_snapshot_delete, attach_volume,
  detach_volume, snapshot_instance, backup_instance, rescue_instance, unrescue_instance,
  rebuild_instance, confirm_resize, revert_resize, external_instance_event,
  shelve_instance, shelve_offload_instance, unshelve_on_host, prep_resize,
  spawn_unshelved, resize_instance, drop_resize_claim, finish_resize,
  finish_revert_resize.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext
from pocketstack.compute.agent.rpc_payloads import (
    AttachInterface,
    AttachVolume,
    BackupInstance,
    BuildAndRunInstance,
    ConfirmResize,
    DetachInterface,
    DetachVolume,
    DropResizeClaim,
    ExternalInstanceEvent,
    FinishResize,
    FinishRevertResize,
    GetConsoleOutput,
    PowerAction,
    PrepResize,
    RebootInstance,
    RebuildInstance,
    RescueInstance,
    ResizeInstance,
    RevertResize,
    ShelveInstance,
    ShelveOffloadInstance,
    SnapshotInstance,
    SpawnUnshelved,
    TerminateInstance,
    TriggerCrashDump,
    UnrescueInstance,
    UnshelveOnHost,
    VolumeBackup,
    VolumeSnapshotCreate,
    VolumeSnapshotDelete,
)

if TYPE_CHECKING:
    from pocketstack.compute.agent.manager import ComputeAgent


def compute_topic(host: str) -> str:
    return f"compute.{host}"


class ComputeAgentAPI(rpc.Client):
    """The compute agent of ``host`` (every method's second argument)."""

    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        node: str,
        alternates: list[dict[str, Any]],
        cast_at: float = 0.0,
        instance: dict[str, Any] | None = None,
    ) -> None:
        await self._cast(
            compute_topic(host),
            ctx,
            BuildAndRunInstance(
                instance_uuid=instance_uuid, node=node, alternates=alternates, cast_at=cast_at, instance=instance
            ),
        )

    async def terminate_instance(self, ctx: RequestContext, host: str, instance_uuid: str) -> None:
        await self._cast(compute_topic(host), ctx, TerminateInstance(instance_uuid=instance_uuid))

    async def power_action(self, ctx: RequestContext, host: str, instance_uuid: str, action: str) -> None:
        await self._cast(compute_topic(host), ctx, PowerAction(instance_uuid=instance_uuid, action=action))

    async def reboot_instance(self, ctx: RequestContext, host: str, instance_uuid: str, hard: bool) -> None:
        await self._cast(compute_topic(host), ctx, RebootInstance(instance_uuid=instance_uuid, hard=hard))

    async def trigger_crash_dump(self, ctx: RequestContext, host: str, instance_uuid: str) -> None:
        await self._cast(compute_topic(host), ctx, TriggerCrashDump(instance_uuid=instance_uuid))

    async def get_console_output(
        self, ctx: RequestContext, host: str, instance_uuid: str, *, timeout: float | None = None
    ) -> str:
        answer: str = await self._call(
            compute_topic(host), ctx, GetConsoleOutput(instance_uuid=instance_uuid), timeout=timeout
        )
        return answer

    async def attach_interface(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ips: list[dict[str, Any]] | None = None,
        tag: str | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            compute_topic(host),
            ctx,
            AttachInterface(
                instance_uuid=instance_uuid, port_id=port_id, network_id=network_id, fixed_ips=fixed_ips, tag=tag
            ),
            timeout=timeout,
        )
        return answer

    async def detach_interface(
        self, ctx: RequestContext, host: str, instance_uuid: str, port_id: str, *, timeout: float | None = None
    ) -> None:
        await self._call(
            compute_topic(host), ctx, DetachInterface(instance_uuid=instance_uuid, port_id=port_id), timeout=timeout
        )

    async def volume_backup(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        volume_id: str,
        target: str,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            compute_topic(host),
            ctx,
            VolumeBackup(instance_uuid=instance_uuid, volume_id=volume_id, target=target),
            timeout=timeout,
        )

    async def volume_snapshot_create(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        volume_id: str,
        name: str,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            compute_topic(host),
            ctx,
            VolumeSnapshotCreate(instance_uuid=instance_uuid, volume_id=volume_id, name=name),
            timeout=timeout,
        )

    async def volume_snapshot_delete(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        volume_id: str,
        name: str,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            compute_topic(host),
            ctx,
            VolumeSnapshotDelete(instance_uuid=instance_uuid, volume_id=volume_id, name=name),
            timeout=timeout,
        )

    async def attach_volume(
        self,
        ctx: RequestContext,
        host: str,
        instance_uuid: str,
        volume_id: str,
        attachment_id: str,
        device: str,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            compute_topic(host),
            ctx,
            AttachVolume(instance_uuid=instance_uuid, volume_id=volume_id, attachment_id=attachment_id, device=device),
            timeout=timeout,
        )
        return answer

    async def detach_volume(
        self, ctx: RequestContext, host: str, instance_uuid: str, volume_id: str, attachment_id: str, device: str
    ) -> None:
        await self._cast(
            compute_topic(host),
            ctx,
            DetachVolume(instance_uuid=instance_uuid, volume_id=volume_id, attachment_id=attachment_id, device=device),
        )

    async def snapshot_instance(self, ctx: RequestContext, host: str, instance_uuid: str, image_id: str) -> None:
        await self._cast(compute_topic(host), ctx, SnapshotInstance(instance_uuid=instance_uuid, image_id=image_id))

    async def backup_instance(
        self, ctx: RequestContext, host: str, instance_uuid: str, image_id: str, backup_type: str, rotation: int
    ) -> None:
        await self._cast(
            compute_topic(host),
            ctx,
            BackupInstance(instance_uuid=instance_uuid, image_id=image_id, backup_type=backup_type, rotation=rotation),
        )

    async def rescue_instance(self, ctx: RequestContext, host: str, instance_uuid: str, image_ref: str) -> None:
        await self._cast(compute_topic(host), ctx, RescueInstance(instance_uuid=instance_uuid, image_ref=image_ref))

    async def unrescue_instance(self, ctx: RequestContext, host: str, instance_uuid: str) -> None:
        await self._cast(compute_topic(host), ctx, UnrescueInstance(instance_uuid=instance_uuid))

    async def rebuild_instance(
        self, ctx: RequestContext, host: str, instance_uuid: str, image_ref: str, orig_vm_state: str
    ) -> None:
        await self._cast(
            compute_topic(host),
            ctx,
            RebuildInstance(instance_uuid=instance_uuid, image_ref=image_ref, orig_vm_state=orig_vm_state),
        )

    async def confirm_resize(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, ConfirmResize(instance_uuid=instance_uuid, migration=migration))

    async def revert_resize(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, RevertResize(instance_uuid=instance_uuid, migration=migration))

    async def external_instance_event(
        self, ctx: RequestContext, host: str, instance_uuid: str, name: str, tag: str | None, status: str = "completed"
    ) -> None:
        await self._cast(
            compute_topic(host),
            ctx,
            ExternalInstanceEvent(instance_uuid=instance_uuid, name=name, tag=tag, status=status),
        )

    async def shelve_instance(
        self, ctx: RequestContext, host: str, instance_uuid: str, image_id: str, offload: bool
    ) -> None:
        await self._cast(
            compute_topic(host), ctx, ShelveInstance(instance_uuid=instance_uuid, image_id=image_id, offload=offload)
        )

    async def shelve_offload_instance(self, ctx: RequestContext, host: str, instance_uuid: str) -> None:
        await self._cast(compute_topic(host), ctx, ShelveOffloadInstance(instance_uuid=instance_uuid))

    async def unshelve_on_host(self, ctx: RequestContext, host: str, instance_uuid: str) -> None:
        await self._cast(compute_topic(host), ctx, UnshelveOnHost(instance_uuid=instance_uuid))

    async def prep_resize(self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]) -> None:
        await self._cast(compute_topic(host), ctx, PrepResize(instance_uuid=instance_uuid, migration=migration))

    async def spawn_unshelved(self, ctx: RequestContext, host: str, instance_uuid: str, node: str) -> None:
        await self._cast(compute_topic(host), ctx, SpawnUnshelved(instance_uuid=instance_uuid, node=node))

    async def resize_instance(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, ResizeInstance(instance_uuid=instance_uuid, migration=migration))

    async def drop_resize_claim(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, DropResizeClaim(instance_uuid=instance_uuid, migration=migration))

    async def finish_resize(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, FinishResize(instance_uuid=instance_uuid, migration=migration))

    async def finish_revert_resize(
        self, ctx: RequestContext, host: str, instance_uuid: str, migration: dict[str, Any]
    ) -> None:
        await self._cast(compute_topic(host), ctx, FinishRevertResize(instance_uuid=instance_uuid, migration=migration))


class ComputeAgentEndpoint(rpc.Forward):
    """What may be asked of a host's agent over the bus (its start, stop, heartbeat and
    periodic tasks are not here)."""

    serves = (
        BuildAndRunInstance,
        TerminateInstance,
        PowerAction,
        RebootInstance,
        TriggerCrashDump,
        GetConsoleOutput,
        AttachInterface,
        DetachInterface,
        VolumeBackup,
        VolumeSnapshotCreate,
        VolumeSnapshotDelete,
        AttachVolume,
        DetachVolume,
        SnapshotInstance,
        BackupInstance,
        RescueInstance,
        UnrescueInstance,
        RebuildInstance,
        ConfirmResize,
        RevertResize,
        ExternalInstanceEvent,
        ShelveInstance,
        ShelveOffloadInstance,
        UnshelveOnHost,
        PrepResize,
        SpawnUnshelved,
        ResizeInstance,
        DropResizeClaim,
        FinishResize,
        FinishRevertResize,
    )

    def __init__(self, agent: ComputeAgent) -> None:
        super().__init__(agent)
