"""Host aggregates: create, update, delete, hosts in and out, metadata.

Nova's rules kept here: names are unique; a host cannot be in two aggregates that
name different availability zones; an aggregate that still has hosts cannot be
deleted; a metadata value of null removes the key.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.compute.models import Aggregate, ComputeService
from pocketstack.db import Database

AZ_KEY = "availability_zone"


async def list_all(db: Database) -> list[Aggregate]:
    async with db.reader() as s:
        return list(await s.scalars(select(Aggregate).order_by(Aggregate.id)))


async def get(db: Database, ident: str) -> Aggregate:
    async with db.reader() as s:
        return await _find(s, ident)


async def _find(s: AsyncSession, ident: str) -> Aggregate:
    column = Aggregate.id if ident.isdigit() else Aggregate.uuid
    key: int | str = int(ident) if ident.isdigit() else ident
    # An id past the database's integer is no aggregate (binding it overflowed: 500).
    found = None if isinstance(key, int) and key >= 2**63 else await s.scalar(select(Aggregate).where(column == key))
    if found is None:
        raise NotFound(f"Aggregate {ident} could not be found.")
    return found


async def create(db: Database, name: str, zone: str | None) -> Aggregate:
    async with db.writer() as s:
        if await s.scalar(select(Aggregate.id).where(Aggregate.name == name)) is not None:
            raise Conflict(f"Aggregate {name} already exists.")
        agg = Aggregate(name=name, metadata_={AZ_KEY: zone} if zone else {}, hosts=[])
        s.add(agg)
    return agg


async def update(db: Database, ident: str, name: str | None, zone: str | None, set_zone: bool) -> Aggregate:
    async with db.writer() as s:
        agg = await _find(s, ident)
        if name is not None and name != agg.name:
            if await s.scalar(select(Aggregate.id).where(Aggregate.name == name)) is not None:
                raise Conflict(f"Aggregate {name} already exists.")
            agg.name = name
        if set_zone:
            meta = dict(agg.metadata_)
            await _check_zone(s, agg, agg.hosts, zone)
            if zone:
                meta[AZ_KEY] = zone
            else:
                meta.pop(AZ_KEY, None)
            agg.metadata_ = meta
        agg.updated_at = utcnow()
    return agg


async def delete(db: Database, ident: str) -> None:
    async with db.writer() as s:
        agg = await _find(s, ident)
        if agg.hosts:
            raise Invalid(f"Cannot delete aggregate {ident}: it still has hosts ({', '.join(agg.hosts)}).")
        await s.delete(agg)


async def add_host(db: Database, ident: str, host: str) -> Aggregate:
    async with db.writer() as s:
        agg = await _find(s, ident)
        known = await s.scalar(
            select(ComputeService.id).where(ComputeService.host == host, ComputeService.binary == "nova-compute")
        )
        if known is None:
            raise NotFound(f"Compute host {host} could not be found.")
        if host in agg.hosts:
            raise Conflict(f"Host {host} is already in aggregate {ident}.")
        await _check_zone(s, agg, [host], agg.metadata_.get(AZ_KEY))
        agg.hosts = [*agg.hosts, host]
        agg.updated_at = utcnow()
    return agg


async def remove_host(db: Database, ident: str, host: str) -> Aggregate:
    async with db.writer() as s:
        agg = await _find(s, ident)
        if host not in agg.hosts:
            raise NotFound(f"Host {host} is not in aggregate {ident}.")
        agg.hosts = [h for h in agg.hosts if h != host]
        agg.updated_at = utcnow()
    return agg


async def set_metadata(db: Database, ident: str, changes: dict[str, str | None]) -> Aggregate:
    async with db.writer() as s:
        agg = await _find(s, ident)
        meta = dict(agg.metadata_)
        if AZ_KEY in changes:
            await _check_zone(s, agg, agg.hosts, changes[AZ_KEY])
        for key, value in changes.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        agg.metadata_ = meta
        agg.updated_at = utcnow()
    return agg


async def _check_zone(s: AsyncSession, agg: Aggregate, hosts: list[str], zone: str | None) -> None:
    """A host may only be in one availability zone."""
    if not zone or not hosts:
        return
    for other in await s.scalars(select(Aggregate).where(Aggregate.id != agg.id)):
        other_zone = other.metadata_.get(AZ_KEY)
        clash = sorted(set(hosts) & set(other.hosts))
        if other_zone and other_zone != zone and clash:
            raise Invalid(
                f"Host {clash[0]} is already in availability zone {other_zone} "
                f"(aggregate {other.name}); it cannot also be in {zone}."
            )
