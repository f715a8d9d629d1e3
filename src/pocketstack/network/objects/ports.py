"""Ports: MAC and IP allocation, security groups, and binding to a host.

Binding (``binding:host_id``) is recorded here; what must happen on the host afterwards
(plug, unplug) is returned to the caller as ``AgentWork`` so it is sent only once the
transaction has committed.
"""

from __future__ import annotations

import ipaddress
import random
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.db.models import new_id
from pocketstack.network import faults, ipam, policy, views
from pocketstack.network.models import FloatingIp, IpAllocation, Network, Port, SecurityGroup, Subnet
from pocketstack.network.objects import networks, quotas, security_groups, txn

_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")
# Owners whose ports a user may not delete directly (they belong to a router or floating IP).
# Attributes with rules of their own (create_port:binding:host_id, ...) and their defaults.
CREATE_ATTRIBUTES = {
    "binding:host_id": policy.NO_DEFAULT,
    "binding:profile": policy.NO_DEFAULT,
    "mac_address": policy.NO_DEFAULT,
}
UPDATE_ATTRIBUTES = CREATE_ATTRIBUTES
ROUTER_OWNERS = ("network:router_interface", "network:router_gateway", "network:floatingip")
VIF_TYPE = "bridge"


@dataclass
class AgentWork:
    """Messages for host agents, sent after commit: (host, port spec) to plug, (host, port id) to unplug."""

    plug: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unplug: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def random_mac() -> str:
    # fa:16:3e is the prefix OpenStack uses for the MACs it makes up.
    return "fa:16:3e:" + ":".join(f"{random.randint(0, 255):02x}" for _ in range(3))


async def _choose_mac(session: AsyncSession, network_id: str, wanted: str | None) -> str:
    if wanted is not None:
        if not _MAC.match(wanted) or int(wanted[1], 16) & 1:
            raise faults.invalid(f"'{wanted}' is not a valid MAC address")
        mac = wanted.lower().replace("-", ":")
        if await session.scalar(select(Port.id).where(Port.mac_address == mac)) is not None:
            raise faults.conflict(
                "MacAddressInUse",
                f"Unable to complete operation for network {network_id}. The mac address {mac} is in use.",
            )
        return mac
    # 2**24 choices: a clash is rare, and the unique key turns one into a retried transaction.
    return random_mac()


