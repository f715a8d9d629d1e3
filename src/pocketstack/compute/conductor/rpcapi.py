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

if TYPE_CHECKING:
    from pocketstack.compute.conductor.manager import ConductorManager

CONDUCTOR_TOPIC = "conductor"


@rpc.payload
class ScheduleAndBuildInstances(rpc.Payload):
    METHOD = "schedule_and_build_instances"
    specs: list[dict[str, Any]]
    api_span: dict[str, Any] | None = None


@rpc.payload
class InstanceGet(rpc.Payload):
    METHOD = "instance_get"
    instance_uuid: str


@rpc.payload
class BuildSucceeded(rpc.Payload):
    METHOD = "build_succeeded"
    instance_uuid: str
    host: str
    power_state: int
    ports: list[dict[str, Any]]
    addresses: dict[str, Any]
    spans: list[dict[str, Any]]
    events: list[dict[str, Any]]


@rpc.payload
class BuildFailed(rpc.Payload):
    METHOD = "build_failed"
    instance_uuid: str
    host: str
    reason: str
    alternates: list[dict[str, Any]]
    spans: list[dict[str, Any]]
    events: list[dict[str, Any]]


@rpc.payload
class InstanceUpdate(rpc.Payload):
    METHOD = "instance_update"
    instance_uuid: str
    values: dict[str, Any]
    events: list[dict[str, Any]] | None = None
    notify: str | None = None
    host: str | None = None
    fault: str | None = None


@rpc.payload
class VolumeDetached(rpc.Payload):
    METHOD = "volume_detached"
    instance_uuid: str
    volume_id: str
    event: dict[str, Any]
    error: str | None = None
    host: str | None = None


@rpc.payload
class InterfaceChanged(rpc.Payload):
    METHOD = "interface_changed"
    instance_uuid: str
    add: dict[str, Any] | None = None
    network_name: str | None = None
    addresses: list[dict[str, Any]] | None = None
    remove: str | None = None


@rpc.payload
class InstanceDestroyed(rpc.Payload):
    METHOD = "instance_destroyed"
    instance_uuid: str
    host: str | None
    events: list[dict[str, Any]] | None = None


@rpc.payload
class InstancesOnHost(rpc.Payload):
    METHOD = "instances_on_host"
    host: str


@rpc.payload
class ServiceReport(rpc.Payload):
    METHOD = "service_report"
    host: str
    zone: str
    node: dict[str, Any] | None = None


@rpc.payload
class MigrateServer(rpc.Payload):
    METHOD = "migrate_server"
    instance_uuid: str
    migration_uuid: str
    requested_host: str | None = None


@rpc.payload
class MigrationUpdate(rpc.Payload):
    METHOD = "migration_update"
    migration_uuid: str
    status: str


@rpc.payload
class MoveFailed(rpc.Payload):
    METHOD = "move_failed"
    instance_uuid: str
    migration: dict[str, Any]
    reason: str
    events: list[dict[str, Any]]
    host: str
    values: dict[str, Any]


@rpc.payload
class ResizeFinished(rpc.Payload):
    METHOD = "resize_finished"
    instance_uuid: str
    migration: dict[str, Any]
    power_state: int
    events: list[dict[str, Any]]


@rpc.payload
class ResizeConfirmed(rpc.Payload):
    METHOD = "resize_confirmed"
    instance_uuid: str
    migration: dict[str, Any]
    power_state: int
    events: list[dict[str, Any]]


@rpc.payload
class ResizeReverted(rpc.Payload):
    METHOD = "resize_reverted"
    instance_uuid: str
    migration: dict[str, Any]
    power_state: int
    events: list[dict[str, Any]]


@rpc.payload
class MoveErrored(rpc.Payload):
    METHOD = "move_errored"
    instance_uuid: str
    migration: dict[str, Any]
    reason: str
    events: list[dict[str, Any]]
    host: str


