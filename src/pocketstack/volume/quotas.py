"""Per-project quotas: volumes, snapshots and gigabytes, overall and per volume type.

Usage is counted from the live rows (gigabytes covers volumes and snapshots, as in
Cinder). A check and the insert it guards happen in one writer transaction that first
locks the project's ``volume_quota_lock`` row (SELECT ... FOR UPDATE on PostgreSQL and
MariaDB; SQLite writers are serialized anyway), so concurrent creates cannot overrun a
limit between the count and the insert.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.config import VolumeConfig
from pocketstack.common.errors import Invalid, QuotaExceeded
from pocketstack.db import Database
from pocketstack.volume.models import Backup, Group, Quota, QuotaClass, QuotaLock, Snapshot, Volume, VolumeType

BASE_RESOURCES = ("volumes", "snapshots", "gigabytes")
DEFAULT_CLASS = "default"
# The rest of Cinder's quota set: backups and their gigabytes (at backup create), groups
# (at group create), per_volume_gigabytes (the largest volume, at create and extend).
STATIC = {"backups": 10, "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1}


def defaults(cfg: VolumeConfig) -> dict[str, int]:
    return {"volumes": cfg.quota_volumes, "snapshots": cfg.quota_snapshots, "gigabytes": cfg.quota_gigabytes}


@dataclass
class Delta:
    volumes: int = 0
    snapshots: int = 0
    gigabytes: int = 0
    type_name: str | None = None
    # Only the per-type limits (a retype moves usage between types, not overall).
    type_only: bool = False
    groups: int = 0
    backups: int = 0
    backup_gigabytes: int = 0
    # The size of the one volume being made or grown (per_volume_gigabytes).
    volume_size: int | None = None


async def type_names(s: AsyncSession) -> list[str]:
    return list(await s.scalars(select(VolumeType.name).order_by(VolumeType.name)))


async def class_limits(s: AsyncSession, cfg: VolumeConfig, class_name: str = DEFAULT_CLASS) -> dict[str, int]:
    """A quota class's limits: the configured defaults, what the ``default`` class
    overrides, then what ``class_name`` itself sets."""
    result: dict[str, int] = {**defaults(cfg), **STATIC}
    for name in await type_names(s):
        for res in BASE_RESOURCES:
            result[f"{res}_{name}"] = -1
    wanted = [DEFAULT_CLASS] if class_name == DEFAULT_CLASS else [DEFAULT_CLASS, class_name]
    rows = await s.scalars(select(QuotaClass).where(QuotaClass.class_name.in_(wanted)))
    for row in sorted(rows, key=lambda r: r.class_name != DEFAULT_CLASS):
        result[row.resource] = row.hard_limit
    return result


async def limits(s: AsyncSession, cfg: VolumeConfig, project_id: str) -> dict[str, int]:
    result = await class_limits(s, cfg)
    for row in await s.scalars(select(Quota).where(Quota.project_id == project_id)):
        result[row.resource] = row.hard_limit
    return result


async def set_class_limits(s: AsyncSession, cfg: VolumeConfig, class_name: str, values: dict[str, int]) -> None:
    known = set(await class_limits(s, cfg, class_name))
    for resource, value in values.items():
        if resource not in known:
            raise Invalid(f"Bad key(s) in quota class set: {resource}")
        if value < -1:
            raise Invalid(f"Quota limit {value} for {resource} must be -1 or greater.")
        query = select(QuotaClass).where(QuotaClass.class_name == class_name, QuotaClass.resource == resource)
        row = await s.scalar(query)
        if row is None:
            s.add(QuotaClass(class_name=class_name, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value


async def usage(s: AsyncSession, project_id: str) -> dict[str, int]:
    used: dict[str, int] = {res: 0 for res in BASE_RESOURCES}
    vols = await s.execute(
        select(VolumeType.name, func.count(Volume.id), func.coalesce(func.sum(Volume.size), 0))
        .join(VolumeType, VolumeType.id == Volume.volume_type_id)
        .where(Volume.project_id == project_id)
        .group_by(VolumeType.name)
    )
    for name, count, gigabytes in vols:
        used["volumes"] += int(count)
        used["gigabytes"] += int(gigabytes)
        used[f"volumes_{name}"] = int(count)
        used[f"gigabytes_{name}"] = used.get(f"gigabytes_{name}", 0) + int(gigabytes)
    snaps = await s.execute(
        select(VolumeType.name, func.count(Snapshot.id), func.coalesce(func.sum(Snapshot.size), 0))
        .join(VolumeType, VolumeType.id == Snapshot.volume_type_id)
        .where(Snapshot.project_id == project_id)
        .group_by(VolumeType.name)
    )
    used["groups"] = int(await s.scalar(select(func.count(Group.id)).where(Group.project_id == project_id)) or 0)
    backups = await s.execute(
        select(func.count(Backup.id), func.coalesce(func.sum(Backup.size), 0)).where(Backup.project_id == project_id)
    )
    count, gigabytes = backups.one()
    used["backups"], used["backup_gigabytes"] = int(count), int(gigabytes)
    for name, count, gigabytes in snaps:
        used["snapshots"] += int(count)
        used["gigabytes"] += int(gigabytes)
        used[f"snapshots_{name}"] = int(count)
        used[f"gigabytes_{name}"] = used.get(f"gigabytes_{name}", 0) + int(gigabytes)
    return used


async def lock_project(db: Database, s: AsyncSession, project_id: str) -> None:
    """Hold the project's quota lock row for the rest of the transaction ``s``."""
    if await s.get(QuotaLock, project_id) is None:
        # Made once per project, in its own transaction so a concurrent insert of the
        # same row cannot abort the caller's.
        try:
            async with db.sessions() as other, other.begin():
                other.add(QuotaLock(project_id=project_id, generation=0))
        except IntegrityError:
            pass
    await s.scalar(select(QuotaLock).where(QuotaLock.project_id == project_id).with_for_update())


