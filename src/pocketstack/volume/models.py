"""The volume service's tables (own declarative base, names prefixed ``volume_``).

Rows are deleted for real when a volume or snapshot is gone: the API never shows
deleted records, and quota usage is counted from the live rows, so nothing has to keep
a separate usage counter in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING, new_id


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime, default=utcnow, nullable=False)


def _updated() -> Mapped[dt.datetime | None]:
    return mapped_column(DateTime, default=None, onupdate=utcnow, nullable=True)


class VolumeType(Base):
    __tablename__ = "volume_type"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    extra_specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Projects that may use a private type.
    projects: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The QoS specs associated with the type (one at most, as in Cinder).
    qos_specs_id: Mapped[str | None] = mapped_column(String(36), nullable=True, default=None)
    # The type's encryption spec (provider, cipher, key_size, control_location,
    # encryption_id, created_at, updated_at), None when unencrypted.
    encryption: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Volume(Base):
    __tablename__ = "volume_volume"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    # Why the volume is in error (or what the last failed operation said).
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    attach_status: Mapped[str] = mapped_column(String(32), default="detached")
    volume_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_type.id"), index=True)
    availability_zone: Mapped[str] = mapped_column(String(255))
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    multiattach: Mapped[bool] = mapped_column(Boolean, default=False)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    image_metadata: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_volid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # What the backend says about where the data is (file path and format, ...).
    provider_location: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The status to return to when a transitional operation (extend, upload) ends.
    previous_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The size before an extend in progress (restored if the extend fails).
    previous_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The group (3.13+) the volume belongs to.
    group_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Snapshot(Base):
    __tablename__ = "volume_snapshot"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_volume.id"), index=True)
    volume_type_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[str] = mapped_column(String(8), default="0%")
    # The group snapshot (3.14+) this snapshot was taken for.
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    provider_location: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Attachment(Base):
    __tablename__ = "volume_attachment"
    id: Mapped[str] = _id()
    volume_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_volume.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    instance_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    attached_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    mountpoint: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attach_mode: Mapped[str] = mapped_column(String(8), default="rw")
    # reserved -> attaching -> attached (-> detached, then the row is removed).
    status: Mapped[str] = mapped_column(String(32))
    connector: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    connection_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    attach_time: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Quota(Base):
    """An explicit hard limit for one project and resource (defaults come from config)."""

    __tablename__ = "volume_quota"
    __table_args__ = (UniqueConstraint("project_id", "resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaLock(Base):
    """One row per project, locked (SELECT ... FOR UPDATE) while usage is checked and
    a reservation is written, so two concurrent creates cannot both pass the check."""

    __tablename__ = "volume_quota_lock"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class QuotaClass(Base):
    """A quota class's limit for one resource (the ``default`` class sets the defaults
    every project without its own limit gets)."""

    __tablename__ = "volume_quota_class"
    __table_args__ = (UniqueConstraint("class_name", "resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_name: Mapped[str] = mapped_column(String(255), index=True)
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QosSpecs(Base):
    """Named QoS settings (``consumer``: front-end, back-end or both) types can point at."""

    __tablename__ = "volume_qos_specs"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255), unique=True)
    consumer: Mapped[str] = mapped_column(String(16), default="back-end")
    specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Transfer(Base):
    """An offer of a volume to another project: whoever shows the id and the auth key
    (only its salted hash is kept) takes the volume over."""

    __tablename__ = "volume_transfer"
    id: Mapped[str] = _id()
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    salt: Mapped[str] = mapped_column(String(255))
    crypt_hash: Mapped[str] = mapped_column(String(255))
    source_project_id: Mapped[str] = mapped_column(String(64), index=True)
    destination_project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    no_snapshots: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class ServiceState(Base):
    """What an admin set on one of the volume service's services (cinder-scheduler,
    cinder-volume): disabled (with a reason) or frozen. Absent: enabled, not frozen."""

    __tablename__ = "volume_service_state"
    __table_args__ = (UniqueConstraint("host", "binary"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime | None] = _updated()


class GroupType(Base):
    """A group type (3.11+): name, description, public, group specs."""

    __tablename__ = "volume_group_type"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    group_specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class Message(Base):
    """A user message (3.3+): why an asynchronous operation failed, for the project."""

    __tablename__ = "volume_message"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str] = mapped_column(String(255))
    message_level: Mapped[str] = mapped_column(String(16))
    user_message: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = _created()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Group(Base):
    """A volume group (3.13+): volumes of the group's types managed together."""

    __tablename__ = "volume_group"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    availability_zone: Mapped[str] = mapped_column(String(255))
    group_type_id: Mapped[str] = mapped_column(String(36))
    volume_type_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class GroupSnapshot(Base):
    """A snapshot of every volume of a group at once (3.14+)."""

    __tablename__ = "volume_group_snapshot"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(36), index=True)
    group_type_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()


class DefaultType(Base):
    """A project's own default volume type (3.62+), over the cloud's default."""

    __tablename__ = "volume_default_type"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    volume_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_type.id"), index=True)


class Backup(Base):
    """A copy of a volume's data kept apart from it (the posix backup store), to restore."""

    __tablename__ = "volume_backup"
    id: Mapped[str] = _id()
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    size: Mapped[int] = mapped_column(Integer)
    availability_zone: Mapped[str] = mapped_column(String(255))
    container: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_incremental: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    fail_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    # The volume's status while this backup (or a restore from it) runs, to return to.
    volume_previous_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    data_timestamp: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # Which data in the store is this backup's (another backup's, once imported from
    # its exported record); None: its own id.
    data_key: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # What the volume carried (metadata, image metadata, bootable): a restore puts it back.
    volume_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()