async def fixed_ips_of(session: AsyncSession, port_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {pid: [] for pid in port_ids}
    if not port_ids:
        return result
    rows = await session.execute(
        select(IpAllocation.port_id, IpAllocation.subnet_id, IpAllocation.ip_address).where(
            IpAllocation.port_id.in_(port_ids)
        )
    )
    for pid, sid, ip in rows:
        result[pid].append({"subnet_id": sid, "ip_address": ip})
    return result


async def view(session: AsyncSession, ctx: RequestContext, port: Port) -> dict[str, Any]:
    return views.port(ctx, port, (await fixed_ips_of(session, [port.id]))[port.id])


async def subnets_of(session: AsyncSession, network_id: str) -> list[Subnet]:
    return list(
        await session.scalars(select(Subnet).where(Subnet.network_id == network_id).order_by(Subnet.created_at))
    )


async def allocate(
    session: AsyncSession,
    net: Network,
    port_id: str,
    requested: list[dict[str, Any]] | None,
    owner: str = "",
    subnets: list[Subnet] | None = None,
    mac: str | None = None,
) -> list[dict[str, str]]:
    """Give ``port_id`` addresses: the requested ones, or by default one per IP version
    from the pools plus, as Neutron does, the SLAAC (EUI-64 of ``mac``) address on every
    auto-address IPv6 subnet (slaac, dhcpv6-stateless)."""
    if subnets is None:
        subnets = await subnets_of(session, net.id)
    allocated: list[dict[str, str]] = []
    if requested is None:
        for version in (4, 6):
            candidates = [s for s in subnets if s.ip_version == version and not ipam.is_auto_address(s)]
            if version == 6 and mac is not None:
                for auto in (s for s in subnets if s.ip_version == 6 and ipam.is_auto_address(s)):
                    allocated.append(
                        {"subnet_id": auto.id, "ip_address": await ipam.allocate_eui64(session, auto, mac, port_id)}
                    )
            if not candidates:
                continue
            for candidate in candidates:
                address = await ipam.allocate_any(session, candidate, port_id)
                if address is not None:
                    allocated.append({"subnet_id": candidate.id, "ip_address": address})
                    break
            else:
                raise faults.ip_exhausted(net.id)
        return allocated
    by_id = {s.id: s for s in subnets}
    for item in requested:
        subnet_id, address = item.get("subnet_id"), item.get("ip_address")
        if subnet_id is not None and subnet_id not in by_id:
            raise faults.invalid(
                f"Failed to create port on network {net.id}, because fixed_ips included invalid subnet {subnet_id}."
            )
        if address is not None:
            ipam.parse_ip(address)
            subnet: Subnet | None = by_id[subnet_id] if subnet_id else ipam.subnet_of(subnets, address)
            if subnet is None:
                raise faults.bad_input(
                    "InvalidIpForNetwork",
                    f"IP address {address} is not a valid IP for any of the subnets on the specified network {net.id}.",
                )
            gateway_ok = owner == "network:router_interface"
            if ipam.is_auto_address(subnet) and not gateway_ok:
                raise faults.invalid(
                    f"IPv6 address {address} cannot be directly assigned to a port on subnet {subnet.id} "
                    "as the subnet is configured for automatic addresses"
                )
            exact = await ipam.allocate_specific(session, subnet, address, port_id, gateway_ok=gateway_ok)
            allocated.append({"subnet_id": subnet.id, "ip_address": exact})
        elif subnet_id is not None and ipam.is_auto_address(by_id[subnet_id]) and mac is not None:
            allocated.append(
                {
                    "subnet_id": subnet_id,
                    "ip_address": await ipam.allocate_eui64(session, by_id[subnet_id], mac, port_id),
                }
            )
        elif subnet_id is not None:
            got = await ipam.allocate_any(session, by_id[subnet_id], port_id)
            if got is None:
                raise faults.ip_exhausted(net.id)
            allocated.append({"subnet_id": subnet_id, "ip_address": got})
        else:
            raise faults.invalid("fixed_ips entries need a subnet_id or an ip_address.")
    return allocated


async def _security_groups(
    session: AsyncSession, ctx: RequestContext, project_id: str, attrs: dict[str, Any], enabled: bool, owner: str
) -> list[str]:
    wanted = attrs.get("security_groups")
    if wanted is None:
        if not enabled or owner.startswith("network:"):
            return []
        return [await security_groups.ensure_default(session, project_id)]
    if wanted and not enabled:
        raise faults.conflict(
            "PortSecurityAndIPRequiredForSecurityGroups",
            "Port security must be enabled and port must have an IP address in order to use security groups.",
        )
    for sg_id in wanted:
        sg = await session.get(SecurityGroup, sg_id)
        if sg is None or (sg.project_id != project_id and not policy.is_admin(ctx)):
            raise faults.not_found("SecurityGroup", sg_id)
    return list(dict.fromkeys(wanted))


def _check_pairs(attrs: dict[str, Any], enabled: bool) -> list[dict[str, str]]:
    pairs = attrs.get("allowed_address_pairs") or []
    if pairs and not enabled:
        raise faults.conflict(
            "AddressPairAndPortSecurityRequired",
            "Port Security must be enabled in order to have allowed address pairs on a port.",
        )
    result = []
    for pair in pairs:
        text = pair["ip_address"]
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise faults.invalid(f"'{text}' is not a valid IP address or CIDR.") from None
        mac = pair.get("mac_address")
        if mac is not None and not _MAC.match(mac):
            raise faults.invalid(f"'{mac}' is not a valid MAC address")
        result.append({"ip_address": text, **({"mac_address": mac.lower()} if mac else {})})
    return result


def _bind(port: Port, host: str) -> None:
    port.binding_host_id = host
    if host:
        port.binding_vif_type = VIF_TYPE
        port.binding_vif_details = {
            "port_filter": True,
            "connectivity": "l2",
            "bridge_name": f"brq{port.network_id[:11]}",
        }
    else:
        port.binding_vif_type = "unbound"
        port.binding_vif_details = {}
    port.status = "DOWN"


async def build(
    session: AsyncSession,
    ctx: RequestContext,
    net: Network,
    project_id: str,
    attrs: dict[str, Any],
    subnets: list[Subnet] | None = None,
) -> tuple[Port, list[dict[str, str]]]:
    """Insert a port with its MAC, addresses and groups (inside the caller's transaction);
    return it with its fixed IPs. ``subnets`` may be passed if already read."""
    owner = attrs.get("device_owner", "")
    enabled = attrs.get("port_security_enabled", net.port_security_enabled)
    port = Port(
        id=new_id(),
        project_id=project_id,
        network_id=net.id,
        name=attrs.get("name", ""),
        description=attrs.get("description", ""),
        tags=list(attrs.get("tags", [])),
        mac_address=await _choose_mac(session, net.id, attrs.get("mac_address")),
        admin_state_up=attrs.get("admin_state_up", True),
        device_id=attrs.get("device_id", ""),
        device_owner=owner,
        port_security_enabled=enabled,
        allowed_address_pairs=_check_pairs(attrs, enabled),
        extra_dhcp_opts=list(attrs.get("extra_dhcp_opts", [])),
        binding_vnic_type=attrs.get("binding:vnic_type", "normal"),
        binding_profile=attrs.get("binding:profile") or {},
        security_groups=await _security_groups(session, ctx, project_id, attrs, enabled, owner),
    )
    _bind(port, attrs.get("binding:host_id", ""))
    if owner.startswith("network:"):
        # Router and floating IP ports are the cloud's own: nothing on a host to wait for.
        port.status = "ACTIVE"
    session.add(port)
    # One flush for the port and its addresses (the model orders the inserts).
    with session.no_autoflush:
        ips = await allocate(session, net, port.id, attrs.get("fixed_ips"), owner, subnets, port.mac_address)
    await session.flush()
    return port, ips


def target(port: Port, net: Network | None) -> dict[str, Any]:
    """The port as Neutron's rules see it, with its network's owner."""
    extra = {"device_owner": port.device_owner, "device_id": port.device_id}
    if net is None:
        return policy.owned(port.project_id, **extra)
    return policy.on_network(port.project_id, net, **extra)


async def load(session: AsyncSession, ctx: RequestContext, port_id: str) -> Port:
    """The port if the caller may see it (get_port), else PortNotFound."""
    port = await session.get(Port, port_id)
    if port is None:
        raise faults.not_found("Port", port_id)
    if not policy.allowed(ctx, "get_port", target(port, await session.get(Network, port.network_id))):
        raise faults.not_found("Port", port_id)
    return port


async def create(
    db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]
) -> tuple[dict[str, Any], AgentWork]:
    async def work(session: AsyncSession) -> tuple[dict[str, Any], AgentWork]:
        # Every statement counts on this hot path: network, subnets and quota in one query.
        quota = quotas.check_columns(project_id, "port")
        net, subnets, usage = await networks.load_with_subnets(session, ctx, attrs["network_id"], quota)
        # External networks are visible to all, but create_port lets only admins and
        # services put ports on one they do not own unless it is shared.
        port_target = policy.on_network(project_id, net, device_owner=attrs.get("device_owner", ""))
        policy.enforce(ctx, "create_port", port_target)
        policy.check_attributes(ctx, "create_port", attrs, CREATE_ATTRIBUTES, port_target, create=True)
        quotas.verdict("port", usage)
        port, ips = await build(session, ctx, net, project_id, attrs, subnets)
        agent = AgentWork()
        if port.binding_host_id:
            agent.plug.append((port.binding_host_id, await spec(session, port)))
        return views.port(ctx, port, ips), agent

    return await txn.write(db, work)


