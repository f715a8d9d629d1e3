"""Routers: external gateway (a port on an external network) and interfaces (ports that
hold each attached subnet's gateway address). The agent gets the whole router as a spec."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, policy, views
from pocketstack.network.models import FloatingIp, IpAllocation, Network, Port, Router, Subnet
from pocketstack.network.objects import networks, ports, quotas, txn

INTERFACE = "network:router_interface"
GATEWAY = "network:router_gateway"


async def load(session: AsyncSession, ctx: RequestContext, router_id: str, action: str | None = None) -> Router:
    """The router if the caller may see it (get_router, else RouterNotFound) and, with
    ``action`` (update_router, ...), if that rule allows it on it (403 otherwise)."""
    router = await session.get(Router, router_id)
    if router is None or not policy.allowed(ctx, "get_router", policy.owned(router.project_id)):
        raise faults.not_found("Router", router_id)
    if action is not None:
        policy.enforce(ctx, action, policy.owned(router.project_id))
    return router


async def find_target(db: Database, ctx: RequestContext, router_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return policy.owned((await load(session, ctx, router_id)).project_id)


async def _view(session: AsyncSession, router: Router) -> dict[str, Any]:
    gw_ips: list[dict[str, str]] = []
    if router.gw_port_id:
        gw_ips = (await ports.fixed_ips_of(session, [router.gw_port_id]))[router.gw_port_id]
    return views.router(router, gw_ips)


async def _set_gateway(session: AsyncSession, ctx: RequestContext, router: Router, info: dict[str, Any] | None) -> None:
    if router.gw_port_id and (info is None or info.get("network_id") != router.gw_network_id):
        used = await session.scalar(select(FloatingIp.id).where(FloatingIp.router_id == router.id).limit(1))
        if used is not None:
            raise faults.conflict(
                "RouterExternalGatewayInUseByFloatingIp",
                f"Gateway cannot be updated for router {router.id}, since a gateway to external network "
                f"{router.gw_network_id} is required by one or more floating IPs.",
            )
        old = await session.get(Port, router.gw_port_id)
        if old is not None:
            await session.delete(old)
        router.gw_port_id = None
        router.gw_network_id = None
    if info is None:
        return
    if "enable_snat" in info:
        router.enable_snat = bool(info["enable_snat"])
    if info.get("network_id") and info["network_id"] != router.gw_network_id:
        net = await networks.load(session, ctx, info["network_id"])
        if not net.external:
            raise faults.bad_request("router", f"Network {net.id} is not an external network")
        # Gateway ports belong to no project, as in Neutron: users see them only through the router.
        port, _ips = await ports.build(
            session,
            RequestContext.internal(ctx.request_id),
            net,
            "",
            {"device_owner": GATEWAY, "device_id": router.id, "fixed_ips": info.get("external_fixed_ips") or None},
        )
        router.gw_port_id = port.id
        router.gw_network_id = net.id


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        await quotas.check(session, project_id, "router")
        router = Router(
            project_id=project_id,
            name=attrs.get("name", ""),
            description=attrs.get("description", ""),
            admin_state_up=attrs.get("admin_state_up", True),
            tags=list(attrs.get("tags", [])),
            routes=[],
        )
        session.add(router)
        await session.flush()
        await _set_gateway(session, ctx, router, attrs.get("external_gateway_info"))
        await session.flush()
        return await _view(session, router)

    return await txn.write(db, work)


async def get(db: Database, ctx: RequestContext, router_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return await _view(session, await load(session, ctx, router_id))


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(Router)
        if not policy.is_admin(ctx):
            stmt = stmt.where(Router.project_id == ctx.project_id)
        found = [
            r for r in await session.scalars(stmt) if policy.allowed(ctx, "get_router", policy.owned(r.project_id))
        ]
        return [await _view(session, r) for r in found]


async def update(db: Database, ctx: RequestContext, router_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        router = await load(session, ctx, router_id, "update_router")
        if "external_gateway_info" in attrs:
            info = attrs["external_gateway_info"] or None
            await _set_gateway(session, ctx, router, info)
        if "routes" in attrs:
            router.routes = await _check_routes(session, router, attrs["routes"] or [])
        for key in ("name", "description", "admin_state_up"):
            if key in attrs:
                setattr(router, key, attrs[key])
        router.revision_number += 1
        await session.flush()
        return await _view(session, router)

    return await txn.write(db, work)


async def _check_routes(session: AsyncSession, router: Router, routes: list[dict[str, str]]) -> list[dict[str, str]]:
    cidrs = [s.cidr for s in await _subnets(session, router.id)]
    result = []
    for route in routes:
        try:
            dest = ipaddress.ip_network(route["destination"], strict=False)
            hop = ipaddress.ip_address(route["nexthop"])
        except ValueError:
            raise faults.invalid(f"Invalid route {route}.") from None
        if not any(hop in ipaddress.ip_network(c) for c in cidrs):
            raise faults.bad_input(
                "InvalidRoutes", f"Invalid format for routes: {route}, the nexthop is not connected with router"
            )
        result.append({"destination": str(dest), "nexthop": str(hop)})
    return result


async def delete_router(db: Database, ctx: RequestContext, router_id: str) -> None:
    async def work(session: AsyncSession) -> None:
        router = await load(session, ctx, router_id, "delete_router")
        interfaces = list(
            await session.scalars(select(Port.id).where(Port.device_id == router.id, Port.device_owner == INTERFACE))
        )
        if interfaces:
            raise faults.conflict("RouterInUse", f"Router {router.id} still has ports: {', '.join(sorted(interfaces))}")
        await _set_gateway(session, ctx, router, None)
        await session.delete(router)

    await txn.write(db, work)


async def _subnets(session: AsyncSession, router_id: str) -> list[Subnet]:
    rows = await session.scalars(
        select(Subnet)
        .join(IpAllocation, IpAllocation.subnet_id == Subnet.id)
        .join(Port, Port.id == IpAllocation.port_id)
        .where(Port.device_id == router_id, Port.device_owner == INTERFACE)
    )
    return list(rows)


def _interface_info(router: Router, port: Port, subnet_ids: list[str]) -> dict[str, Any]:
    return {
        "id": router.id,
        "tenant_id": router.project_id,
        "project_id": router.project_id,
        "port_id": port.id,
        "network_id": port.network_id,
        "subnet_id": subnet_ids[0] if subnet_ids else None,
        "subnet_ids": subnet_ids,
    }


async def add_interface(db: Database, ctx: RequestContext, router_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    if bool(attrs.get("subnet_id")) == bool(attrs.get("port_id")):
        raise faults.bad_request("router", "Either subnet_id or port_id must be specified")

    async def work(session: AsyncSession) -> dict[str, Any]:
        router = await load(session, ctx, router_id, "add_router_interface")
        attached = await _subnets(session, router.id)
        if attrs.get("subnet_id"):
            sub = await session.get(Subnet, attrs["subnet_id"])
            net = await session.get(Network, sub.network_id) if sub is not None else None
            if (
                sub is None
                or net is None
                or not policy.allowed(ctx, "get_subnet", policy.on_network(sub.project_id, net))
            ):
                raise faults.not_found("Subnet", attrs["subnet_id"])
            if not sub.gateway_ip:
                raise faults.bad_request("router", f"Subnet {sub.id} does not have a gateway IP")
            _no_overlap(router, sub, attached)
            port, _ips = await ports.build(
                session,
                RequestContext.internal(ctx.request_id),
                net,
                router.project_id,
                {
                    "device_owner": INTERFACE,
                    "device_id": router.id,
                    "fixed_ips": [{"subnet_id": sub.id, "ip_address": sub.gateway_ip}],
                },
            )
            return _interface_info(router, port, [sub.id])
        port = await ports.load(session, ctx, attrs["port_id"])
        if port.device_id or port.device_owner:
            raise faults.conflict(
                "PortInUse",
                f"Unable to complete operation on port {port.id} for network "
                f"{port.network_id}. Port already has an attached device {port.device_id}.",
            )
        ips = (await ports.fixed_ips_of(session, [port.id]))[port.id]
        if not ips:
            raise faults.bad_request("router", f"Router port must have at least one fixed IP: port {port.id}")
        for ip in ips:
            sub = await session.get(Subnet, ip["subnet_id"])
            assert sub is not None
            _no_overlap(router, sub, attached)
        port.device_owner = INTERFACE
        port.device_id = router.id
        return _interface_info(router, port, [ip["subnet_id"] for ip in ips])

    return await txn.write(db, work)


def _no_overlap(router: Router, sub: Subnet, attached: list[Subnet]) -> None:
    for other in attached:
        if other.id == sub.id:
            raise faults.bad_request("router", f"Router already has a port on subnet {sub.id}")
        net_a, net_b = ipaddress.ip_network(other.cidr), ipaddress.ip_network(sub.cidr)
        if net_a.version == net_b.version and net_a.overlaps(net_b):
            raise faults.bad_request(
                "router", f"Cidr {sub.cidr} of subnet {sub.id} overlaps with cidr {other.cidr} of subnet {other.id}"
            )


async def remove_interface(db: Database, ctx: RequestContext, router_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    if not attrs.get("subnet_id") and not attrs.get("port_id"):
        raise faults.bad_request("router", "Either subnet_id or port_id must be specified")

    async def work(session: AsyncSession) -> dict[str, Any]:
        router = await load(session, ctx, router_id, "remove_router_interface")
        candidates = list(
            await session.scalars(select(Port).where(Port.device_id == router.id, Port.device_owner == INTERFACE))
        )
        ips = await ports.fixed_ips_of(session, [p.id for p in candidates])
        for port in candidates:
            subnet_ids = [ip["subnet_id"] for ip in ips[port.id]]
            if attrs.get("port_id") == port.id or (not attrs.get("port_id") and attrs["subnet_id"] in subnet_ids):
                if attrs.get("subnet_id") and attrs["subnet_id"] not in subnet_ids:
                    raise faults.conflict(
                        "SubnetMismatchForPort", f"Subnet {attrs['subnet_id']} does not match the port {port.id}."
                    )
                await _refuse_if_floating(session, router, port)
                info = _interface_info(router, port, subnet_ids)
                await session.execute(delete(IpAllocation).where(IpAllocation.port_id == port.id))
                await session.delete(port)
                return info
        if attrs.get("port_id"):
            raise faults.not_found_text(
                "RouterInterfaceNotFound", f"Router {router.id} does not have an interface with id {attrs['port_id']}"
            )
        raise faults.not_found_text(
            "RouterInterfaceNotFoundForSubnet", f"Router {router.id} has no interface on subnet {attrs['subnet_id']}"
        )

    return await txn.write(db, work)


async def _refuse_if_floating(session: AsyncSession, router: Router, port: Port) -> None:
    used = await session.scalar(
        select(FloatingIp.id).where(FloatingIp.router_id == router.id, FloatingIp.port_id.is_not(None)).limit(1)
    )
    if used is not None:
        nets = {
            p.network_id
            for p in await session.scalars(
                select(Port).join(FloatingIp, FloatingIp.port_id == Port.id).where(FloatingIp.router_id == router.id)
            )
        }
        if port.network_id in nets:
            raise faults.conflict(
                "RouterInterfaceInUseByFloatingIP",
                f"Router interface for subnet on router {router.id} cannot be deleted, as it is "
                "required by one or more floating IPs.",
            )


async def spec(db: Database, router_id: str) -> dict[str, Any] | None:
    """The router as an agent applies it: interfaces, gateway and floating IPs."""
    async with db.reader() as session:
        router = await session.get(Router, router_id)
        if router is None:
            return None
        return await _spec(session, router)


async def all_specs(db: Database) -> list[dict[str, Any]]:
    """Every router as an agent applies it (an agent's resync), in one read."""
    async with db.reader() as session:
        return [await _spec(session, r) for r in await session.scalars(select(Router).order_by(Router.id))]


async def _spec(session: AsyncSession, router: Router) -> dict[str, Any]:
    interfaces = list(
        await session.scalars(select(Port).where(Port.device_id == router.id, Port.device_owner == INTERFACE))
    )
    ids = [p.id for p in interfaces] + ([router.gw_port_id] if router.gw_port_id else [])
    ips = await ports.fixed_ips_of(session, ids)
    subnets = {s.id: s for s in await session.scalars(select(Subnet))}
    fips = list(await session.scalars(select(FloatingIp).where(FloatingIp.router_id == router.id)))
    return {
        "id": router.id,
        "admin_state_up": router.admin_state_up,
        "enable_snat": router.enable_snat,
        "routes": list(router.routes),
        "interfaces": [
            {
                "port_id": p.id,
                "network_id": p.network_id,
                "mac_address": p.mac_address,
                "ips": [
                    {
                        "ip_address": ip["ip_address"],
                        "cidr": subnets[ip["subnet_id"]].cidr,
                        # Router advertisements on this leg (IPv6 subnets with an RA mode).
                        "ipv6_ra_mode": subnets[ip["subnet_id"]].ipv6_ra_mode,
                        "ipv6_address_mode": subnets[ip["subnet_id"]].ipv6_address_mode,
                        "dns_nameservers": list(subnets[ip["subnet_id"]].dns_nameservers),
                    }
                    for ip in ips[p.id]
                    if ip["subnet_id"] in subnets
                ],
            }
            for p in interfaces
        ],
        "gateway": None
        if not router.gw_port_id
        else {
            "port_id": router.gw_port_id,
            "network_id": router.gw_network_id,
            "ips": [
                {
                    "ip_address": ip["ip_address"],
                    "cidr": subnets[ip["subnet_id"]].cidr,
                    "gateway_ip": subnets[ip["subnet_id"]].gateway_ip,
                }
                for ip in ips[router.gw_port_id]
                if ip["subnet_id"] in subnets
            ],
        },
        "floating_ips": [
            {"id": f.id, "floating_ip_address": f.floating_ip_address, "fixed_ip_address": f.fixed_ip_address}
            for f in fips
            if f.fixed_ip_address
        ],
    }
