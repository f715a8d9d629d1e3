"""Compute's tables (prefixed ``compute_``), shared by the API, scheduler and conductor.

Compute agents never touch these tables: they go through the conductor over the bus,
as Nova's compute hosts do, so an agent can run on a host without database access.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING, new_id


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Flavor(Base):
    __tablename__ = "compute_flavor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavorid: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra_specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, onupdate=utcnow)


class FlavorAccess(Base):
    __tablename__ = "compute_flavor_access"
    __table_args__ = (UniqueConstraint("flavor_id", "project_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavor_id: Mapped[int] = mapped_column(Integer, index=True)
    project_id: Mapped[str] = mapped_column(String(255))


class KeyPair(Base):
    __tablename__ = "compute_keypair"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Instance(Base):
    __tablename__ = "compute_instance"
    __table_args__ = (
        Index("ix_compute_instance_project_created", "project_id", "deleted", "created_at"),
        Index("ix_compute_instance_deleted_created", "deleted", "created_at"),
    )
    # ``seq`` gives a stable, cheap sort key for marker pagination.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    hostname: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    image_ref: Mapped[str] = mapped_column(String(255), default="")
    # Image properties the build needs (kernel_id, ramdisk_id, min_*, ...), fetched at create.
    image_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flavor_id: Mapped[str] = mapped_column(String(255))
    # A snapshot of the flavor at boot: later flavor edits never change a running server.
    flavor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Copied out of the flavor so quota usage is a plain SUM.
    vcpus: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    root_gb: Mapped[int] = mapped_column(Integer, default=0)
    vm_state: Mapped[str] = mapped_column(String(32), default="building")
    task_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    requested_availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    config_drive: Mapped[bool] = mapped_column(Boolean, default=False)
    reservation_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    request_id: Mapped[str] = mapped_column(String(255), default="")
    # What the user asked for: "none", "auto" or a list of {uuid|port|fixed_ip}.
    requested_networks: Mapped[Any] = mapped_column(JSON, default=list)
    security_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    block_device_mapping: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scheduler_hints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Ports created for this server, and their addresses as the API shows them.
    ports: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    addresses: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    server_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    locked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_ip_v4: Mapped[str | None] = mapped_column(String(64), nullable=True)
    access_ip_v6: Mapped[str | None] = mapped_column(String(64), nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # Hosts already tried for this build (the conductor skips them on reschedule).
    attempts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Nova's system metadata, for what outlives a step: shelved_image_id, shelved_at...
    system_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, default=utcnow, onupdate=utcnow)
    launched_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    terminated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Migration(Base):
    """A resize or cold migration of an instance (os-migrations). While it is not
    confirmed or reverted, placement holds the source's (old flavor's) allocation
    under the migration's uuid as consumer, and the instance's under its own."""

    __tablename__ = "compute_migration"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    migration_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    source_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source_node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    old_flavor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    new_flavor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # vm_state before the move: an ACTIVE server is powered on at the destination.
    old_vm_state: Mapped[str] = mapped_column(String(32), default="active")
    project_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, default=utcnow, onupdate=utcnow)


class InstanceFault(Base):
    __tablename__ = "compute_instance_fault"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    code: Mapped[int] = mapped_column(Integer, default=500)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InstanceAction(Base):
    __tablename__ = "compute_instance_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_time: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finish_time: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, default=utcnow)


class InstanceActionEvent(Base):
    __tablename__ = "compute_instance_action_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(255))
    start_time: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finish_time: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    result: Mapped[str | None] = mapped_column(String(32), nullable=True)
    traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    details: Mapped[str | None] = mapped_column(Text, nullable=True)


class Quota(Base):
    __tablename__ = "compute_quota"
    __table_args__ = (UniqueConstraint("project_id", "resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(64))
    hard_limit: Mapped[int] = mapped_column(Integer)


class ProjectLock(Base):
    """One row per project, locked (SELECT ... FOR UPDATE) while its quota is checked,
    so concurrent creates in one project are serialized on every database."""

    __tablename__ = "compute_project_lock"
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)


class ServerGroup(Base):
    __tablename__ = "compute_server_group"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    policy: Mapped[str] = mapped_column(String(64))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ComputeService(Base):
    """A compute agent (one per host) or another binary, with its last heartbeat."""

    __tablename__ = "compute_service"
    __table_args__ = (UniqueConstraint("host", "binary"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    zone: Mapped[str] = mapped_column(String(255), default="nova")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_up: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ComputeNode(Base):
    """A hypervisor as its agent's resource tracker last reported it."""

    __tablename__ = "compute_node"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    host: Mapped[str] = mapped_column(String(255), index=True)
    hypervisor_hostname: Mapped[str] = mapped_column(String(255), unique=True)
    hypervisor_type: Mapped[str] = mapped_column(String(64), default="fake")
    hypervisor_version: Mapped[int] = mapped_column(Integer, default=1000)
    host_ip: Mapped[str] = mapped_column(String(64), default="127.0.0.1")
    vcpus: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    local_gb: Mapped[int] = mapped_column(Integer, default=0)
    vcpus_used: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb_used: Mapped[int] = mapped_column(Integer, default=0)
    local_gb_used: Mapped[int] = mapped_column(Integer, default=0)
    running_vms: Mapped[int] = mapped_column(Integer, default=0)
    cpu_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class TraceSpan(Base):
    """One hop of a request (DESIGN §1), for ``pocketstack trace``."""

    __tablename__ = "compute_trace_span"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    hop: Mapped[str] = mapped_column(String(255))
    component: Mapped[str] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    started: Mapped[float] = mapped_column(Float)
    duration_ms: Mapped[float] = mapped_column(Float)
    result: Mapped[str] = mapped_column(String(32), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")


class Aggregate(Base):
    """A host aggregate (os-aggregates): a named set of hosts with metadata; the
    ``availability_zone`` metadata key makes it an availability zone."""

    __tablename__ = "compute_aggregate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