async def get(db: Database, ctx: RequestContext, port_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return await view(session, ctx, await load(session, ctx, port_id))


async def listing(db: Database, ctx: RequestContext, narrow: dict[str, str]) -> list[dict[str, Any]]:
    """Visible ports; ``narrow`` (network_id, device_id) only speeds up the query."""
    async with db.reader() as session:
        stmt = select(Port)
        if not policy.is_admin(ctx):
            stmt = stmt.where(Port.project_id == ctx.project_id)
        for key, value in narrow.items():
            stmt = stmt.where(getattr(Port, key) == value)
        ports = list(await session.scalars(stmt))
        ips = await fixed_ips_of(session, [p.id for p in ports]) if len(ports) < 500 else await _all_ips(session)
        return [views.port(ctx, p, ips.get(p.id, [])) for p in ports]


async def _all_ips(session: AsyncSession) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {}
    for pid, sid, ip in await session.execute(
        select(IpAllocation.port_id, IpAllocation.subnet_id, IpAllocation.ip_address)
    ):
        result.setdefault(pid, []).append({"subnet_id": sid, "ip_address": ip})
    return result


async def update(
    db: Database, ctx: RequestContext, port_id: str, attrs: dict[str, Any]
) -> tuple[dict[str, Any], AgentWork]:
    async def work(session: AsyncSession) -> tuple[dict[str, Any], AgentWork]:
        port = await load(session, ctx, port_id)
        net = await session.get(Network, port.network_id)
        assert net is not None
        port_target = target(port, net)
        policy.enforce(ctx, "update_port", port_target)
        policy.check_attributes(ctx, "update_port", attrs, UPDATE_ATTRIBUTES, port_target, create=False)
        agent = AgentWork()
        old_host = port.binding_host_id
        if "mac_address" in attrs and attrs["mac_address"] != port.mac_address:
            if port.binding_host_id:
                raise faults.conflict("PortBound", f"Unable to change the MAC of bound port {port.id}.")
            port.mac_address = await _choose_mac(session, net.id, attrs["mac_address"])
        if "fixed_ips" in attrs:
            await session.execute(delete(IpAllocation).where(IpAllocation.port_id == port.id))
            await session.flush()
            await allocate(session, net, port.id, attrs["fixed_ips"], port.device_owner, mac=port.mac_address)
        enabled = attrs.get("port_security_enabled", port.port_security_enabled)
        groups = port.security_groups if "security_groups" not in attrs else None
        if groups and not enabled and "security_groups" not in attrs:
            raise faults.conflict(
                "PortSecurityPortHasSecurityGroup",
                "Port has security group associated. Cannot disable port security or ip address until "
                "security group is removed.",
            )
        if "security_groups" in attrs:
            port.security_groups = await _security_groups(
                session, ctx, port.project_id, attrs, enabled, port.device_owner
            )
        if "allowed_address_pairs" in attrs or "port_security_enabled" in attrs:
            pairs = attrs.get("allowed_address_pairs", port.allowed_address_pairs)
            port.allowed_address_pairs = _check_pairs({"allowed_address_pairs": pairs}, enabled)
        port.port_security_enabled = enabled
        for key in ("name", "description", "admin_state_up", "device_id", "device_owner", "extra_dhcp_opts"):
            if key in attrs:
                setattr(port, key, attrs[key])
        if "binding:vnic_type" in attrs:
            port.binding_vnic_type = attrs["binding:vnic_type"]
        if "binding:profile" in attrs:
            port.binding_profile = attrs["binding:profile"] or {}
        if "binding:host_id" in attrs and attrs["binding:host_id"] != old_host:
            _bind(port, attrs["binding:host_id"])
            if old_host:
                agent.unplug.append((old_host, {"id": port.id, "network_id": port.network_id}))
        port.revision_number += 1
        await session.flush()
        if port.binding_host_id and (port.binding_host_id != old_host or _affects_host(attrs)):
            agent.plug.append((port.binding_host_id, await spec(session, port)))
        return await view(session, ctx, port), agent

    return await txn.write(db, work)


def _affects_host(attrs: dict[str, Any]) -> bool:
    return bool(
        {
            "fixed_ips",
            "security_groups",
            "allowed_address_pairs",
            "port_security_enabled",
            "admin_state_up",
            "mac_address",
            "extra_dhcp_opts",
        }
        & set(attrs)
    )


async def delete_port(db: Database, ctx: RequestContext, port_id: str) -> tuple[dict[str, Any], AgentWork]:
    async def work(session: AsyncSession) -> tuple[dict[str, Any], AgentWork]:
        port = await load(session, ctx, port_id)
        policy.enforce(ctx, "delete_port", target(port, await session.get(Network, port.network_id)))
        if port.device_owner in ROUTER_OWNERS and not ctx.is_internal:
            raise faults.conflict(
                "PortInUse" if port.device_owner != "network:router_interface" else "ServicePortInUse",
                f"Port {port.id} cannot be deleted directly via the port API: has device owner {port.device_owner}.",
            )
        removed = views.port(ctx, port, [])
        agent = AgentWork()
        if port.binding_host_id:
            agent.unplug.append((port.binding_host_id, {"id": port.id, "network_id": port.network_id}))
        for fip in await session.scalars(select(FloatingIp).where(FloatingIp.port_id == port.id)):
            fip.port_id = None
            fip.fixed_ip_address = None
            fip.router_id = None
            fip.status = "DOWN"
        await session.execute(delete(IpAllocation).where(IpAllocation.port_id == port.id))
        await session.delete(port)
        return removed, agent

    return await txn.write(db, work)


async def spec(session: AsyncSession, port: Port) -> dict[str, Any]:
    """What a host agent needs to plug ``port``: addresses, network, subnets and firewall rules."""
    net = await session.get(Network, port.network_id)
    assert net is not None
    subnets = list(await session.scalars(select(Subnet).where(Subnet.network_id == net.id)))
    fixed = (await fixed_ips_of(session, [port.id]))[port.id]
    # The DHCP server of the network answers from the DHCP port's addresses (reserved by IPAM).
    dhcp_port = await session.scalar(
        select(Port.id).where(Port.network_id == net.id, Port.device_owner == "network:dhcp")
    )
    dhcp_ips = (await fixed_ips_of(session, [dhcp_port]))[dhcp_port] if dhcp_port else []
    dhcp_by_subnet = {ip["subnet_id"]: ip["ip_address"] for ip in dhcp_ips}
    return {
        "id": port.id,
        "network_id": port.network_id,
        "mac_address": port.mac_address,
        "fixed_ips": fixed,
        "device_id": port.device_id,
        "device_owner": port.device_owner,
        "admin_state_up": port.admin_state_up,
        "port_security_enabled": port.port_security_enabled,
        "allowed_address_pairs": list(port.allowed_address_pairs),
        "extra_dhcp_opts": list(port.extra_dhcp_opts),
        "security_group_rules": await security_groups.rules_for(session, list(port.security_groups)),
        "network": {
            "id": net.id,
            "mtu": net.mtu,
            "external": net.external,
            "subnets": [
                {
                    "id": s.id,
                    "cidr": s.cidr,
                    "ip_version": s.ip_version,
                    "gateway_ip": s.gateway_ip,
                    "enable_dhcp": s.enable_dhcp,
                    "dns_nameservers": list(s.dns_nameservers),
                    "host_routes": list(s.host_routes),
                    "dhcp_ip": dhcp_by_subnet.get(s.id),
                    "ipv6_address_mode": s.ipv6_address_mode,
                    "ipv6_ra_mode": s.ipv6_ra_mode,
                }
                for s in subnets
            ],
        },
    }


async def mark_plugged(db: Database, port_id: str, host: str, vif_details: dict[str, Any] | None = None) -> Port | None:
    """The agent on ``host`` plugged the port: ACTIVE, unless it was rebound meanwhile;
    ``vif_details`` from the agent (where the tap is) join the binding's details."""

    async def work(session: AsyncSession) -> Port | None:
        port = await session.get(Port, port_id)
        if port is None or port.binding_host_id != host:
            return None
        port.status = "ACTIVE" if port.admin_state_up else "DOWN"
        if vif_details:
            # A new dict: the JSON column only notices assignment, not in-place changes.
            port.binding_vif_details = {**port.binding_vif_details, **vif_details}
        return port

    return await txn.write(db, work)


async def mark_failed(db: Database, port_id: str, host: str) -> Port | None:
    """The agent could not plug the port: Neutron's ``binding_failed``."""

    async def work(session: AsyncSession) -> Port | None:
        port = await session.get(Port, port_id)
        if port is None or port.binding_host_id != host:
            return None
        port.binding_vif_type = "binding_failed"
        port.status = "DOWN"
        return port

    return await txn.write(db, work)


async def host_specs(db: Database, host: str) -> list[dict[str, Any]]:
    async with db.reader() as session:
        bound = await session.scalars(select(Port).where(Port.binding_host_id == host))
        return [await spec(session, p) for p in bound]


async def specs_using_group(db: Database, sg_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(host, spec) of every bound port whose groups include ``sg_id``."""
    async with db.reader() as session:
        bound = await session.scalars(select(Port).where(Port.binding_host_id != ""))
        return [(p.binding_host_id, await spec(session, p)) for p in bound if sg_id in (p.security_groups or [])]
