"""IP address management: subnet/pool arithmetic and race-free allocation.

Allocation runs inside the caller's writer transaction. The allocator probes a few random
pool addresses in one query (falling back to reading the subnet's used addresses when
the pools are nearly full), picks a free one and inserts an ``IpAllocation`` row whose
primary key is (subnet, address). On SQLite the writers of this process are serialized
already; on PostgreSQL/MariaDB two transactions may pick the same address, and the
primary key makes the second fail with IntegrityError, which the port code retries
(``objects.txn.write`` restarts the whole transaction). Candidates are random so that
concurrent allocators rarely collide.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.network import faults
from pocketstack.network.models import IpAllocation, Subnet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# How many free candidates to choose among at random (bounds collisions between racers).
_SPREAD = 16


def parse_cidr(text: Any, ip_version: int | None = None) -> IPNetwork:
    """A subnet CIDR, strict (no host bits), of the requested IP version."""
    if not isinstance(text, str):
        raise faults.invalid(f"'{text}' is not a valid IP subnet.")
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise faults.invalid(f"'{text}' is not a valid IP subnet.") from None
    if "/" not in text or str(net) != _canonical(text):
        raise faults.invalid(f"'{text}' isn't a recommended IP subnet, '{net}' is recommended.")
    if ip_version is not None and net.version != ip_version:
        raise faults.invalid(f"Cidr {text} does not match ip_version {ip_version}.")
    if net.version == 4 and net.prefixlen > 30:
        raise faults.invalid(f"Cidr {text} has no room for addresses: the prefix must be /30 or shorter.")
    if net.version == 6 and net.prefixlen > 126:
        raise faults.invalid(f"Cidr {text} has no room for addresses: the prefix must be /126 or shorter.")
    return net


def _canonical(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        return ""


def parse_ip(text: Any, what: str = "IP address") -> IPAddress:
    if not isinstance(text, str):
        raise faults.invalid(f"'{text}' is not a valid {what}.")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise faults.invalid(f"'{text}' is not a valid {what}.") from None


def default_gateway(net: IPNetwork) -> str:
    return str(net.network_address + 1)


def _ip(value: int, version: int) -> str:
    return str(ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value))


def default_pools(net: IPNetwork, gateway: str | None) -> list[dict[str, str]]:
    """The whole CIDR minus network/broadcast (IPv4) and the gateway."""
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    ranges = [(first, last)]
    if gateway is not None:
        gw = int(ipaddress.ip_address(gateway))
        ranges = []
        if first < gw:
            ranges.append((first, min(gw - 1, last)))
        if gw < last:
            ranges.append((max(gw + 1, first), last))
    return [{"start": _ip(s, net.version), "end": _ip(e, net.version)} for s, e in ranges if s <= e]


def check_pools(net: IPNetwork, pools: list[dict[str, str]], gateway: str | None) -> list[dict[str, str]]:
    """Validate allocation pools against the CIDR, each other and the gateway."""
    parsed: list[tuple[int, int]] = []
    for pool in pools:
        start = parse_ip(pool.get("start"), "IP address for an allocation pool start")
        end = parse_ip(pool.get("end"), "IP address for an allocation pool end")
        text = f"{pool['start']}-{pool['end']}"
        if start.version != net.version or end.version != net.version:
            raise faults.invalid(f"Allocation pool {text} is not of IP version {net.version}.")
        if int(start) > int(end):
            raise faults.bad_input("InvalidAllocationPool", f"The allocation pool {text} is not valid.")
        if start not in net or end not in net:
            raise faults.bad_input(
                "OutOfBoundsAllocationPool", f"The allocation pool {text} spans beyond the subnet cidr {net}."
            )
        parsed.append((int(start), int(end)))
    parsed.sort()
    v = net.version
    for (s1, e1), (s2, e2) in itertools.pairwise(parsed):
        if s2 <= e1:
            raise faults.conflict(
                "OverlappingAllocationPools",
                f"Found overlapping allocation pools: {_ip(s1, v)}-{_ip(e1, v)} and {_ip(s2, v)}-{_ip(e2, v)}.",
            )
    if gateway is not None:
        gw = int(ipaddress.ip_address(gateway))
        for s, e in parsed:
            if s <= gw <= e:
                raise faults.conflict(
                    "GatewayConflictWithAllocationPools",
                    f"Gateway ip {gateway} conflicts with allocation pool {_ip(s, v)}-{_ip(e, v)}.",
                )
    return [{"start": _ip(s, v), "end": _ip(e, v)} for s, e in parsed]


def pool_size(pools: Iterable[dict[str, str]]) -> int:
    return sum(int(ipaddress.ip_address(p["end"])) - int(ipaddress.ip_address(p["start"])) + 1 for p in pools)


def _free(pools: list[dict[str, str]], used: set[str], version: int) -> Iterator[str]:
    for pool in pools:
        start = int(ipaddress.ip_address(pool["start"]))
        end = int(ipaddress.ip_address(pool["end"]))
        for value in range(start, end + 1):
            address = _ip(value, version)
            if address not in used:
                yield address


def _random_candidates(pools: list[dict[str, str]], version: int, count: int) -> list[str]:
    ranges = [(int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"]))) for p in pools]
    sizes = [e - s + 1 for s, e in ranges]
    total = sum(sizes)
    if total == 0:
        return []
    picks: set[str] = set()
    for _ in range(min(count, total)):
        n = random.randrange(total)
        for (start, _end), size in zip(ranges, sizes, strict=True):
            if n < size:
                picks.add(_ip(start + n, version))
                break
            n -= size
    return list(picks)


async def used_addresses(session: AsyncSession, subnet_id: str) -> set[str]:
    rows = await session.scalars(select(IpAllocation.ip_address).where(IpAllocation.subnet_id == subnet_id))
    return set(rows)


async def _pick(session: AsyncSession, subnet: Subnet, first: bool) -> str | None:
    """A free pool address: probe a few random ones in one query (cheap while the pools are
    not nearly full), else scan the used set for the lowest free ones."""
    if not first:
        probe = _random_candidates(subnet.allocation_pools, subnet.ip_version, _SPREAD)
        if probe:
            taken = set(
                await session.scalars(
                    select(IpAllocation.ip_address).where(
                        IpAllocation.subnet_id == subnet.id, IpAllocation.ip_address.in_(probe)
                    )
                )
            )
            free = [a for a in probe if a not in taken]
            if free:
                return random.choice(free)
    used = await used_addresses(session, subnet.id)
    candidates: list[str] = []
    for address in _free(subnet.allocation_pools, used, subnet.ip_version):
        candidates.append(address)
        if first or len(candidates) >= _SPREAD:
            break
    if not candidates:
        return None
    return candidates[0] if first else random.choice(candidates)


async def allocate_any(session: AsyncSession, subnet: Subnet, port_id: str, *, first: bool = False) -> str | None:
    """Allocate a free pool address of ``subnet`` to ``port_id``; None if the pools are full.

    ``first`` takes the lowest free address (for the DHCP port, which should be predictable).
    """
    address = await _pick(session, subnet, first)
    if address is None:
        return None
    session.add(IpAllocation(subnet_id=subnet.id, ip_address=address, port_id=port_id, network_id=subnet.network_id))
    return address


async def allocate_specific(
    session: AsyncSession, subnet: Subnet, address: str, port_id: str, *, gateway_ok: bool = False
) -> str:
    """Allocate exactly ``address`` (it may be outside the pools but must be in the CIDR).

    The gateway address is refused unless ``gateway_ok`` (a router interface takes it).
    """
    ip = parse_ip(address)
    net = ipaddress.ip_network(subnet.cidr)
    if ip.version != net.version or ip not in net:
        raise faults.bad_input(
            "InvalidIpForSubnet", f"IP address {address} is not a valid IP for the specified subnet."
        )
    canonical = str(ip)
    if net.version == 4 and (ip == net.network_address or ip == net.broadcast_address):
        raise faults.bad_input(
            "InvalidIpForSubnet", f"IP address {address} is not a valid IP for the specified subnet."
        )
    taken = await session.get(IpAllocation, (subnet.id, canonical))
    if taken is not None or (canonical == subnet.gateway_ip and not gateway_ok):
        raise faults.conflict(
            "IpAddressInUse",
            f"Unable to complete operation for network {subnet.network_id}. The IP address {canonical} is in use.",
        )
    session.add(IpAllocation(subnet_id=subnet.id, ip_address=canonical, port_id=port_id, network_id=subnet.network_id))
    return canonical


# IPv6 address modes in which hosts make their own address from the prefix and their MAC.
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")


def is_auto_address(subnet: Subnet) -> bool:
    """Neutron's auto-address subnet: addresses by SLAAC (EUI-64), not from the pools."""
    if subnet.ip_version != 6:
        return False
    mode = subnet.ipv6_address_mode
    return mode in AUTO_ADDRESS_MODES or (mode is None and subnet.ipv6_ra_mode in AUTO_ADDRESS_MODES)


