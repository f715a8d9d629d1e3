"""Networks: create, read, update, delete, and the project's auto-allocated network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, policy, views
from pocketstack.network.models import FloatingIp, IpAllocation, Network, Port, Subnet
from pocketstack.network.objects import quotas, txn

# Ports Neutron owns itself: they never keep a network or subnet "in use".
SERVICE_OWNERS = ("network:dhcp",)
_ATTRS = {
    "name": "name",
    "description": "description",
    "admin_state_up": "admin_state_up",
    "shared": "shared",
    "router:external": "external",
    "is_default": "is_default",
    "mtu": "mtu",
    "port_security_enabled": "port_security_enabled",
    "provider:network_type": "network_type",
    "provider:physical_network": "physical_network",
    "provider:segmentation_id": "segmentation_id",
}


def target(net: Network) -> dict[str, Any]:
    return policy.network_target(net.project_id, net.shared, net.external)


async def load(session: AsyncSession, ctx: RequestContext, network_id: str) -> Network:
    """The network if the caller may see it (get_network), else NetworkNotFound."""
    net = await session.get(Network, network_id)
    if net is None or not policy.allowed(ctx, "get_network", target(net)):
        raise faults.not_found("Network", network_id)
    return net


async def load_with_subnets(
    session: AsyncSession, ctx: RequestContext, network_id: str, extra: list[Any] | None = None
) -> tuple[Network, list[Subnet], tuple[Any, ...]]:
    """The network (as ``load``), its subnets oldest first, and the values of the ``extra``
    scalar subqueries (a quota check, say), all in one query."""
    columns = list(extra or [])
    rows = (
        await session.execute(
            select(Network, Subnet, *columns)
            .outerjoin(Subnet, Subnet.network_id == Network.id)
            .where(Network.id == network_id)
            .order_by(Subnet.created_at)
        )
    ).all()
    if not rows:
        raise faults.not_found("Network", network_id)
    net = rows[0][0]
    if not policy.allowed(ctx, "get_network", target(net)):
        raise faults.not_found("Network", network_id)
    return net, [row[1] for row in rows if row[1] is not None], tuple(rows[0][2:])


async def load_owned(session: AsyncSession, ctx: RequestContext, network_id: str, action: str) -> Network:
    """The network (as ``load``) if ``action`` (update_network, ...) allows it on it; 403 otherwise."""
    net = await load(session, ctx, network_id)
    policy.enforce(ctx, action, target(net))
    return net


async def find_target(db: Database, ctx: RequestContext, network_id: str) -> dict[str, Any]:
    """The network as policy target (NetworkNotFound if the caller cannot see it)."""
    async with db.reader() as session:
        return target(await load(session, ctx, network_id))


async def view(session: AsyncSession, ctx: RequestContext, net: Network) -> dict[str, Any]:
    ids = list(await session.scalars(select(Subnet.id).where(Subnet.network_id == net.id)))
    return views.network(ctx, net, ids)


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        await quotas.check(session, project_id, "network")
        net = Network(project_id=project_id, tags=list(attrs.get("tags", [])))
        _assign(net, attrs)
        session.add(net)
        await session.flush()
        return views.network(ctx, net, [])

    return await txn.write(db, work)


def _assign(net: Network, attrs: dict[str, Any]) -> None:
    for key, column in _ATTRS.items():
        if key in attrs and attrs[key] is not None:
            setattr(net, column, attrs[key])
    if "provider:physical_network" in attrs:
        net.physical_network = attrs["provider:physical_network"]
    if "provider:segmentation_id" in attrs:
        net.segmentation_id = attrs["provider:segmentation_id"]


async def get(db: Database, ctx: RequestContext, network_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return await view(session, ctx, await load(session, ctx, network_id))


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(Network)
        if not policy.is_admin(ctx):
            stmt = stmt.where(
                (Network.project_id == ctx.project_id) | Network.shared.is_(True) | Network.external.is_(True)
            )
        nets = [n for n in await session.scalars(stmt) if policy.allowed(ctx, "get_network", target(n))]
        subnets: dict[str, list[str]] = {}
        for sid, nid in await session.execute(select(Subnet.id, Subnet.network_id)):
            subnets.setdefault(nid, []).append(sid)
        return [views.network(ctx, n, subnets.get(n.id, [])) for n in nets]


async def update(db: Database, ctx: RequestContext, network_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        net = await load_owned(session, ctx, network_id, "update_network")
        if attrs.get("shared") is False and net.shared:
            await _refuse_unshare(session, net)
        _assign(net, attrs)
        net.revision_number += 1
        await session.flush()
        return await view(session, ctx, net)

    return await txn.write(db, work)


async def _refuse_unshare(session: AsyncSession, net: Network) -> None:
    others = await session.scalar(
        select(Port.id).where(Port.network_id == net.id, Port.project_id != net.project_id).limit(1)
    )
    if others is not None:
        raise faults.conflict(
            "InvalidSharedSetting",
            f"Unable to reconfigure sharing settings for network {net.id}. Multiple tenants are using it.",
        )


async def delete_network(db: Database, ctx: RequestContext, network_id: str) -> list[dict[str, Any]]:
    """Delete the network, its subnets and its DHCP port; return the removed service ports."""

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        net = await load_owned(session, ctx, network_id, "delete_network")
        ports = list(await session.scalars(select(Port).where(Port.network_id == net.id)))
        # Floating IPs mapped to no port go with their external network, as in Neutron.
        idle = list(
            await session.scalars(
                select(FloatingIp).where(FloatingIp.floating_network_id == net.id, FloatingIp.port_id.is_(None))
            )
        )
        idle_ports = {f.floating_port_id for f in idle}
        in_use = [p.id for p in ports if p.device_owner not in SERVICE_OWNERS and p.id not in idle_ports]
        if in_use:
            raise faults.conflict(
                "NetworkInUse",
                f"Unable to complete operation on network {net.id}. There are one or more ports still in use "
                f"on the network: {', '.join(sorted(in_use))}.",
            )
        removed = [{"id": p.id, "binding_host_id": p.binding_host_id} for p in ports]
        for fip in idle:
            await session.delete(fip)
        await session.execute(delete(IpAllocation).where(IpAllocation.network_id == net.id))
        await session.execute(delete(Port).where(Port.network_id == net.id))
        await session.execute(delete(Subnet).where(Subnet.network_id == net.id))
        await session.delete(net)
        return removed

    return await txn.write(db, work)
