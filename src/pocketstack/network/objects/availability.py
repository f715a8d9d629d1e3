"""network-ip-availabilities: total and used addresses per network and subnet."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db import Database
from pocketstack.network import faults, ipam
from pocketstack.network.models import IpAllocation, Network, Subnet


def _total(sub: Subnet) -> int:
    # Neutron counts the pools; the gateway and DHCP addresses are "used" once allocated.
    return (
        ipam.pool_size(sub.allocation_pools) if sub.allocation_pools else ipaddress.ip_network(sub.cidr).num_addresses
    )


async def _view(session: AsyncSession, net: Network, used: dict[str, int]) -> dict[str, Any]:
    subs = list(await session.scalars(select(Subnet).where(Subnet.network_id == net.id)))
    per = [
        {
            "subnet_id": s.id,
            "subnet_name": s.name,
            "cidr": s.cidr,
            "ip_version": s.ip_version,
            "total_ips": _total(s),
            "used_ips": used.get(s.id, 0),
        }
        for s in subs
    ]
    return {
        "network_id": net.id,
        "network_name": net.name,
        "project_id": net.project_id,
        "tenant_id": net.project_id,
        "total_ips": sum(p["total_ips"] for p in per),
        "used_ips": sum(p["used_ips"] for p in per),
        "subnet_ip_availability": per,
    }


async def _used(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(IpAllocation.subnet_id, func.count()).group_by(IpAllocation.subnet_id))
    return {sid: int(n) for sid, n in rows}


async def listing(db: Database) -> list[dict[str, Any]]:
    async with db.reader() as session:
        used = await _used(session)
        return [await _view(session, n, used) for n in await session.scalars(select(Network))]


async def get(db: Database, network_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        net = await session.get(Network, network_id)
        if net is None:
            raise faults.not_found("Network", network_id)
        return await _view(session, net, await _used(session))