def eui64(cidr: str, mac: str) -> str:
    """The SLAAC address a host with ``mac`` makes in the /64 ``cidr`` (RFC 4291 app. A)."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02  # the universal/local bit is inverted
    interface = bytes([*octets[:3], 0xFF, 0xFE, *octets[3:]])
    net = ipaddress.ip_network(cidr)
    return str(ipaddress.ip_address(int(net.network_address) | int.from_bytes(interface, "big")))


async def allocate_eui64(session: AsyncSession, subnet: Subnet, mac: str, port_id: str) -> str:
    """Record the SLAAC address of ``mac`` on an auto-address subnet for ``port_id``."""
    address = eui64(subnet.cidr, mac)
    taken = await session.get(IpAllocation, (subnet.id, address))
    if taken is not None:
        raise faults.conflict(
            "IpAddressInUse",
            f"Unable to complete operation for network {subnet.network_id}. The IP address {address} is in use.",
        )
    session.add(IpAllocation(subnet_id=subnet.id, ip_address=address, port_id=port_id, network_id=subnet.network_id))
    return address


def subnet_of(subnets: list[Subnet], address: str) -> Subnet | None:
    ip = ipaddress.ip_address(address)
    for subnet in subnets:
        net = ipaddress.ip_network(subnet.cidr)
        if ip.version == net.version and ip in net:
            return subnet
    return None


def overlaps(a: str, b: str) -> bool:
    na, nb = ipaddress.ip_network(a), ipaddress.ip_network(b)
    return na.version == nb.version and na.overlaps(nb)