@rpc.payload
class InstanceShelved(rpc.Payload):
    METHOD = "instance_shelved"
    instance_uuid: str
    image_id: str
    host: str
    power_state: int
    events: list[dict[str, Any]]


@rpc.payload
class InstanceOffloaded(rpc.Payload):
    METHOD = "instance_offloaded"
    instance_uuid: str
    events: list[dict[str, Any]]


@rpc.payload
class UnshelveInstance(rpc.Payload):
    METHOD = "unshelve_instance"
    instance_uuid: str
    requested_host: str | None = None


@rpc.payload
class InstanceUnshelved(rpc.Payload):
    METHOD = "instance_unshelved"
    instance_uuid: str
    power_state: int
    events: list[dict[str, Any]]
    ports: list[dict[str, Any]] | None = None


@rpc.payload
class UnshelveFailed(rpc.Payload):
    METHOD = "unshelve_failed"
    instance_uuid: str
    reason: str
    events: list[dict[str, Any]]
    host: str


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


class ConductorEndpoint(rpc.Server):
    """What the API and the agents may ask of the conductor (its sweeps are not here)."""

    def __init__(self, manager: ConductorManager) -> None:
        self.manager = manager

    @rpc.serves(ScheduleAndBuildInstances)
    async def schedule_and_build_instances(self, ctx: RequestContext, p: ScheduleAndBuildInstances) -> None:
        await self.manager.schedule_and_build_instances(ctx, specs=p.specs, api_span=p.api_span)

    @rpc.serves(InstanceGet)
    async def instance_get(self, ctx: RequestContext, p: InstanceGet) -> dict[str, Any] | None:
        return await self.manager.instance_get(ctx, instance_uuid=p.instance_uuid)

    @rpc.serves(BuildSucceeded)
    async def build_succeeded(self, ctx: RequestContext, p: BuildSucceeded) -> dict[str, Any]:
        return await self.manager.build_succeeded(
            ctx,
            instance_uuid=p.instance_uuid,
            host=p.host,
            power_state=p.power_state,
            ports=p.ports,
            addresses=p.addresses,
            spans=p.spans,
            events=p.events,
        )

    @rpc.serves(BuildFailed)
    async def build_failed(self, ctx: RequestContext, p: BuildFailed) -> None:
        await self.manager.build_failed(
            ctx,
            instance_uuid=p.instance_uuid,
            host=p.host,
            reason=p.reason,
            alternates=p.alternates,
            spans=p.spans,
            events=p.events,
        )

    @rpc.serves(InstanceUpdate)
    async def instance_update(self, ctx: RequestContext, p: InstanceUpdate) -> None:
        await self.manager.instance_update(
            ctx,
            instance_uuid=p.instance_uuid,
            values=p.values,
            events=p.events,
            notify=p.notify,
            host=p.host,
            fault=p.fault,
        )

    @rpc.serves(VolumeDetached)
    async def volume_detached(self, ctx: RequestContext, p: VolumeDetached) -> None:
        await self.manager.volume_detached(
            ctx, instance_uuid=p.instance_uuid, volume_id=p.volume_id, event=p.event, error=p.error, host=p.host
        )

    @rpc.serves(InterfaceChanged)
    async def interface_changed(self, ctx: RequestContext, p: InterfaceChanged) -> None:
        await self.manager.interface_changed(
            ctx,
            instance_uuid=p.instance_uuid,
            add=p.add,
            network_name=p.network_name,
            addresses=p.addresses,
            remove=p.remove,
        )

    @rpc.serves(InstanceDestroyed)
    async def instance_destroyed(self, ctx: RequestContext, p: InstanceDestroyed) -> None:
        await self.manager.instance_destroyed(ctx, instance_uuid=p.instance_uuid, host=p.host, events=p.events)

    @rpc.serves(InstancesOnHost)
    async def instances_on_host(self, ctx: RequestContext, p: InstancesOnHost) -> list[dict[str, Any]]:
        return await self.manager.instances_on_host(ctx, host=p.host)

    @rpc.serves(ServiceReport)
    async def service_report(self, ctx: RequestContext, p: ServiceReport) -> dict[str, Any]:
        return await self.manager.service_report(ctx, host=p.host, zone=p.zone, node=p.node)

    @rpc.serves(MigrateServer)
    async def migrate_server(self, ctx: RequestContext, p: MigrateServer) -> dict[str, Any]:
        return await self.manager.migrate_server(
            ctx, instance_uuid=p.instance_uuid, migration_uuid=p.migration_uuid, requested_host=p.requested_host
        )

    @rpc.serves(MigrationUpdate)
    async def migration_update(self, ctx: RequestContext, p: MigrationUpdate) -> None:
        await self.manager.migration_update(ctx, migration_uuid=p.migration_uuid, status=p.status)

    @rpc.serves(MoveFailed)
    async def move_failed(self, ctx: RequestContext, p: MoveFailed) -> None:
        await self.manager.move_failed(
            ctx,
            instance_uuid=p.instance_uuid,
            migration=p.migration,
            reason=p.reason,
            events=p.events,
            host=p.host,
            values=p.values,
        )

    @rpc.serves(ResizeFinished)
    async def resize_finished(self, ctx: RequestContext, p: ResizeFinished) -> None:
        await self.manager.resize_finished(
            ctx, instance_uuid=p.instance_uuid, migration=p.migration, power_state=p.power_state, events=p.events
        )

    @rpc.serves(ResizeConfirmed)
    async def resize_confirmed(self, ctx: RequestContext, p: ResizeConfirmed) -> None:
        await self.manager.resize_confirmed(
            ctx, instance_uuid=p.instance_uuid, migration=p.migration, power_state=p.power_state, events=p.events
        )

    @rpc.serves(ResizeReverted)
    async def resize_reverted(self, ctx: RequestContext, p: ResizeReverted) -> None:
        await self.manager.resize_reverted(
            ctx, instance_uuid=p.instance_uuid, migration=p.migration, power_state=p.power_state, events=p.events
        )

    @rpc.serves(MoveErrored)
    async def move_errored(self, ctx: RequestContext, p: MoveErrored) -> None:
        await self.manager.move_errored(
            ctx, instance_uuid=p.instance_uuid, migration=p.migration, reason=p.reason, events=p.events, host=p.host
        )

    @rpc.serves(InstanceShelved)
    async def instance_shelved(self, ctx: RequestContext, p: InstanceShelved) -> None:
        await self.manager.instance_shelved(
            ctx,
            instance_uuid=p.instance_uuid,
            image_id=p.image_id,
            host=p.host,
            power_state=p.power_state,
            events=p.events,
        )

    @rpc.serves(InstanceOffloaded)
    async def instance_offloaded(self, ctx: RequestContext, p: InstanceOffloaded) -> None:
        await self.manager.instance_offloaded(ctx, instance_uuid=p.instance_uuid, events=p.events)

    @rpc.serves(UnshelveInstance)
    async def unshelve_instance(self, ctx: RequestContext, p: UnshelveInstance) -> None:
        await self.manager.unshelve_instance(ctx, instance_uuid=p.instance_uuid, requested_host=p.requested_host)

    @rpc.serves(InstanceUnshelved)
    async def instance_unshelved(self, ctx: RequestContext, p: InstanceUnshelved) -> None:
        await self.manager.instance_unshelved(
            ctx, instance_uuid=p.instance_uuid, power_state=p.power_state, events=p.events, ports=p.ports
        )

    @rpc.serves(UnshelveFailed)
    async def unshelve_failed(self, ctx: RequestContext, p: UnshelveFailed) -> None:
        await self.manager.unshelve_failed(
            ctx, instance_uuid=p.instance_uuid, reason=p.reason, events=p.events, host=p.host
        )