async def check(db: Database, s: AsyncSession, cfg: VolumeConfig, project_id: str, delta: Delta) -> None:
    """Raise QuotaExceeded if ``delta`` more would pass a limit; call before the insert."""
    if db.is_sqlite:
        # Writers hold the process-wide SQLite write lock already: nothing can interleave.
        pass
    else:
        await lock_project(db, s, project_id)
    hard = await limits(s, cfg, project_id)
    used = await usage(s, project_id)
    overall = [("volumes", delta.volumes), ("snapshots", delta.snapshots), ("gigabytes", delta.gigabytes)]
    wanted = [] if delta.type_only else list(overall)
    if delta.type_name:
        wanted += [(f"{res}_{delta.type_name}", amount) for res, amount in overall]
    per_volume = hard.get("per_volume_gigabytes", -1)
    if delta.volume_size is not None and 0 <= per_volume < delta.volume_size:
        raise QuotaExceeded(
            f"VolumeSizeExceedsLimit: Requested volume size {delta.volume_size}G is larger than maximum allowed "
            f"limit {per_volume}G.",
            kind="VolumeSizeExceedsLimit",
        )
    if delta.groups > 0 and 0 <= hard.get("groups", -1) < used.get("groups", 0) + delta.groups:
        raise QuotaExceeded(
            f"GroupLimitExceeded: Maximum number of groups allowed ({hard['groups']}) exceeded.",
            kind="GroupLimitExceeded",
        )
    wanted += [("backups", delta.backups), ("backup_gigabytes", delta.backup_gigabytes)]
    for resource, amount in wanted:
        limit = hard.get(resource, -1)
        if amount <= 0 or limit < 0:
            continue
        consumed = used.get(resource, 0)
        if consumed + amount <= limit:
            continue
        if resource in ("backups", "backup_gigabytes"):
            kind = "BackupLimitExceeded" if resource == "backups" else "VolumeBackupSizeExceedsAvailableQuota"
            raise QuotaExceeded(
                f"{kind}: Maximum {resource} allowed ({limit}) exceeded: {amount} requested, {consumed} in use.",
                kind=kind,
            )
        if resource.startswith("gigabytes"):
            raise QuotaExceeded(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed {resource} quota. "
                f"Requested {amount}G, quota is {limit}G and {consumed}G has been consumed.",
                kind="VolumeSizeExceedsAvailableQuota",
            )
        what = "volumes" if resource.startswith("volumes") else "snapshots"
        raise QuotaExceeded(
            f"{'VolumeLimitExceeded' if what == 'volumes' else 'SnapshotLimitExceeded'}: "
            f"Maximum number of {what} allowed ({limit}) exceeded for quota '{resource}'.",
            kind="VolumeLimitExceeded" if what == "volumes" else "SnapshotLimitExceeded",
        )


async def set_limits(s: AsyncSession, project_id: str, values: dict[str, int], known: set[str]) -> None:
    for resource, value in values.items():
        if resource not in known:
            raise Invalid(f"Bad key(s) in quota set: {resource}")
        if value < -1:
            raise Invalid(f"Quota limit {value} for {resource} must be -1 or greater.")
        row = await s.scalar(select(Quota).where(Quota.project_id == project_id, Quota.resource == resource))
        if row is None:
            s.add(Quota(project_id=project_id, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value


async def reset(s: AsyncSession, project_id: str) -> None:
    for row in await s.scalars(select(Quota).where(Quota.project_id == project_id)):
        await s.delete(row)
