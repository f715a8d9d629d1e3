"""Quotas: per-project limits, checked by counting what the project uses, under a
per-project row lock so concurrent creates can never pass the limit together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Invalid, QuotaExceeded
from pocketstack.compute.models import KeyPair, ProjectLock, Quota, ServerGroup
from pocketstack.db import Database, fastsql

DEFAULTS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "metadata_items": 128,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
}
# Shown before microversion 2.36 (network quotas moved to the network service then).
LEGACY_NETWORK = {"floating_ips": 10, "fixed_ips": -1, "security_groups": 10, "security_group_rules": 20}
# Gone from the API from 2.57 (personality files were removed).
INJECTED = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")


async def limits(db: Database, project_id: str) -> dict[str, int]:
    async with db.reader() as s:
        return await limits_in(s, project_id)


# Quota classes (os-quota-class-sets) are kept as the rows of a pseudo project; the
# "default" class holds the defaults every project starts from, as in Nova.
CLASS_PREFIX = "__quota_class__:"
DEFAULT_CLASS = CLASS_PREFIX + "default"


async def limits_in(s: AsyncSession, project_id: str) -> dict[str, int]:
    """``limits`` inside a transaction the caller holds (server create's); plain SQL,
    as every create runs it: the defaults, the default class's, then the project's own."""
    rows = await fastsql.rows(
        s,
        "SELECT project_id, resource, hard_limit FROM compute_quota WHERE project_id IN (:project, :klass)",
        {"project": project_id, "klass": DEFAULT_CLASS},
    )
    result = dict(DEFAULTS)
    result.update({r: v for p, r, v in rows if p == DEFAULT_CLASS})
    if project_id != DEFAULT_CLASS:
        result.update({r: v for p, r, v in rows if p == project_id})
    return result


async def class_limits(db: Database, name: str) -> dict[str, int]:
    """A quota class's limits: the built-in defaults with what was set on the class."""
    async with db.reader() as s:
        rows = await fastsql.rows(
            s,
            "SELECT resource, hard_limit FROM compute_quota WHERE project_id = :klass",
            {"klass": CLASS_PREFIX + name},
        )
    return {**DEFAULTS, **{r: v for r, v in rows}}


async def set_class_limits(db: Database, name: str, values: dict[str, int]) -> dict[str, int]:
    await set_limits(db, CLASS_PREFIX + name, values)
    return await class_limits(db, name)


async def set_limits(db: Database, project_id: str, values: dict[str, int]) -> dict[str, int]:
    for resource, value in values.items():
        # The nova-network quotas are kept (and shown before 2.36), never enforced.
        if resource not in DEFAULTS and resource not in LEGACY_NETWORK:
            raise Invalid(f"Bad key(s) {resource} in quota_set")
        if value < -1:
            raise Invalid(f"Quota limit {value} for {resource} must be -1 or greater.")
    async with db.writer() as s:
        for resource, value in values.items():
            row = await s.scalar(select(Quota).where(Quota.project_id == project_id, Quota.resource == resource))
            if row is None:
                s.add(Quota(project_id=project_id, resource=resource, hard_limit=value))
            else:
                row.hard_limit = value
    return await limits(db, project_id)


async def reset(db: Database, project_id: str) -> None:
    async with db.writer() as s:
        for row in await s.scalars(select(Quota).where(Quota.project_id == project_id)):
            await s.delete(row)


async def usage(
    s: AsyncSession, project_id: str, user_id: str | None = None, *, server_groups: bool = True
) -> dict[str, int]:
    # Plain SQL: every server create counts (under the project lock).
    (row,) = await fastsql.rows(
        s,
        "SELECT count(*), coalesce(sum(vcpus), 0), coalesce(sum(memory_mb), 0) FROM compute_instance "
        "WHERE project_id = :project AND deleted = :deleted",
        {"project": project_id, "deleted": False},
    )
    groups = None
    if server_groups:
        query = select(func.count()).select_from(ServerGroup).where(ServerGroup.project_id == project_id)
        groups = await s.scalar(query)
    used: dict[str, Any] = {"instances": row[0], "cores": int(row[1]), "ram": int(row[2]), "server_groups": groups or 0}
    if user_id is not None:
        used["key_pairs"] = await s.scalar(select(func.count()).select_from(KeyPair).where(KeyPair.user_id == user_id))
    return used


# Projects whose lock row exists (rows are never deleted), per database engine.
_lock_rows: set[tuple[int, str]] = set()


async def lock_project(s: AsyncSession, project_id: str) -> None:
    """Take the project's quota lock for the rest of the transaction ``s`` (plain SQL:
    every server create takes it)."""
    params = {"project": project_id}
    lock = "SELECT counter FROM compute_project_lock WHERE project_id = :project"
    if fastsql.is_sqlite(s):
        # No FOR UPDATE in SQLite: the UPDATE below (and the process's single writer)
        # serializes creates, and nothing can race the first insert either.
        if not await fastsql.rows(s, lock, params):
            s.add(ProjectLock(project_id=project_id, counter=0))
            await s.flush()
    else:
        key = (id(s.bind), project_id)
        if key not in _lock_rows:
            # The row is made in a transaction of its own: inside this one, a FOR UPDATE
            # on a missing row takes a gap lock that a concurrent insert waits on, and a
            # plain read first would fix MariaDB's snapshot before the lock is held.
            try:
                async with AsyncSession(s.bind) as other, other.begin():
                    if not await fastsql.rows(other, lock, params):
                        other.add(ProjectLock(project_id=project_id, counter=0))
            except IntegrityError:
                pass  # a concurrent create made it
            _lock_rows.add(key)
        found = await fastsql.rows(s, lock + " FOR UPDATE", params)
        assert found, f"no quota lock row for project {project_id}"
    await fastsql.many(s, "UPDATE compute_project_lock SET counter = counter + 1 WHERE project_id = :project", [params])


async def check_instances(
    s: AsyncSession,
    project_id: str,
    count: int,
    vcpus: int,
    ram: int,
    hard: dict[str, int],
    *,
    min_count: int | None = None,
) -> int:
    """How many of ``count`` servers fit (at least ``min_count``); raise QuotaExceeded otherwise.

    The caller holds the project lock, so the usage read here stays true until it commits.
    """
    used = await usage(s, project_id, server_groups=False)  # servers use none of them
    wanted = {"instances": 1, "cores": vcpus, "ram": ram}
    fit = count
    for resource, per in wanted.items():
        limit = hard[resource]
        if limit < 0 or per == 0:
            continue
        fit = min(fit, (limit - used[resource]) // per)
    need = count if min_count is None else min_count
    if fit < need:
        over = [r for r, per in wanted.items() if hard[r] >= 0 and used[r] + per * need > hard[r]]
        # Nova's TooManyInstances: each over-quota resource with what this request asks
        # of it (per server times count), what is used and the limit, comma-joined.
        overs = ", ".join(over)
        reqs = ", ".join(str(wanted[r] * need) for r in over)
        useds = ", ".join(str(used[r]) for r in over)
        limits = ", ".join(str(hard[r]) for r in over)
        raise QuotaExceeded(
            f"Quota exceeded for {overs}: Requested {reqs}, but already used {useds} of {limits} {overs}",
            kind=",".join(over),
        )
    return fit


async def check_upsize(db: Database, project_id: str, deltas: dict[str, int]) -> None:
    """A resize's growth (cores, ram) against the project's quota, as Nova checks an
    upsize: QuotaExceeded naming each resource it would pass and what it asks."""
    grow = {r: d for r, d in deltas.items() if d > 0}
    if not grow:
        return
    async with db.reader() as s:
        hard = await limits_in(s, project_id)
        used = await usage(s, project_id, server_groups=False)
    over = [r for r, d in grow.items() if hard[r] >= 0 and used[r] + d > hard[r]]
    if over:
        overs = ", ".join(over)
        raise QuotaExceeded(
            f"Quota exceeded for {overs}: Requested {', '.join(str(grow[r]) for r in over)}, but already used "
            f"{', '.join(str(used[r]) for r in over)} of {', '.join(str(hard[r]) for r in over)} {overs}",
            kind=",".join(over),
        )
