"""What the scheduler knows about each host: its compute node as last reported, its
service (enabled, up), and its free resources from placement's provider summaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from pocketstack.common.timeutils import utcnow
from pocketstack.compute.models import Aggregate, ComputeNode, ComputeService, Instance
from pocketstack.db import Database


@dataclass
class HostState:
    host: str
    node: str
    provider_uuid: str
    zone: str = "nova"
    enabled: bool = True
    up: bool = True
    hypervisor_type: str = "fake"
    arch: str = "x86_64"
    total: dict[str, int] = field(default_factory=dict)
    # Free resources per placement (capacity minus used); filled for candidates only.
    free: dict[str, float] = field(default_factory=dict)
    # The allocation request placement offered for this host.
    allocation: dict[str, Any] | None = None
    recent_failures: int = 0
    # The service's last heartbeat: "up" is recomputed from it at each decision.
    last_seen: dt.datetime | None = None
    forced_down: bool = False
    # Metadata of the host's aggregates, each key with every value any of them gives.
    aggregate_metadata: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class RequestSpec:
    instance_uuid: str
    project_id: str
    user_id: str
    resources: dict[str, int]
    availability_zone: str | None = None
    image_properties: dict[str, Any] = field(default_factory=dict)
    group: dict[str, Any] | None = None
    flavor_extra_specs: dict[str, str] = field(default_factory=dict)
    ignore_hosts: list[str] = field(default_factory=list)
    # An admin's requested destination (2.74 host / hypervisor_hostname, or the host and
    # node of "zone:host:node"): only that host (node) may be chosen.
    requested_host: str | None = None
    requested_node: str | None = None
    # Hosts already holding members of ``group`` (filled by the scheduler).
    group_hosts: list[str] = field(default_factory=list)
    # The servers of the same_host / different_host scheduler hints, and (filled by the
    # scheduler) the hosts they are on.
    same_host: list[str] = field(default_factory=list)
    different_host: list[str] = field(default_factory=list)
    same_host_hosts: list[str] = field(default_factory=list)
    different_host_hosts: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def is_up(last_seen: dt.datetime | None, forced_down: bool, down_time: float) -> bool:
    if forced_down or last_seen is None:
        return False
    return (utcnow() - last_seen).total_seconds() <= down_time


async def load(db: Database, down_time: float, since: dt.datetime | None = None) -> dict[str, HostState]:
    """Compute nodes with their service, keyed by provider (compute node) uuid; with
    ``since``, only those whose service or node changed at or after that time."""
    query = select(
        ComputeNode.uuid,
        ComputeNode.host,
        ComputeNode.hypervisor_hostname,
        ComputeNode.hypervisor_type,
        ComputeNode.cpu_info,
        ComputeNode.vcpus,
        ComputeNode.memory_mb,
        ComputeNode.local_gb,
        ComputeService.zone,
        ComputeService.disabled,
        ComputeService.last_seen_up,
        ComputeService.forced_down,
    ).join(ComputeService, (ComputeService.host == ComputeNode.host) & (ComputeService.binary == "nova-compute"))
    if since is not None:
        query = query.where((ComputeService.updated_at >= since) | (ComputeNode.updated_at >= since))
    async with db.reader() as s:
        rows = (await s.execute(query)).all()
        groups = list(await s.scalars(select(Aggregate)))
    by_host: dict[str, dict[str, set[str]]] = {}
    for agg in groups:
        for host in agg.hosts:
            meta = by_host.setdefault(host, {})
            for key, value in (agg.metadata_ or {}).items():
                meta.setdefault(key, set()).update(v.strip() for v in str(value).split(","))
    states: dict[str, HostState] = {}
    for r in rows:
        meta = by_host.get(r.host, {})
        zones = sorted(meta.get("availability_zone", ()))
        states[r.uuid] = HostState(
            host=r.host,
            node=r.hypervisor_hostname,
            provider_uuid=r.uuid,
            # An aggregate's availability_zone wins over the service's default zone.
            zone=zones[0] if zones else r.zone,
            enabled=not r.disabled,
            up=is_up(r.last_seen_up, r.forced_down, down_time),
            hypervisor_type=r.hypervisor_type,
            arch=str((r.cpu_info or {}).get("arch", "x86_64")),
            total={"VCPU": r.vcpus, "MEMORY_MB": r.memory_mb, "DISK_GB": r.local_gb},
            last_seen=r.last_seen_up,
            forced_down=r.forced_down,
            aggregate_metadata=meta,
        )
    return states


async def usage_by_host(db: Database) -> dict[str, dict[str, int]]:
    """Resources used per host according to compute's own records (for explanations)."""
    query = (
        select(Instance.node, func.sum(Instance.vcpus), func.sum(Instance.memory_mb), func.sum(Instance.root_gb))
        .where(Instance.deleted.is_(False), Instance.node.is_not(None))
        .group_by(Instance.node)
    )
    async with db.reader() as s:
        rows = (await s.execute(query)).all()
    return {
        r[0]: {"VCPU": int(r[1] or 0), "MEMORY_MB": int(r[2] or 0), "DISK_GB": int(r[3] or 0)} for r in rows if r[0]
    }
