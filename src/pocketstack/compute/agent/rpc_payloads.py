"""The payloads of the compute agents' ``compute.<host>`` topics (one frozen dataclass per
served method); their client, endpoint and version history are in ``rpcapi.py`` beside
this module."""

from __future__ import annotations

from typing import Any

from pocketstack.bus import rpc


@rpc.payload
class BuildAndRunInstance(rpc.Payload):
    METHOD = "build_and_run_instance"
    instance_uuid: str
    node: str
    alternates: list[dict[str, Any]]
    cast_at: float = 0.0
    instance: dict[str, Any] | None = None


@rpc.payload
class TerminateInstance(rpc.Payload):
    METHOD = "terminate_instance"
    instance_uuid: str


@rpc.payload
class PowerAction(rpc.Payload):
    METHOD = "power_action"
    instance_uuid: str
    action: str


@rpc.payload
class RebootInstance(rpc.Payload):
    METHOD = "reboot_instance"
    instance_uuid: str
    hard: bool


@rpc.payload
class TriggerCrashDump(rpc.Payload):
    METHOD = "trigger_crash_dump"
    instance_uuid: str


@rpc.payload
class GetConsoleOutput(rpc.Payload):
    METHOD = "get_console_output"
    instance_uuid: str


@rpc.payload
class AttachInterface(rpc.Payload):
    METHOD = "attach_interface"
    instance_uuid: str
    port_id: str | None = None
    network_id: str | None = None
    fixed_ips: list[dict[str, Any]] | None = None
    tag: str | None = None


@rpc.payload
class DetachInterface(rpc.Payload):
    METHOD = "detach_interface"
    instance_uuid: str
    port_id: str


@rpc.payload
class VolumeBackup(rpc.Payload):
    METHOD = "volume_backup"
    instance_uuid: str
    volume_id: str
    target: str


@rpc.payload
class VolumeSnapshotCreate(rpc.Payload):
    METHOD = "volume_snapshot_create"
    instance_uuid: str
    volume_id: str
    name: str


@rpc.payload
class VolumeSnapshotDelete(rpc.Payload):
    METHOD = "volume_snapshot_delete"
    instance_uuid: str
    volume_id: str
    name: str


@rpc.payload
class AttachVolume(rpc.Payload):
    METHOD = "attach_volume"
    instance_uuid: str
    volume_id: str
    attachment_id: str
    device: str


@rpc.payload
class DetachVolume(rpc.Payload):
    METHOD = "detach_volume"
    instance_uuid: str
    volume_id: str
    attachment_id: str
    device: str


@rpc.payload
class SnapshotInstance(rpc.Payload):
    METHOD = "snapshot_instance"
    instance_uuid: str
    image_id: str


@rpc.payload
class BackupInstance(rpc.Payload):
    METHOD = "backup_instance"
    instance_uuid: str
    image_id: str
    backup_type: str
    rotation: int


@rpc.payload
class RescueInstance(rpc.Payload):
    METHOD = "rescue_instance"
    instance_uuid: str
    image_ref: str


@rpc.payload
class UnrescueInstance(rpc.Payload):
    METHOD = "unrescue_instance"
    instance_uuid: str


@rpc.payload
class RebuildInstance(rpc.Payload):
    METHOD = "rebuild_instance"
    instance_uuid: str
    image_ref: str
    orig_vm_state: str


@rpc.payload
class ConfirmResize(rpc.Payload):
    METHOD = "confirm_resize"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class RevertResize(rpc.Payload):
    METHOD = "revert_resize"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class ExternalInstanceEvent(rpc.Payload):
    METHOD = "external_instance_event"
    instance_uuid: str
    name: str
    tag: str | None
    status: str = "completed"


@rpc.payload
class ShelveInstance(rpc.Payload):
    METHOD = "shelve_instance"
    instance_uuid: str
    image_id: str
    offload: bool


@rpc.payload
class ShelveOffloadInstance(rpc.Payload):
    METHOD = "shelve_offload_instance"
    instance_uuid: str


@rpc.payload
class UnshelveOnHost(rpc.Payload):
    METHOD = "unshelve_on_host"
    instance_uuid: str


@rpc.payload
class PrepResize(rpc.Payload):
    METHOD = "prep_resize"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class SpawnUnshelved(rpc.Payload):
    METHOD = "spawn_unshelved"
    instance_uuid: str
    node: str


@rpc.payload
class ResizeInstance(rpc.Payload):
    METHOD = "resize_instance"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class DropResizeClaim(rpc.Payload):
    METHOD = "drop_resize_claim"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class FinishResize(rpc.Payload):
    METHOD = "finish_resize"
    instance_uuid: str
    migration: dict[str, Any]


@rpc.payload
class FinishRevertResize(rpc.Payload):
    METHOD = "finish_revert_resize"
    instance_uuid: str
    migration: dict[str, Any]
