"""Typed RPC of the volume manager's topic ``volume.<host>`` (see ``pocketstack.bus.rpc``).

The volume API (``volume/volumes.py``, ``snapshots.py``, ``backups.py``, ...) is the
caller; the ``VolumeManager`` of that host does the backend work. Casts move a row out of
its transitional status; calls (connections, capacity, manageable lists, backup data) wait.

Version history:
- 1.0: create_volume, delete_volume, extend_volume, extend_volume_completion,
  manage_existing, get_manageable, unmanage_volume, manage_existing_snapshot,
  get_manageable_snapshots, unmanage_snapshot, create_backup, restore_backup,
  backup_data_exists, delete_backup, reimage, revert_to_snapshot, create_snapshot,
  delete_snapshot, initialize_connection, terminate_connection, get_capacity, upload_image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.bus import Bus, rpc
from pocketstack.common.context import RequestContext

if TYPE_CHECKING:
    from pocketstack.volume.manager import VolumeManager


def volume_topic(host: str) -> str:
    return f"volume.{host}"


@rpc.payload
class CreateVolume(rpc.Payload):
    METHOD = "create_volume"
    volume_id: str
    image: dict[str, Any] | None = None


@rpc.payload
class DeleteVolume(rpc.Payload):
    METHOD = "delete_volume"
    volume_id: str


@rpc.payload
class ExtendVolume(rpc.Payload):
    METHOD = "extend_volume"
    volume_id: str
    new_size: int


@rpc.payload
class ExtendVolumeCompletion(rpc.Payload):
    METHOD = "extend_volume_completion"
    volume_id: str
    error: bool


@rpc.payload
class ManageExisting(rpc.Payload):
    METHOD = "manage_existing"
    volume_id: str
    name: str


@rpc.payload
class GetManageable(rpc.Payload):
    METHOD = "get_manageable"
    managed: list[str]


@rpc.payload
class UnmanageVolume(rpc.Payload):
    METHOD = "unmanage_volume"
    volume_id: str


@rpc.payload
class ManageExistingSnapshot(rpc.Payload):
    METHOD = "manage_existing_snapshot"
    snapshot_id: str
    name: str


@rpc.payload
class GetManageableSnapshots(rpc.Payload):
    METHOD = "get_manageable_snapshots"
    in_use: list[dict[str, Any]]


@rpc.payload
class UnmanageSnapshot(rpc.Payload):
    METHOD = "unmanage_snapshot"
    snapshot_id: str


@rpc.payload
class CreateBackup(rpc.Payload):
    METHOD = "create_backup"
    backup_id: str


@rpc.payload
class RestoreBackup(rpc.Payload):
    METHOD = "restore_backup"
    backup_id: str
    volume_id: str
    new: bool


@rpc.payload
class BackupDataExists(rpc.Payload):
    METHOD = "backup_data_exists"
    key: str


@rpc.payload
class DeleteBackup(rpc.Payload):
    METHOD = "delete_backup"
    backup_id: str


@rpc.payload
class Reimage(rpc.Payload):
    METHOD = "reimage"
    volume_id: str
    image: dict[str, Any]
    image_metadata: dict[str, str]


@rpc.payload
class RevertToSnapshot(rpc.Payload):
    METHOD = "revert_to_snapshot"
    volume_id: str
    snapshot_id: str


@rpc.payload
class CreateSnapshot(rpc.Payload):
    METHOD = "create_snapshot"
    snapshot_id: str


@rpc.payload
class DeleteSnapshot(rpc.Payload):
    METHOD = "delete_snapshot"
    snapshot_id: str


@rpc.payload
class InitializeConnection(rpc.Payload):
    METHOD = "initialize_connection"
    volume_id: str
    connector: dict[str, Any]


@rpc.payload
class TerminateConnection(rpc.Payload):
    METHOD = "terminate_connection"
    volume_id: str
    connector: dict[str, Any]


@rpc.payload
class GetCapacity(rpc.Payload):
    METHOD = "get_capacity"


@rpc.payload
class UploadImage(rpc.Payload):
    METHOD = "upload_image"
    volume_id: str
    image_id: str
    disk_format: str = "raw"


class VolumeAPI(rpc.Client):
    """The volume manager of ``host``."""

    def __init__(self, bus: Bus, host: str) -> None:
        super().__init__(bus)
        self.topic = volume_topic(host)

    async def create_volume(self, ctx: RequestContext, volume_id: str, image: dict[str, Any] | None = None) -> None:
        await self._cast(self.topic, ctx, CreateVolume(volume_id=volume_id, image=image))

    async def delete_volume(self, ctx: RequestContext, volume_id: str) -> None:
        await self._cast(self.topic, ctx, DeleteVolume(volume_id=volume_id))

    async def extend_volume(self, ctx: RequestContext, volume_id: str, new_size: int) -> None:
        await self._cast(self.topic, ctx, ExtendVolume(volume_id=volume_id, new_size=new_size))

    async def extend_volume_completion(self, ctx: RequestContext, volume_id: str, error: bool) -> None:
        await self._cast(self.topic, ctx, ExtendVolumeCompletion(volume_id=volume_id, error=error))

    async def manage_existing(self, ctx: RequestContext, volume_id: str, name: str) -> None:
        await self._cast(self.topic, ctx, ManageExisting(volume_id=volume_id, name=name))

    async def get_manageable(
        self, ctx: RequestContext, managed: list[str], *, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self._call(
            self.topic, ctx, GetManageable(managed=managed), timeout=timeout
        )
        return answer

    async def unmanage_volume(self, ctx: RequestContext, volume_id: str) -> None:
        await self._cast(self.topic, ctx, UnmanageVolume(volume_id=volume_id))

    async def manage_existing_snapshot(self, ctx: RequestContext, snapshot_id: str, name: str) -> None:
        await self._cast(self.topic, ctx, ManageExistingSnapshot(snapshot_id=snapshot_id, name=name))

    async def get_manageable_snapshots(
        self, ctx: RequestContext, in_use: list[dict[str, Any]], *, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self._call(
            self.topic, ctx, GetManageableSnapshots(in_use=in_use), timeout=timeout
        )
        return answer

    async def unmanage_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        await self._cast(self.topic, ctx, UnmanageSnapshot(snapshot_id=snapshot_id))

    async def create_backup(self, ctx: RequestContext, backup_id: str) -> None:
        await self._cast(self.topic, ctx, CreateBackup(backup_id=backup_id))

    async def restore_backup(self, ctx: RequestContext, backup_id: str, volume_id: str, new: bool) -> None:
        await self._cast(self.topic, ctx, RestoreBackup(backup_id=backup_id, volume_id=volume_id, new=new))

    async def backup_data_exists(self, ctx: RequestContext, key: str, *, timeout: float | None = None) -> bool:
        answer: bool = await self._call(self.topic, ctx, BackupDataExists(key=key), timeout=timeout)
        return answer

    async def delete_backup(self, ctx: RequestContext, backup_id: str) -> None:
        await self._cast(self.topic, ctx, DeleteBackup(backup_id=backup_id))

    async def reimage(
        self, ctx: RequestContext, volume_id: str, image: dict[str, Any], image_metadata: dict[str, str]
    ) -> None:
        await self._cast(self.topic, ctx, Reimage(volume_id=volume_id, image=image, image_metadata=image_metadata))

    async def revert_to_snapshot(self, ctx: RequestContext, volume_id: str, snapshot_id: str) -> None:
        await self._cast(self.topic, ctx, RevertToSnapshot(volume_id=volume_id, snapshot_id=snapshot_id))

    async def create_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        await self._cast(self.topic, ctx, CreateSnapshot(snapshot_id=snapshot_id))

    async def delete_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        await self._cast(self.topic, ctx, DeleteSnapshot(snapshot_id=snapshot_id))

    async def initialize_connection(
        self, ctx: RequestContext, volume_id: str, connector: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(
            self.topic, ctx, InitializeConnection(volume_id=volume_id, connector=connector), timeout=timeout
        )
        return answer

    async def terminate_connection(
        self, ctx: RequestContext, volume_id: str, connector: dict[str, Any], *, timeout: float | None = None
    ) -> None:
        await self._call(
            self.topic, ctx, TerminateConnection(volume_id=volume_id, connector=connector), timeout=timeout
        )

    async def get_capacity(self, ctx: RequestContext, *, timeout: float | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(self.topic, ctx, GetCapacity(), timeout=timeout)
        return answer

    async def upload_image(self, ctx: RequestContext, volume_id: str, image_id: str, disk_format: str = "raw") -> None:
        await self._cast(self.topic, ctx, UploadImage(volume_id=volume_id, image_id=image_id, disk_format=disk_format))


class VolumeManagerEndpoint(rpc.Forward):
    """What the volume API may ask of a host's manager (its recovery is not here)."""

    serves = (
        CreateVolume,
        DeleteVolume,
        ExtendVolume,
        ExtendVolumeCompletion,
        ManageExisting,
        GetManageable,
        UnmanageVolume,
        ManageExistingSnapshot,
        GetManageableSnapshots,
        UnmanageSnapshot,
        CreateBackup,
        RestoreBackup,
        BackupDataExists,
        DeleteBackup,
        Reimage,
        RevertToSnapshot,
        CreateSnapshot,
        DeleteSnapshot,
        InitializeConnection,
        TerminateConnection,
        GetCapacity,
        UploadImage,
    )

    def __init__(self, manager: VolumeManager) -> None:
        super().__init__(manager)
