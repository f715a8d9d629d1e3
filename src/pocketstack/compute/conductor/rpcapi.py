"""Typed RPC of the ``conductor`` topic (see ``pocketstack.bus.rpc``), served by every
compute API process's ``ConductorManager``: the only writer of instance rows on behalf of
the compute agents, and the one that schedules builds, moves and unshelves.

Callers: the compute API (``schedule_and_build_instances``, ``migrate_server``,
``unshelve_instance``) and the compute agents (everything else: instance reads and
updates, build and move outcomes, their service reports).

Version history:
- 1.0: schedule_and_build_instances, instance_get, build_succeeded, build_failed,
  instance_update, volume_detached, interface_changed, instance_destroyed, instances_on_host,
  service_report, migrate_server, migration_update, move_failed, resize_finished,
  resize_confirmed, resize_reverted, move_errored, instance_shelved, instance_offloaded,
  unshelve_instance, instance_unshelved, unshelve_failed. Instances travel as the
  conductor's build view (a dict), migrations as the migration view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext
from pocketstack.compute.conductor.rpc_payloads import (
    BuildFailed,
    BuildSucceeded,
    InstanceDestroyed,
    InstanceGet,
    InstanceOffloaded,
    InstanceShelved,
    InstancesOnHost,
    InstanceUnshelved,
    InstanceUpdate,
    InterfaceChanged,
    MigrateServer,
    MigrationUpdate,
    MoveErrored,
    MoveFailed,
    ResizeConfirmed,
    ResizeFinished,
    ResizeReverted,
    ScheduleAndBuildInstances,
    ServiceReport,
    UnshelveFailed,
    UnshelveInstance,
    VolumeDetached,
)

if TYPE_CHECKING:
    from pocketstack.compute.conductor.manager import ConductorManager

CONDUCTOR_TOPIC = "conductor"


class ConductorAPI(rpc.Client):
    async def schedule_and_build_instances(
        self, ctx: RequestContext, specs: list[dict[str, Any]], api_span: dict[str, Any] | None = None
    ) -> None:
        await self._cast(CONDUCTOR_TOPIC, ctx, ScheduleAndBuildInstances(specs=specs, api_span=api_span))

    async def instance_get(
        self, ctx: RequestContext, instance_uuid: str, *, timeout: float | None = None
    ) -> dict[str, Any] | None:
        answer: dict[str, Any] | None = await self._call(
            CONDUCTOR_TOPIC, ctx, InstanceGet(instance_uuid=instance_uuid), timeout=timeout
        )
        return answer

    async def build_succeeded(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        host: str,
        power_state: int,
        ports: list[dict[str, Any]],
        addresses: dict[str, Any],
        spans: list[dict[str, Any]],
        events: list[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            BuildSucceeded(
                instance_uuid=instance_uuid,
                host=host,
                power_state=power_state,
                ports=ports,
                addresses=addresses,
                spans=spans,
                events=events,
            ),
            timeout=timeout,
        )
        return answer

    async def build_failed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        host: str,
        reason: str,
        alternates: list[dict[str, Any]],
        spans: list[dict[str, Any]],
        events: list[dict[str, Any]],
        *,
        wait: bool = True,
        timeout: float | None = None,
    ) -> None:
        """A call by default; ``wait=False`` casts it (a failing build does not wait for
        the conductor to reschedule it)."""
        message = BuildFailed(
            instance_uuid=instance_uuid, host=host, reason=reason, alternates=alternates, spans=spans, events=events
        )
        if wait:
            await self._call(CONDUCTOR_TOPIC, ctx, message, timeout=timeout)
        else:
            await self._cast(CONDUCTOR_TOPIC, ctx, message)

    async def instance_update(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        values: dict[str, Any],
        events: list[dict[str, Any]] | None = None,
        notify: str | None = None,
        host: str | None = None,
        fault: str | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            InstanceUpdate(
                instance_uuid=instance_uuid, values=values, events=events, notify=notify, host=host, fault=fault
            ),
            timeout=timeout,
        )

    async def volume_detached(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        volume_id: str,
        event: dict[str, Any],
        error: str | None = None,
        host: str | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            VolumeDetached(instance_uuid=instance_uuid, volume_id=volume_id, event=event, error=error, host=host),
            timeout=timeout,
        )

    async def interface_changed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        add: dict[str, Any] | None = None,
        network_name: str | None = None,
        addresses: list[dict[str, Any]] | None = None,
        remove: str | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            InterfaceChanged(
                instance_uuid=instance_uuid, add=add, network_name=network_name, addresses=addresses, remove=remove
            ),
            timeout=timeout,
        )

    async def instance_destroyed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        host: str | None,
        events: list[dict[str, Any]] | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            InstanceDestroyed(instance_uuid=instance_uuid, host=host, events=events),
            timeout=timeout,
        )

    async def instances_on_host(
        self, ctx: RequestContext, host: str, *, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self._call(
            CONDUCTOR_TOPIC, ctx, InstancesOnHost(host=host), timeout=timeout
        )
        return answer

    async def service_report(
        self,
        ctx: RequestContext,
        host: str,
        zone: str,
        node: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            CONDUCTOR_TOPIC, ctx, ServiceReport(host=host, zone=zone, node=node), timeout=timeout
        )
        return answer

    async def migrate_server(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration_uuid: str,
        requested_host: str | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            MigrateServer(instance_uuid=instance_uuid, migration_uuid=migration_uuid, requested_host=requested_host),
            timeout=timeout,
        )
        return answer

    async def migration_update(
        self, ctx: RequestContext, migration_uuid: str, status: str, *, timeout: float | None = None
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC, ctx, MigrationUpdate(migration_uuid=migration_uuid, status=status), timeout=timeout
        )

    async def move_failed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        reason: str,
        events: list[dict[str, Any]],
        host: str,
        values: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            MoveFailed(
                instance_uuid=instance_uuid, migration=migration, reason=reason, events=events, host=host, values=values
            ),
            timeout=timeout,
        )

    async def resize_finished(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            ResizeFinished(instance_uuid=instance_uuid, migration=migration, power_state=power_state, events=events),
            timeout=timeout,
        )

    async def resize_confirmed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            ResizeConfirmed(instance_uuid=instance_uuid, migration=migration, power_state=power_state, events=events),
            timeout=timeout,
        )

    async def resize_reverted(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        power_state: int,
        events: list[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            ResizeReverted(instance_uuid=instance_uuid, migration=migration, power_state=power_state, events=events),
            timeout=timeout,
        )

    async def move_errored(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        migration: dict[str, Any],
        reason: str,
        events: list[dict[str, Any]],
        host: str,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            MoveErrored(instance_uuid=instance_uuid, migration=migration, reason=reason, events=events, host=host),
            timeout=timeout,
        )

    async def instance_shelved(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        image_id: str,
        host: str,
        power_state: int,
        events: list[dict[str, Any]],
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            InstanceShelved(
                instance_uuid=instance_uuid, image_id=image_id, host=host, power_state=power_state, events=events
            ),
            timeout=timeout,
        )

    async def instance_offloaded(
        self, ctx: RequestContext, instance_uuid: str, events: list[dict[str, Any]], *, timeout: float | None = None
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC, ctx, InstanceOffloaded(instance_uuid=instance_uuid, events=events), timeout=timeout
        )

    async def unshelve_instance(
        self, ctx: RequestContext, instance_uuid: str, requested_host: str | None = None
    ) -> None:
        await self._cast(
            CONDUCTOR_TOPIC, ctx, UnshelveInstance(instance_uuid=instance_uuid, requested_host=requested_host)
        )

    async def instance_unshelved(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        power_state: int,
        events: list[dict[str, Any]],
        ports: list[dict[str, Any]] | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            InstanceUnshelved(instance_uuid=instance_uuid, power_state=power_state, events=events, ports=ports),
            timeout=timeout,
        )

    async def unshelve_failed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        reason: str,
        events: list[dict[str, Any]],
        host: str,
        *,
        timeout: float | None = None,
    ) -> None:
        await self._call(
            CONDUCTOR_TOPIC,
            ctx,
            UnshelveFailed(instance_uuid=instance_uuid, reason=reason, events=events, host=host),
            timeout=timeout,
        )


class ConductorEndpoint(rpc.Forward):
    """What the API and the agents may ask of the conductor (its sweeps are not here)."""

    serves = (
        ScheduleAndBuildInstances,
        InstanceGet,
        BuildSucceeded,
        BuildFailed,
        InstanceUpdate,
        VolumeDetached,
        InterfaceChanged,
        InstanceDestroyed,
        InstancesOnHost,
        ServiceReport,
        MigrateServer,
        MigrationUpdate,
        MoveFailed,
        ResizeFinished,
        ResizeConfirmed,
        ResizeReverted,
        MoveErrored,
        InstanceShelved,
        InstanceOffloaded,
        UnshelveInstance,
        InstanceUnshelved,
        UnshelveFailed,
    )

    def __init__(self, manager: ConductorManager) -> None:
        super().__init__(manager)
