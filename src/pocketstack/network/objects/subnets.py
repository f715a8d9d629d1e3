"""Subnets: CIDR, gateway and pool checks, and the network's DHCP port.

A DHCP-enabled subnet gets an address on the network's DHCP port (one port per network,
``device_owner=network:dhcp``), so that address is never handed to a VM.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, ipam, policy, views
from pocketstack.network.models import IpAllocation, Network, Port, Subnet
from pocketstack.network.objects import networks, ports, quotas, subnet_pools, txn

DHCP_OWNER = "network:dhcp"
# Admin-only attributes and their defaults: segments and service types are accepted and
# ignored here (neither is built), but only admins may send them, as in Neutron.
ADMIN_ONLY = {"segment_id": None, "service_types": policy.NO_DEFAULT}


async def load(session: AsyncSession, ctx: RequestContext, subnet_id: str) -> Subnet:
    sub = await session.get(Subnet, subnet_id)
    if sub is None:
        raise faults.not_found("Subnet", subnet_id)
    net = await session.get(Network, sub.network_id)
    if net is None or not policy.allowed(ctx, "get_subnet", policy.on_network(sub.project_id, net)):
        raise faults.not_found("Subnet", subnet_id)
    return sub


async def load_for(session: AsyncSession, ctx: RequestContext, subnet_id: str, action: str) -> Subnet:
    """The subnet (as ``load``) if ``action`` (update_subnet, ...) allows it on it; 403 otherwise."""
    sub = await load(session, ctx, subnet_id)
    net = await session.get(Network, sub.network_id)
    policy.enforce(ctx, action, policy.on_network(sub.project_id, net))
    return sub


async def _external(session: AsyncSession, sub: Subnet) -> bool:
    net = await session.get(Network, sub.network_id)
    return bool(net and net.external)


def _gateway(net: ipam.IPNetwork, attrs: dict[str, Any]) -> str | None:
    if "gateway_ip" not in attrs:
        return ipam.default_gateway(net)
    raw = attrs["gateway_ip"]
    if raw is None:
        return None
    gw = ipam.parse_ip(raw, "IP address for gateway_ip")
    if gw.version != net.version or gw not in net:
        raise faults.bad_input("InvalidInput", f"Invalid input for operation: Gateway IP {raw} is not in subnet {net}.")
    if net.version == 4 and gw in (net.network_address, net.broadcast_address):
        raise faults.invalid(f"Gateway IP {raw} is the network or broadcast address of {net}.")
    return str(gw)


def _dns(values: list[str], version: int) -> list[str]:
    result = []
    for value in values:
        ipam.parse_ip(value, "nameserver")
        if value in result:
            raise faults.invalid(f"Duplicate nameserver '{value}'.")
        result.append(value)
    return result


def _routes(routes: list[dict[str, str]], version: int) -> list[dict[str, str]]:
    result = []
    for route in routes:
        try:
            dest = ipaddress.ip_network(route["destination"], strict=False)
        except ValueError:
            raise faults.invalid(f"'{route['destination']}' is not a valid IP subnet.") from None
        hop = ipam.parse_ip(route["nexthop"], "IP address for nexthop")
        if dest.version != version or hop.version != version:
            raise faults.bad_input(
                "InvalidInput", f"Invalid input for operation: host route {route} is not of IP version {version}."
            )
        result.append({"destination": str(dest), "nexthop": str(hop)})
    return result


def _check_ipv6_modes(cidr: ipaddress.IPv4Network | ipaddress.IPv6Network, attrs: dict[str, Any]) -> None:
    """Neutron's rules: both modes equal when both are given; automatic addresses are
    EUI-64, which needs a /64."""
    ra, address = attrs.get("ipv6_ra_mode"), attrs.get("ipv6_address_mode")
    if ra and address and ra != address:
        raise faults.invalid(
            f"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set to '{address}' is not valid. "
            "If both attributes are set, they must be the same value"
        )
    auto = address in ipam.AUTO_ADDRESS_MODES or (address is None and ra in ipam.AUTO_ADDRESS_MODES)
    if auto and cidr.prefixlen != 64:
        raise faults.invalid(
            f"Invalid CIDR {cidr} for IPv6 address mode. OpenStack uses the EUI-64 address format, "
            "which requires the prefix to be /64"
        )


async def _dhcp_port(session: AsyncSession, net: Network) -> Port:
    port = await session.scalar(select(Port).where(Port.network_id == net.id, Port.device_owner == DHCP_OWNER))
    if port is None:
        port = Port(
            project_id=net.project_id,
            network_id=net.id,
            device_owner=DHCP_OWNER,
            device_id=f"dhcp-{net.id}",
            mac_address=await ports._choose_mac(session, net.id, None),
            port_security_enabled=False,
            security_groups=[],
            allowed_address_pairs=[],
            extra_dhcp_opts=[],
            tags=[],
            status="ACTIVE",
            binding_profile={},
            binding_vif_details={},
        )
        session.add(port)
        await session.flush()
    return port


def _settings(
    cidr: ipam.IPNetwork, attrs: dict[str, Any]
) -> tuple[str | None, list[dict[str, str]], list[str], list[dict[str, str]]]:
    """Gateway, pools, nameservers and routes of a new subnet on ``cidr``, checked."""
    gateway = _gateway(cidr, attrs)
    if attrs.get("allocation_pools"):
        pools = ipam.check_pools(cidr, attrs["allocation_pools"], gateway)
    else:
        pools = ipam.default_pools(cidr, gateway)
    dns = _dns(attrs.get("dns_nameservers", []), cidr.version)
    routes = _routes(attrs.get("host_routes", []), cidr.version)
    if cidr.version == 4 and (attrs.get("ipv6_ra_mode") or attrs.get("ipv6_address_mode")):
        raise faults.invalid(
            "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4."
        )
    _check_ipv6_modes(cidr, attrs)
    return gateway, pools, dns, routes


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    pooled = bool(attrs.get("subnetpool_id") or attrs.get("use_default_subnetpool"))
    if not pooled:
        if "cidr" not in attrs:
            raise faults.bad_request("subnet", "a cidr must be specified in the absence of a subnet pool")
        # Checked before the transaction: a bad request costs no write.
        _settings(ipam.parse_cidr(attrs["cidr"], attrs.get("ip_version", 4)), attrs)

    async def work(session: AsyncSession) -> dict[str, Any]:
        net = await networks.load(session, ctx, attrs["network_id"])
        target = policy.on_network(project_id, net)
        policy.enforce(ctx, "create_subnet", target)
        policy.check_attributes(ctx, "create_subnet", attrs, ADMIN_ONLY, target, create=True)
        pool_id = None
        if pooled:
            pool, block = await subnet_pools.allocate(session, ctx, attrs)
            cidr, pool_id = ipam.parse_cidr(str(block), pool.ip_version), pool.id
        else:
            cidr = ipam.parse_cidr(attrs["cidr"], attrs.get("ip_version", 4))
        gateway, pools, dns, routes = _settings(cidr, attrs)
        for other in await session.scalars(select(Subnet).where(Subnet.network_id == net.id)):
            if ipam.overlaps(other.cidr, str(cidr)):
                raise faults.invalid(
                    f"Requested subnet with cidr: {cidr} for network: {net.id} overlaps with another subnet "
                    f"({other.id}, {other.cidr})."
                )
        await quotas.check(session, project_id, "subnet")
        sub = Subnet(
            project_id=project_id,
            network_id=net.id,
            ip_version=cidr.version,
            cidr=str(cidr),
            gateway_ip=gateway,
            enable_dhcp=attrs.get("enable_dhcp", True),
            allocation_pools=pools,
            dns_nameservers=dns,
            host_routes=routes,
            name=attrs.get("name", ""),
            description=attrs.get("description", ""),
            tags=list(attrs.get("tags", [])),
            ipv6_ra_mode=attrs.get("ipv6_ra_mode"),
            ipv6_address_mode=attrs.get("ipv6_address_mode"),
            subnetpool_id=pool_id,
        )
        session.add(sub)
        await session.flush()
        if sub.enable_dhcp:
            await _add_dhcp_address(session, net, sub)
        return views.subnet(sub, net.external)

    return await txn.write(db, work)


async def _add_dhcp_address(session: AsyncSession, net: Network, sub: Subnet) -> None:
    dhcp = await _dhcp_port(session, net)
    if ipam.is_auto_address(sub):
        # As every port there: the DHCP server's address is its SLAAC one.
        await ipam.allocate_eui64(session, sub, dhcp.mac_address, dhcp.id)
        return
    # A subnet too small for a DHCP address still works (addresses are static anyway).
    await ipam.allocate_any(session, sub, dhcp.id, first=True)


async def get(db: Database, ctx: RequestContext, subnet_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        sub = await load(session, ctx, subnet_id)
        return views.subnet(sub, await _external(session, sub))


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(Subnet, Network).join(Network, Network.id == Subnet.network_id)
        if not policy.is_admin(ctx):
            stmt = stmt.where(
                (Network.project_id == ctx.project_id) | Network.shared.is_(True) | Network.external.is_(True)
            )
        return [
            views.subnet(s, net.external)
            for s, net in await session.execute(stmt)
            if policy.allowed(ctx, "get_subnet", policy.on_network(s.project_id, net))
        ]


async def update(db: Database, ctx: RequestContext, subnet_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        sub = await load_for(session, ctx, subnet_id, "update_subnet")
        cidr = ipaddress.ip_network(sub.cidr)
        if "gateway_ip" in attrs:
            gateway = _gateway(cidr, attrs)
            if gateway is not None:
                holder = await session.get(IpAllocation, (sub.id, gateway))
                if holder is not None:
                    raise faults.conflict(
                        "GatewayIpInUse",
                        f"Current gateway ip {gateway} already in use by port {holder.port_id}. Unable to update.",
                    )
            sub.gateway_ip = gateway
        if "allocation_pools" in attrs:
            sub.allocation_pools = ipam.check_pools(cidr, attrs["allocation_pools"], sub.gateway_ip)
        elif "gateway_ip" in attrs:
            ipam.check_pools(cidr, sub.allocation_pools, sub.gateway_ip)
        if "dns_nameservers" in attrs:
            sub.dns_nameservers = _dns(attrs["dns_nameservers"], cidr.version)
        if "host_routes" in attrs:
            sub.host_routes = _routes(attrs["host_routes"], cidr.version)
        for key in ("name", "description", "enable_dhcp"):
            if key in attrs:
                setattr(sub, key, attrs[key])
        sub.revision_number += 1
        await session.flush()
        return views.subnet(sub, await _external(session, sub))

    return await txn.write(db, work)


async def delete_subnet(db: Database, ctx: RequestContext, subnet_id: str) -> ports.AgentWork:
    """Delete the subnet; return the re-plugs of the bound ports that lost an address."""

    async def work(session: AsyncSession) -> ports.AgentWork:
        sub = await load_for(session, ctx, subnet_id, "delete_subnet")
        rows = list(
            await session.execute(
                select(IpAllocation.port_id, Port.device_owner)
                .join(Port, Port.id == IpAllocation.port_id)
                .where(IpAllocation.subnet_id == sub.id)
            )
        )
        # As Neutron: the SLAAC addresses of an auto-address subnet go with it; only a
        # router interface on it keeps it in use.
        auto = ipam.is_auto_address(sub)
        users = sorted(
            {pid for pid, owner in rows if owner != DHCP_OWNER and (not auto or owner == "network:router_interface")}
        )
        losing = sorted({pid for pid, owner in rows if owner != DHCP_OWNER})
        if users:
            raise faults.conflict(
                "SubnetInUse",
                f"Unable to complete operation on subnet {sub.id}: One or more ports have an IP allocation from "
                f"this subnet: {', '.join(users)}.",
            )
        await session.execute(delete(IpAllocation).where(IpAllocation.subnet_id == sub.id))
        await session.flush()
        dhcp = await session.scalar(
            select(Port).where(Port.network_id == sub.network_id, Port.device_owner == DHCP_OWNER)
        )
        await session.delete(sub)
        await session.flush()
        if dhcp is not None:
            left = await session.scalar(select(IpAllocation.ip_address).where(IpAllocation.port_id == dhcp.id).limit(1))
            if left is None:
                await session.delete(dhcp)
        agent = ports.AgentWork()
        for port in await session.scalars(select(Port).where(Port.id.in_(losing))):
            port.revision_number += 1
            if port.binding_host_id:
                agent.plug.append((port.binding_host_id, await ports.spec(session, port)))
        return agent

    return await txn.write(db, work)
