"""The payloads of the ``conductor`` topic (one frozen dataclass per served method);
their client, endpoint and version history are in ``rpcapi.py`` beside this module."""

from __future__ import annotations

from typing import Any

from pocketstack.bus import rpc


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
