"""Subnet pools: prefixes that subnets are carved from (Neutron's subnet_allocation).

A subnet made with ``subnetpool_id`` (or ``use_default_subnetpool``) takes its CIDR from
the pool: the one asked for if it lies in a pool prefix and overlaps no other subnet of
the pool, else the first free block of ``prefixlen`` (the pool's default) bits. The
allocation happens in the subnet's own transaction, so two creates never get one block.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.timeutils import iso
from pocketstack.db import Database
from pocketstack.network import faults, policy
from pocketstack.network.models import Subnet, SubnetPool
from pocketstack.network.objects import txn

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Neutron's bounds when none are given: no prefix shorter than /8 (IPv4) or /64 (IPv6).
_MIN_PREFIXLEN = {4: 8, 6: 64}
_BITS = {4: 32, 6: 128}


def view(pool: SubnetPool) -> dict[str, Any]:
    return {
        "id": pool.id,
        "name": pool.name,
        "description": pool.description,
        "tags": list(pool.tags or []),
        "created_at": iso(pool.created_at),
        "updated_at": iso(pool.updated_at),
        "revision_number": pool.revision_number,
        "project_id": pool.project_id,
        "tenant_id": pool.project_id,
        "ip_version": pool.ip_version,
        "prefixes": list(pool.prefixes),
        "default_prefixlen": pool.default_prefixlen,
        "min_prefixlen": pool.min_prefixlen,
        "max_prefixlen": pool.max_prefixlen,
        "shared": pool.shared,
        "is_default": pool.is_default,
        "default_quota": pool.default_quota,
        "address_scope_id": None,
    }


def _prefixes(values: list[str]) -> list[IPNetwork]:
    nets: list[IPNetwork] = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value, strict=True))
        except ValueError:
            raise faults.invalid(f"'{value}' is not a valid IP subnet.") from None
    if len({n.version for n in nets}) > 1:
        raise faults.invalid("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
    return nets


def _merged(nets: list[IPNetwork]) -> list[str]:
    # Neutron keeps the prefixes compacted (10.0.0.0/24 + 10.0.1.0/24 = 10.0.0.0/23).
    return [str(n) for n in ipaddress.collapse_addresses(nets)]  # type: ignore[type-var]


def _bounds(pool: SubnetPool) -> None:
    bits = _BITS[pool.ip_version]
    if not 0 <= pool.min_prefixlen <= pool.default_prefixlen <= pool.max_prefixlen <= bits:
        raise faults.bad_input(
            "IllegalSubnetPoolPrefixBounds",
            f"Illegal prefix bounds: min_prefixlen={pool.min_prefixlen}, default_prefixlen="
            f"{pool.default_prefixlen}, max_prefixlen={pool.max_prefixlen}.",
        )


async def _only_default(session: AsyncSession, pool: SubnetPool) -> None:
    if not pool.is_default:
        return
    other = await session.scalar(
        select(SubnetPool.id).where(
            SubnetPool.is_default.is_(True), SubnetPool.ip_version == pool.ip_version, SubnetPool.id != pool.id
        )
    )
    if other is not None:
        raise faults.invalid(
            f"A default subnetpool for this IP family has already been set (subnet pool {other}). "
            "Only one default may exist per IP family"
        )


def target(pool: SubnetPool) -> dict[str, Any]:
    return policy.owned(pool.project_id, shared=pool.shared, is_default=pool.is_default)


async def load(session: AsyncSession, ctx: RequestContext, pool_id: str, action: str | None = None) -> SubnetPool:
    """The pool if the caller may see it (get_subnetpool, else not found) and, with
    ``action`` (update_subnetpool, ...), if that rule allows it on it (403 otherwise)."""
    pool = await session.get(SubnetPool, pool_id)
    if pool is None or not policy.allowed(ctx, "get_subnetpool", target(pool)):
        raise faults.not_found("SubnetPool", pool_id)
    if action is not None:
        policy.enforce(ctx, action, target(pool))
    return pool


async def find_target(db: Database, ctx: RequestContext, pool_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return target(await load(session, ctx, pool_id))


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    nets = _prefixes(attrs["prefixes"])
    if not nets:
        raise faults.invalid("A subnet pool needs at least one prefix.")
    version = nets[0].version
    low = attrs.get("min_prefixlen", _MIN_PREFIXLEN[version])
    pool = SubnetPool(
        project_id=project_id,
        name=attrs.get("name", ""),
        description=attrs.get("description", ""),
        tags=list(attrs.get("tags", [])),
        ip_version=version,
        prefixes=_merged(nets),
        min_prefixlen=low,
        max_prefixlen=attrs.get("max_prefixlen", _BITS[version]),
        default_prefixlen=attrs.get("default_prefixlen", low),
        shared=attrs.get("shared", False),
        is_default=attrs.get("is_default", False),
        default_quota=attrs.get("default_quota"),
    )
    _bounds(pool)

    async def work(session: AsyncSession) -> dict[str, Any]:
        await _only_default(session, pool)
        session.add(pool)
        await session.flush()
        return view(pool)

    return await txn.write(db, work)


async def get(db: Database, ctx: RequestContext, pool_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return view(await load(session, ctx, pool_id))


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(SubnetPool)
        if not policy.is_admin(ctx):
            stmt = stmt.where((SubnetPool.project_id == ctx.project_id) | SubnetPool.shared.is_(True))
        return [view(p) for p in await session.scalars(stmt) if policy.allowed(ctx, "get_subnetpool", target(p))]


async def update(db: Database, ctx: RequestContext, pool_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        pool = await load(session, ctx, pool_id, "update_subnetpool")
        if "prefixes" in attrs:
            old = _prefixes(pool.prefixes)
            new = _prefixes(attrs["prefixes"])
            if any(n.version != pool.ip_version for n in new) or not all(
                any(o.subnet_of(n) for n in new)  # type: ignore[arg-type]
                for o in old
            ):
                raise faults.invalid("Existing prefixes must be a subset of the new prefixes")
            pool.prefixes = _merged(new)
        for key in ("name", "description", "min_prefixlen", "max_prefixlen", "default_prefixlen", "is_default"):
            if key in attrs:
                setattr(pool, key, attrs[key])
        if "default_quota" in attrs:
            pool.default_quota = attrs["default_quota"]
        _bounds(pool)
        await _only_default(session, pool)
        pool.revision_number += 1
        await session.flush()
        return view(pool)

    return await txn.write(db, work)


async def delete_pool(db: Database, ctx: RequestContext, pool_id: str) -> None:
    async def work(session: AsyncSession) -> None:
        pool = await load(session, ctx, pool_id, "delete_subnetpool")
        used = await session.scalar(select(Subnet.id).where(Subnet.subnetpool_id == pool.id).limit(1))
        if used is not None:
            raise faults.conflict(
                "SubnetPoolInUse",
                f"Unable to complete operation on subnet pool {pool.id}. Subnet pool has existing allocations.",
            )
        await session.delete(pool)

    await txn.write(db, work)


async def allocate(session: AsyncSession, ctx: RequestContext, attrs: dict[str, Any]) -> tuple[SubnetPool, IPNetwork]:
    """The pool a new subnet draws from and the CIDR it gets there."""
    pool: SubnetPool | None
    if attrs.get("subnetpool_id"):
        pool = await load(session, ctx, attrs["subnetpool_id"])
    else:
        version = attrs.get("ip_version", 4)
        pool = await session.scalar(
            select(SubnetPool).where(SubnetPool.is_default.is_(True), SubnetPool.ip_version == version)
        )
        if pool is None:
            raise faults.bad_request("subnet", f"No default subnetpool found for IPv{version}")
    if "ip_version" in attrs and attrs["ip_version"] != pool.ip_version:
        raise faults.invalid(f"Cannot allocate IPv{attrs['ip_version']} subnet from IPv{pool.ip_version} subnet pool")
    cidrs = await session.scalars(select(Subnet.cidr).where(Subnet.subnetpool_id == pool.id))
    taken = [ipaddress.ip_network(c) for c in cidrs]
    prefixes = _prefixes(pool.prefixes)
    if attrs.get("cidr"):
        wanted = ipaddress.ip_network(attrs["cidr"], strict=False)
        _check_length(pool, wanted.prefixlen)
        if not any(wanted.version == p.version and wanted.subnet_of(p) for p in prefixes):  # type: ignore[arg-type]
            raise faults.conflict(
                "SubnetAllocationError",
                f"Failed to allocate subnet: Cidr {wanted} is not within the prefixes of subnet pool {pool.id}.",
            )
        if any(wanted.overlaps(t) for t in taken):
            raise faults.conflict(
                "SubnetAllocationError",
                f"Failed to allocate subnet: Cidr {wanted} overlaps a subnet allocated from subnet pool {pool.id}.",
            )
        return pool, wanted
    length = attrs.get("prefixlen", pool.default_prefixlen)
    _check_length(pool, length)
    for prefix in prefixes:
        if prefix.prefixlen > length:
            continue
        for block in prefix.subnets(new_prefix=length):
            if not any(block.overlaps(t) for t in taken):
                return pool, block
    raise faults.conflict(
        "SubnetAllocationError",
        f"Failed to allocate subnet: Insufficient prefix space to allocate subnet size /{length}.",
    )


def _check_length(pool: SubnetPool, length: int) -> None:
    if not pool.min_prefixlen <= length <= pool.max_prefixlen:
        raise faults.bad_input(
            "IllegalSubnetPoolPrefixLength",
            f"Unable to allocate subnet with prefix length {length}: the subnet pool {pool.id} allows "
            f"/{pool.min_prefixlen} to /{pool.max_prefixlen}.",
        )
