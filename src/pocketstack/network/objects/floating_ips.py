"""Floating IPs: an address on an external network (held by a ``network:floatingip``
port) mapped to a fixed address of a project port, through a router that has a gateway
on that external network and an interface on the port's subnet."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, policy, views
from pocketstack.network.models import FloatingIp, IpAllocation, Port, Router
from pocketstack.network.objects import networks, ports, quotas, routers, txn

OWNER = "network:floatingip"


async def load(session: AsyncSession, ctx: RequestContext, fip_id: str, action: str | None = None) -> FloatingIp:
    """The floating IP if the caller may see it (get_floatingip, else not found) and, with
    ``action`` (update_floatingip, ...), if that rule allows it on it (403 otherwise)."""
    fip = await session.get(FloatingIp, fip_id)
    if fip is None or not policy.allowed(ctx, "get_floatingip", policy.owned(fip.project_id)):
        raise faults.not_found("FloatingIP", fip_id)
    if action is not None:
        policy.enforce(ctx, action, policy.owned(fip.project_id))
    return fip


async def view(session: AsyncSession, fip: FloatingIp) -> dict[str, Any]:
    port = await session.get(Port, fip.port_id) if fip.port_id else None
    return views.floating_ip(fip, port)


async def _associate(
    session: AsyncSession, ctx: RequestContext, fip: FloatingIp, port_id: str | None, fixed: str | None
) -> None:
    if port_id is None:
        fip.port_id = fip.fixed_ip_address = fip.router_id = None
        fip.status = "DOWN"
        return
    port = await ports.load(session, ctx, port_id)
    if port.project_id != fip.project_id and not policy.is_admin(ctx):
        raise faults.not_found("Port", port_id)
    ips = (await ports.fixed_ips_of(session, [port.id]))[port.id]
    v4 = [ip for ip in ips if ipaddress.ip_address(ip["ip_address"]).version == 4]
    if fixed is not None:
        chosen = [ip for ip in v4 if ip["ip_address"] == fixed]
        if not chosen:
            raise faults.bad_request("floatingip", f"Port {port.id} does not have fixed ip {fixed}.")
    elif not v4:
        raise faults.bad_request("floatingip", f"No IPv4 addresses found on port {port.id}.")
    elif len(v4) > 1:
        raise faults.bad_request(
            "floatingip",
            f"Port {port.id} has multiple fixed IPv4 addresses. Must provide a "
            "specific IPv4 address when assigning a floating IP",
        )
    else:
        chosen = v4
    address, subnet_id = chosen[0]["ip_address"], chosen[0]["subnet_id"]
    taken = await session.scalar(
        select(FloatingIp.id).where(
            FloatingIp.port_id == port.id, FloatingIp.fixed_ip_address == address, FloatingIp.id != fip.id
        )
    )
    if taken is not None:
        raise faults.conflict(
            "FloatingIPPortAlreadyAssociated",
            f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port "
            f"{port.id} using fixed IP {address}, as that fixed IP already has a floating IP on "
            f"external network {fip.floating_network_id}.",
        )
    router_id = await _router_for(session, fip.floating_network_id, subnet_id)
    if router_id is None:
        raise faults.not_found_text(
            "ExternalGatewayForFloatingIPNotFound",
            f"External network {fip.floating_network_id} is not reachable from subnet {subnet_id}. Therefore, "
            f"cannot associate Port {port.id} with a Floating IP.",
        )
    fip.port_id, fip.fixed_ip_address, fip.router_id, fip.status = port.id, address, router_id, "ACTIVE"


async def _router_for(session: AsyncSession, external_id: str, subnet_id: str) -> str | None:
    candidates = await session.scalars(
        select(Router.id)
        .join(Port, Port.device_id == Router.id)
        .join(IpAllocation, IpAllocation.port_id == Port.id)
        .where(
            Router.gw_network_id == external_id,
            Port.device_owner == routers.INTERFACE,
            IpAllocation.subnet_id == subnet_id,
        )
    )
    return next(iter(candidates), None)


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        net = await networks.load(session, ctx, attrs["floating_network_id"])
        if not net.external:
            raise faults.bad_request("floatingip", f"Network {net.id} is not a valid external network.")
        await quotas.check(session, project_id, "floatingip")
        fixed: list[dict[str, Any]] | None = None
        if attrs.get("floating_ip_address") or attrs.get("subnet_id"):
            item = {k: attrs[k] for k in ("subnet_id",) if attrs.get(k)}
            if attrs.get("floating_ip_address"):
                item["ip_address"] = attrs["floating_ip_address"]
            fixed = [item]
        fip = FloatingIp(
            project_id=project_id,
            floating_network_id=net.id,
            description=attrs.get("description", ""),
            tags=list(attrs.get("tags", [])),
            floating_ip_address="",
            floating_port_id="",
        )
        session.add(fip)
        await session.flush()
        port, _ips = await ports.build(
            session,
            RequestContext.internal(ctx.request_id),
            net,
            "",
            {"device_owner": OWNER, "device_id": fip.id, "fixed_ips": fixed},
        )
        ips = (await ports.fixed_ips_of(session, [port.id]))[port.id]
        v4 = [ip for ip in ips if ipaddress.ip_address(ip["ip_address"]).version == 4] or ips
        if not v4:
            raise faults.ip_exhausted(net.id)
        fip.floating_port_id, fip.floating_ip_address = port.id, v4[0]["ip_address"]
        await _associate(session, ctx, fip, attrs.get("port_id"), attrs.get("fixed_ip_address"))
        await session.flush()
        return await view(session, fip)

    return await txn.write(db, work)


async def get(db: Database, ctx: RequestContext, fip_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return await view(session, await load(session, ctx, fip_id))


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(FloatingIp, Port).outerjoin(Port, Port.id == FloatingIp.port_id)
        if not policy.is_admin(ctx):
            stmt = stmt.where(FloatingIp.project_id == ctx.project_id)
        return [
            views.floating_ip(f, port)
            for f, port in await session.execute(stmt)
            if policy.allowed(ctx, "get_floatingip", policy.owned(f.project_id))
        ]


async def _devices(session: AsyncSession, port_ids: set[str | None]) -> list[dict[str, str]]:
    """The ports (id, device_id, device_owner) whose floating IP mapping changed, so
    compute can be told about their servers."""
    found = []
    for port_id in sorted(p for p in port_ids if p):
        port = await session.get(Port, port_id)
        if port is not None:
            found.append({"id": port.id, "device_id": port.device_id, "device_owner": port.device_owner})
    return found


async def update(
    db: Database, ctx: RequestContext, fip_id: str, attrs: dict[str, Any]
) -> tuple[dict[str, Any], list[str], list[dict[str, str]]]:
    """Update; also return the routers whose NAT rules changed and the ports that gained
    or lost the address."""

    async def work(session: AsyncSession) -> tuple[dict[str, Any], list[str], list[dict[str, str]]]:
        fip = await load(session, ctx, fip_id, "update_floatingip")
        before, before_port = fip.router_id, fip.port_id
        if "port_id" in attrs:
            await _associate(session, ctx, fip, attrs["port_id"], attrs.get("fixed_ip_address"))
        if "description" in attrs:
            fip.description = attrs["description"]
        fip.revision_number += 1
        await session.flush()
        touched = await _devices(session, {before_port, fip.port_id}) if before_port != fip.port_id else []
        return await view(session, fip), [r for r in {before, fip.router_id} if r], touched

    return await txn.write(db, work)


async def delete_fip(db: Database, ctx: RequestContext, fip_id: str) -> tuple[str | None, list[dict[str, str]]]:
    """Delete; return the router it was mapped through, if any, and the port it was on."""

    async def work(session: AsyncSession) -> tuple[str | None, list[dict[str, str]]]:
        fip = await load(session, ctx, fip_id, "delete_floatingip")
        touched = await _devices(session, {fip.port_id})
        await session.execute(delete(IpAllocation).where(IpAllocation.port_id == fip.floating_port_id))
        await session.execute(delete(Port).where(Port.id == fip.floating_port_id))
        await session.delete(fip)
        return fip.router_id, touched

    return await txn.write(db, work)
