"""Flavors: sizes of servers, with extra specs and access lists for private flavors."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute.models import Flavor, FlavorAccess
from pocketstack.db import Database

# The flavors `pocketstack up` creates: (name, id, vCPUs, RAM MB, disk GB).
DEFAULT_FLAVORS = (
    ("m1.tiny", "1", 1, 512, 1),
    ("m1.small", "2", 1, 2048, 20),
    ("m1.medium", "3", 2, 4096, 40),
    ("m1.large", "4", 4, 8192, 80),
)


# Flavors change rarely and every server create reads one: the create path keeps them
# for up to 30 s per database, and every write through this module drops the cache
# (the TTL bounds staleness should another process edit the table).
FLAVOR_CACHE_SECONDS = 30.0
_cache: dict[tuple[str, str], tuple[float, Flavor]] = {}


@asynccontextmanager
async def _writer(db: Database) -> AsyncIterator[AsyncSession]:
    """``db.writer()`` that drops the cache once the change is committed (dropping it
    before would let a concurrent read cache the old row again)."""
    try:
        async with db.writer() as s:
            yield s
    finally:
        _cache.clear()


@dataclass
class FlavorSpec:
    name: str
    vcpus: int
    ram: int
    disk: int
    flavorid: str | None = None
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None


async def create(db: Database, spec: FlavorSpec) -> Flavor:
    flavorid = spec.flavorid if spec.flavorid not in (None, "auto") else str(uuid.uuid4())
    flavor = Flavor(
        flavorid=flavorid,
        name=spec.name,
        vcpus=spec.vcpus,
        memory_mb=spec.ram,
        root_gb=spec.disk,
        ephemeral_gb=spec.ephemeral,
        swap=spec.swap,
        rxtx_factor=spec.rxtx_factor,
        is_public=spec.is_public,
        description=spec.description,
        extra_specs={},
    )
    try:
        async with _writer(db) as s:
            clash = await s.scalar(select(Flavor).where(or_(Flavor.name == spec.name, Flavor.flavorid == flavorid)))
            if clash is not None:
                which = f"name {spec.name}" if clash.name == spec.name else f"ID {flavorid}"
                raise Conflict(f"Flavor with {which} already exists.")
            s.add(flavor)
    except IntegrityError:
        raise Conflict(f"Flavor with name {spec.name} or ID {flavorid} already exists.") from None
    return flavor


async def ensure_defaults(db: Database) -> None:
    """Create the default flavors that are missing (idempotent: `up` runs it every time)."""
    for name, flavorid, vcpus, ram, disk in DEFAULT_FLAVORS:
        async with db.reader() as s:
            exists = await s.scalar(select(Flavor.id).where(or_(Flavor.name == name, Flavor.flavorid == flavorid)))
        if exists is None:
            await create(db, FlavorSpec(name=name, flavorid=flavorid, vcpus=vcpus, ram=ram, disk=disk))


async def _accessible(db: Database, ctx: RequestContext, flavor: Flavor) -> bool:
    if flavor.is_public or ctx.is_admin:
        return True
    async with db.reader() as s:
        row = await s.scalar(
            select(FlavorAccess.id).where(
                FlavorAccess.flavor_id == flavor.id, FlavorAccess.project_id == ctx.project_id
            )
        )
    return row is not None


async def get(db: Database, ctx: RequestContext, flavorid: str, *, cached: bool = False) -> Flavor:
    """The flavor if the caller may use it. ``cached``: for read-only callers that do not
    need the very latest row (server create), a copy read within FLAVOR_CACHE_SECONDS."""
    flavor: Flavor | None = None
    key = (db.url, flavorid)
    now = time.monotonic()
    if cached:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < FLAVOR_CACHE_SECONDS:
            flavor = hit[1]
    if flavor is None:
        async with db.reader() as s:
            flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is not None and cached:
            if len(_cache) > 1000:
                _cache.clear()
            _cache[key] = (now, flavor)
    if flavor is None or not await _accessible(db, ctx, flavor):
        raise NotFound(f"Flavor {flavorid} could not be found.")
    return flavor


async def list_flavors(
    db: Database,
    ctx: RequestContext,
    *,
    is_public: bool | None = True,
    min_ram: int | None = None,
    min_disk: int | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "flavorid",
    sort_dir: str = "asc",
) -> list[Flavor]:
    columns = {
        "flavorid": Flavor.flavorid,
        "name": Flavor.name,
        "memory_mb": Flavor.memory_mb,
        "vcpus": Flavor.vcpus,
        "root_gb": Flavor.root_gb,
        "id": Flavor.id,
        "created_at": Flavor.created_at,
        "swap": Flavor.swap,
        "ephemeral_gb": Flavor.ephemeral_gb,
        "rxtx_factor": Flavor.rxtx_factor,
    }
    if sort_key not in columns:
        raise Invalid(f"Invalid sort_key {sort_key!r}: use one of {', '.join(sorted(columns))}")
    if sort_dir not in ("asc", "desc"):
        raise Invalid(f"Invalid sort_dir {sort_dir!r}: use asc or desc")
    query = select(Flavor)
    if not ctx.is_admin:
        shared = select(FlavorAccess.flavor_id).where(FlavorAccess.project_id == ctx.project_id)
        query = query.where(or_(Flavor.is_public.is_(True), Flavor.id.in_(shared)))
    elif is_public is not None:
        query = query.where(Flavor.is_public.is_(is_public))
    if min_ram is not None:
        query = query.where(Flavor.memory_mb >= min_ram)
    if min_disk is not None:
        query = query.where(Flavor.root_gb >= min_disk)
    col = columns[sort_key]
    query = query.order_by(col.desc() if sort_dir == "desc" else col.asc(), Flavor.id.asc())
    async with db.reader() as s:
        flavors = list(await s.scalars(query))
    if marker is not None:
        ids = [f.flavorid for f in flavors]
        if marker not in ids:
            raise Invalid(f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1 :]
    if limit is not None:
        flavors = flavors[:limit]
    return flavors


async def delete_flavor(db: Database, flavorid: str) -> None:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        await s.execute(delete(FlavorAccess).where(FlavorAccess.flavor_id == flavor.id))
        await s.delete(flavor)


async def update_description(db: Database, flavorid: str, description: str | None) -> Flavor:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        flavor.description = description
    return flavor


async def set_extra_specs(db: Database, flavorid: str, specs: dict[str, str]) -> dict[str, str]:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        merged = dict(flavor.extra_specs or {})
        merged.update(specs)
        flavor.extra_specs = merged
    return merged


async def delete_extra_spec(db: Database, flavorid: str, key: str) -> None:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        specs = dict(flavor.extra_specs or {})
        if key not in specs:
            raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
        del specs[key]
        flavor.extra_specs = specs


async def access_list(db: Database, flavorid: str) -> list[str]:
    async with db.reader() as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        if flavor.is_public:
            raise NotFound("Access list not available for public flavors.")
        return list(await s.scalars(select(FlavorAccess.project_id).where(FlavorAccess.flavor_id == flavor.id)))


async def add_access(db: Database, flavorid: str, project_id: str) -> None:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        if flavor.is_public:
            raise Conflict("Can not add access to a public flavor.")
        exists = await s.scalar(
            select(FlavorAccess.id).where(FlavorAccess.flavor_id == flavor.id, FlavorAccess.project_id == project_id)
        )
        if exists is not None:
            raise Conflict(f"Flavor access already exists for flavor {flavorid} and project {project_id} combination.")
        s.add(FlavorAccess(flavor_id=flavor.id, project_id=project_id))


async def remove_access(db: Database, flavorid: str, project_id: str) -> None:
    async with _writer(db) as s:
        flavor = await s.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        result = await s.execute(
            delete(FlavorAccess).where(FlavorAccess.flavor_id == flavor.id, FlavorAccess.project_id == project_id)
        )
        if not getattr(result, "rowcount", 0):
            raise NotFound(f"Flavor access not found for {flavorid} / {project_id} combination.")


def snapshot(flavor: Flavor) -> dict[str, Any]:
    """The copy of a flavor stored with each server (Nova's embedded flavor)."""
    return {
        # The internal integer id: os-migrations shows it as instance_type_id.
        "id": flavor.id,
        "flavorid": flavor.flavorid,
        "name": flavor.name,
        "vcpus": flavor.vcpus,
        "memory_mb": flavor.memory_mb,
        "root_gb": flavor.root_gb,
        "ephemeral_gb": flavor.ephemeral_gb,
        "swap": flavor.swap,
        "extra_specs": dict(flavor.extra_specs or {}),
    }
