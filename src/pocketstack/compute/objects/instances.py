"""Servers in the database: create (with the quota check, race free), look up, list."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, insert, or_, select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound, QuotaExceeded
from pocketstack.compute import disk_config, states
from pocketstack.compute.models import Instance, ServerGroup
from pocketstack.compute.objects import actions, quotas
from pocketstack.compute.objects.fastrow import FastRow
from pocketstack.db import Database
from pocketstack.db.models import new_id


@dataclass
class BuildRequest:
    """A validated create request, everything resolved (flavor, image, key, group)."""

    name: str
    flavor: dict[str, Any]
    image_ref: str
    image_meta: dict[str, Any]
    requested_networks: Any
    min_count: int = 1
    max_count: int = 1
    key_name: str | None = None
    key_data: str | None = None
    user_data: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    availability_zone: str | None = None
    config_drive: bool = False
    security_groups: list[str] = field(default_factory=list)
    block_device_mapping: list[dict[str, Any]] = field(default_factory=list)
    scheduler_hints: dict[str, Any] = field(default_factory=dict)
    group_uuid: str | None = None
    hostname: str | None = None
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    # OS-DCF:diskConfig AUTO (True) or MANUAL (False), resolved against the image.
    auto_disk_config: bool = False
    # Where an admin asked the server to go (scheduling only; not kept on the instance).
    requested_host: str | None = None
    requested_node: str | None = None


def hostname_for(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return (cleaned or "server")[:63]


async def create(db: Database, ctx: RequestContext, req: BuildRequest) -> list[Instance]:
    """Write the instances (BUILD/scheduling) and their create actions, within quota."""
    project_id = ctx.project_id or ""
    reservation = f"r-{uuidlib.uuid4().hex[:8]}"
    created: list[Instance] = []
    async with db.writer() as s:
        await quotas.lock_project(s, project_id)
        hard = await quotas.limits_in(s, project_id)  # in the transaction: one session less
        count = await quotas.check_instances(
            s, project_id, req.max_count, req.flavor["vcpus"], req.flavor["memory_mb"], hard, min_count=req.min_count
        )
        group = None
        if req.group_uuid:
            group = await s.scalar(select(ServerGroup).where(ServerGroup.uuid == req.group_uuid).with_for_update())
            if group is None:
                raise Invalid(f"Invalid scheduler hint: server group {req.group_uuid} not found")
            limit = hard["server_group_members"]
            if limit >= 0 and len(group.members) + count > limit:
                raise QuotaExceeded("Quota exceeded, too many servers in group", kind="server_group_members")
        rows: list[dict[str, Any]] = []
        for index in range(count):
            name = req.name if count == 1 else f"{req.name}-{index + 1}"
            values: dict[str, Any] = dict(
                uuid=new_id(),
                name=name,
                hostname=req.hostname or hostname_for(name),
                project_id=project_id,
                user_id=ctx.user_id or "",
                image_ref=req.image_ref,
                image_meta=req.image_meta,
                flavor_id=req.flavor["flavorid"],
                flavor=req.flavor,
                vcpus=req.flavor["vcpus"],
                memory_mb=req.flavor["memory_mb"],
                root_gb=req.flavor["root_gb"],
                vm_state=states.BUILDING,
                task_state=states.SCHEDULING,
                power_state=states.NOSTATE,
                requested_availability_zone=req.availability_zone,
                availability_zone=req.availability_zone,
                key_name=req.key_name,
                key_data=req.key_data,
                user_data=req.user_data,
                metadata_=dict(req.metadata),
                tags=list(req.tags),
                description=req.description,
                config_drive=req.config_drive,
                reservation_id=reservation,
                launch_index=index,
                request_id=ctx.request_id,
                requested_networks=req.requested_networks,
                security_groups=list(req.security_groups),
                block_device_mapping=list(req.block_device_mapping),
                scheduler_hints=dict(req.scheduler_hints),
                server_group_id=req.group_uuid,
                access_ip_v4=req.access_ip_v4,
                access_ip_v6=req.access_ip_v6,
                system_metadata=disk_config.stored({}, req.auto_disk_config),
                ports=[],
                addresses={},
                attempts=[],
            )
            rows.append(values)
        # Core inserts on the tables: the ORM's unit of work (or its bulk form) for these
        # rows and their actions cost more than the statements; the entities returned
        # are transient copies carrying what the caller reads (uuid, sizes, reservation).
        columns = [{("metadata" if k == "metadata_" else k): v for k, v in r.items()} for r in rows]
        await s.execute(insert(Instance.metadata.tables[Instance.__tablename__]), columns)
        await actions.start_actions(s, [r["uuid"] for r in rows], "create", ctx.to_dict())
        created = [Instance(**r) for r in rows]
        if group is not None:
            group.members = [*group.members, *(i.uuid for i in created)]
    return created


async def get(db: Database, ctx: RequestContext, server_id: str, *, allow_deleted: bool = False) -> Instance:
    async with db.reader() as s:
        inst = await s.scalar(select(Instance).where(Instance.uuid == server_id))
    if inst is None or (inst.deleted and not allow_deleted) or (not ctx.is_admin and inst.project_id != ctx.project_id):
        raise NotFound(f"Instance {server_id} could not be found.")
    return inst


# Every column under its attribute name (``metadata_``), so a Core row reads like the
# entity; built once, so a poll pays no statement construction.
ROW_BY_UUID = FastRow(
    select(*(attr.columns[0].label(attr.key) for attr in Instance.__mapper__.column_attrs)).where(
        Instance.__table__.c.uuid == bindparam("uuid")
    ),
    "InstanceRow",
)
# What the API's server view never shows (JSON columns cost a decode per read).
_NOT_SHOWN = {"key_data", "requested_networks", "ports", "attempts", "request_id"}
SHOW_ROW_BY_UUID = FastRow(
    select(
        *(attr.columns[0].label(attr.key) for attr in Instance.__mapper__.column_attrs if attr.key not in _NOT_SHOWN)
    ).where(Instance.__table__.c.uuid == bindparam("uuid")),
    "InstanceRow",
)


async def get_row(db: Database, ctx: RequestContext, server_id: str, *, allow_deleted: bool = False) -> Any:
    """``get`` for GET /servers/{id}, polled many times per launch: a row of the columns
    the server view shows, with the entity's attribute names, read in one driver call
    (see fastrow) instead of an ORM entity in a session; same visibility rules."""
    async with db.engine.connect() as conn:
        row = await SHOW_ROW_BY_UUID.first(conn, "uuid", server_id)
    if row is None or (row.deleted and not allow_deleted) or (not ctx.is_admin and row.project_id != ctx.project_id):
        raise NotFound(f"Instance {server_id} could not be found.")
    return row


@dataclass
class ListFilters:
    project_id: str | None
    name: str | None = None
    status: list[str] = field(default_factory=list)
    image: str | None = None
    flavor: str | None = None
    host: str | None = None
    changes_since: dt.datetime | None = None
    changes_before: dt.datetime | None = None
    deleted: bool = False
    reservation_id: str | None = None
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    # Regular expressions matched (from the start) against the fixed IPv4 / IPv6 addresses.
    ip: str | None = None
    ip6: str | None = None
    availability_zone: str | None = None
    limit: int | None = None
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"


SORT_KEYS = {
    "created_at": Instance.created_at,
    "display_name": Instance.name,
    "updated_at": Instance.updated_at,
    "uuid": Instance.uuid,
    "vm_state": Instance.vm_state,
    "host": Instance.host,
    "launched_at": Instance.launched_at,
    "project_id": Instance.project_id,
}


def _query(f: ListFilters) -> Select[Instance]:
    query = select(Instance)
    if f.project_id is not None:
        query = query.where(Instance.project_id == f.project_id)
    if f.changes_since is None and f.changes_before is None:
        query = query.where(Instance.deleted.is_(f.deleted))
    if f.status:
        vm_states = [v for st in f.status for v in states.STATUS_FILTERS.get(st.upper(), [])]
        query = query.where(Instance.vm_state.in_(vm_states))
    for column, value in (
        (Instance.image_ref, f.image),
        (Instance.flavor_id, f.flavor),
        (Instance.host, f.host),
        (Instance.reservation_id, f.reservation_id),
        (Instance.availability_zone, f.availability_zone),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.changes_since is not None:
        query = query.where(Instance.updated_at >= f.changes_since)
    if f.changes_before is not None:
        query = query.where(Instance.updated_at <= f.changes_before)
    return query


def _like_member(tag: str) -> str:
    """A LIKE pattern matching the JSON text of a list that holds ``tag``."""
    quoted = json.dumps(tag)
    return "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _sql_prefilters(query: Select[Instance], f: ListFilters) -> Select[Instance]:
    """The name regex and tag filters narrowed in SQL, so LIMIT applies in the database
    (a 100,000-row table is never read into Python). The tag LIKE can over-match in
    contrived cases (a tag holding a quote), so ``_python_match`` re-checks every row."""
    if f.name:
        try:
            re.compile(f.name)
        except re.error:
            raise Invalid(f"Invalid regular expression for name: {f.name!r}") from None
        query = query.where(Instance.name.regexp_match(f.name))
    as_text = cast(Instance.tags, String)
    for tag in f.tags:
        query = query.where(as_text.like(_like_member(tag), escape="\\"))
    if f.tags_any:
        query = query.where(or_(*(as_text.like(_like_member(t), escape="\\") for t in f.tags_any)))
    return query


async def list_instances(db: Database, f: ListFilters) -> list[Instance]:
    if f.sort_key not in SORT_KEYS:
        raise Invalid(f"Invalid sort_key {f.sort_key!r}")
    if f.sort_dir not in ("asc", "desc"):
        raise Invalid(f"Invalid sort_dir {f.sort_dir!r}: use asc or desc")
    column = SORT_KEYS[f.sort_key]
    query = _sql_prefilters(_query(f), f)
    async with db.reader() as s:
        if f.marker is not None:
            marker = await s.scalar(select(Instance).where(Instance.uuid == f.marker))
            if marker is None:
                raise Invalid(f"marker [{f.marker}] not found")
            value = getattr(marker, column.key)
            if f.sort_dir == "desc":
                query = query.where((column < value) | ((column == value) & (Instance.seq < marker.seq)))
            else:
                query = query.where((column > value) | ((column == value) & (Instance.seq > marker.seq)))
        if f.sort_dir == "desc":
            query = query.order_by(column.desc(), Instance.seq.desc())
        else:
            query = query.order_by(column.asc(), Instance.seq.asc())
        recheck = bool(f.tags or f.tags_any or f.not_tags or f.ip or f.ip6)
        if f.limit is None:
            rows = list(await s.scalars(query))
            return [r for r in rows if _python_match(r, f)] if recheck else rows
        if not recheck:
            return list(await s.scalars(query.limit(f.limit)))
        # Pages until ``limit`` rows pass the exact check (one page unless the SQL
        # prefilter over-matched, or only not-tags filters apply).
        out: list[Instance] = []
        offset, page = 0, max(f.limit, 200)
        while len(out) < f.limit:
            chunk = list(await s.scalars(query.offset(offset).limit(page)))
            out.extend(r for r in chunk if _python_match(r, f))
            if len(chunk) < page:
                break
            offset += page
        return out[: f.limit]


def _ip_match(inst: Instance, f: ListFilters) -> bool:
    patterns = {4: re.compile(f.ip) if f.ip else None, 6: re.compile(f.ip6) if f.ip6 else None}
    for addrs in (inst.addresses or {}).values():
        for a in addrs:
            pattern = patterns.get(a.get("version"))
            if pattern is not None and a.get("OS-EXT-IPS:type", "fixed") == "fixed" and pattern.match(a["addr"]):
                return True
    return False


def _python_match(inst: Instance, f: ListFilters) -> bool:
    """The exact tag-set semantics (tags: all of; tags-any: one of; not-tags: not all of)
    and the address filters (a fixed address of the version that the regex matches)."""
    if (f.ip or f.ip6) and not _ip_match(inst, f):
        return False
    tags = set(inst.tags or [])
    if f.tags and not set(f.tags) <= tags:
        return False
    if f.tags_any and not (set(f.tags_any) & tags):
        return False
    return not (f.not_tags and set(f.not_tags) <= tags)
