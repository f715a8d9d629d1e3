"""One router: a ``qrouter`` namespace with a leg on each attached network's bridge.

Each interface is a veth pair: ``qr-X`` in the router namespace (the subnet's gateway
address) and ``rhX`` enslaved to the network's bridge in the host namespace. The gateway
is the same on the external network's bridge (``qg-X``) — that network is one more
bridge in the host namespace, never connected to the machine's interfaces. The router
forwards between its legs; its ``nat`` table holds SNAT for the gateway and a DNAT/SNAT
pair per floating IP (whose address is also put on ``qg-X`` so the router answers ARP).
Legs on IPv6 subnets with an ``ipv6_ra_mode`` send router advertisements (radvert.py).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pocketstack.network.agent.base import RouterState, Spec
from pocketstack.network.agent.linuxbridge import cmd, names
from pocketstack.network.agent.linuxbridge.names import Names
from pocketstack.network.agent.linuxbridge.radvert import RouterAdverts

SNAT_COMMENT = "pocketstack-snat"


@dataclass(frozen=True)
class Leg:
    inside: str
    outside: str
    network_id: str
    mac: str | None
    addresses: tuple[str, ...]  # "ip/prefixlen"


def _addresses(ips: list[Spec]) -> tuple[str, ...]:
    return tuple(f"{ip['ip_address']}/{ipaddress.ip_network(ip['cidr']).prefixlen}" for ip in ips)


def legs(router: Spec) -> list[Leg]:
    result = [
        Leg(
            names.router_leg(i["port_id"]),
            names.router_host_side(i["port_id"]),
            i["network_id"],
            i.get("mac_address"),
            _addresses(i.get("ips", [])),
        )
        for i in router.get("interfaces", [])
    ]
    gateway = router.get("gateway")
    if gateway:
        fips = tuple(f"{f['floating_ip_address']}/32" for f in _floating(router))
        result.append(
            Leg(
                names.router_gateway(gateway["port_id"]),
                names.router_host_side(gateway["port_id"]),
                gateway["network_id"],
                gateway.get("mac_address"),
                _addresses(gateway.get("ips", [])) + fips,
            )
        )
    return result


def _floating(router: Spec) -> list[Spec]:
    if not router.get("gateway"):
        return []
    return [f for f in router.get("floating_ips", []) if f.get("fixed_ip_address")]


def render_nat(router: Spec) -> str:
    lines = [
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
    ]
    gateway = router.get("gateway")
    if gateway:
        qg = names.router_gateway(gateway["port_id"])
        for fip in sorted(_floating(router), key=lambda f: str(f["floating_ip_address"])):
            outer, inner = fip["floating_ip_address"], fip["fixed_ip_address"]
            lines.append(f"-A PREROUTING -d {outer}/32 -j DNAT --to-destination {inner}")
            lines.append(f"-A OUTPUT -d {outer}/32 -j DNAT --to-destination {inner}")
            lines.append(f"-A POSTROUTING -s {inner}/32 -o {qg} -j SNAT --to-source {outer}")
        v4 = [ip for ip in gateway.get("ips", []) if ipaddress.ip_address(ip["ip_address"]).version == 4]
        if router.get("enable_snat", True) and v4:
            lines.append(
                f"-A POSTROUTING -o {qg} -m comment --comment {SNAT_COMMENT} -j SNAT --to-source {v4[0]['ip_address']}"
            )
    return "\n".join([*lines, "COMMIT", ""])


class RouterPlane:
    def __init__(self, where: Names, router_id: str) -> None:
        self.names = where
        self.router_id = router_id
        self.ns = where.router_ns(router_id)

    async def ensure(self, router: Spec, ensure_bridge: Callable[[str], Awaitable[int]]) -> None:
        await cmd.ensure_ns(self.ns)
        # Forward both families; no duplicate address detection on the legs (a gateway
        # address is the router's; advertisements go out from a usable link-local at once).
        await cmd.in_ns(
            self.ns,
            "sysctl",
            "-q",
            "-w",
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv6.conf.default.accept_dad=0",
        )
        wanted = legs(router)
        host_ns = self.names.host_ns
        present = await cmd.links(self.ns)
        keep = {leg.inside for leg in wanted}
        for name in present:
            if (name.startswith("qr-") or name.startswith("qg-")) and name not in keep:
                await cmd.ip("link", "del", name, ns=self.ns, check=False)
        up = "up" if router.get("admin_state_up", True) else "down"
        for leg in wanted:
            mtu = await ensure_bridge(leg.network_id)
            if leg.inside not in present:
                await cmd.ip("link", "del", leg.outside, ns=host_ns, check=False)
                await cmd.ip(
                    "link", "add", leg.outside, "type", "veth", "peer", "name", leg.inside, "netns", self.ns, ns=host_ns
                )
            await cmd.ip_batch(
                [f"link set {leg.outside} master {names.bridge(leg.network_id)} mtu {mtu} up"], ns=host_ns
            )
            lines = [f"link set {leg.inside} mtu {mtu}"]
            if leg.mac:
                lines.append(f"link set {leg.inside} address {leg.mac}")
            lines.append(f"link set {leg.inside} {up}")
            have = await self._addresses_of(leg.inside)
            lines += [f"addr del {a} dev {leg.inside}" for a in sorted(have - set(leg.addresses))]
            lines += [
                f"addr add {a} dev {leg.inside}" + (" nodad" if ":" in a else "")
                for a in sorted(set(leg.addresses) - have)
            ]
            await cmd.ip_batch(lines, ns=self.ns)
        await self._routes(router)
        await cmd.in_ns(self.ns, "iptables-restore", "-w", "5", input=render_nat(router))
        await RouterAdverts(self.names, self.router_id).ensure(router)

    async def _addresses_of(self, dev: str) -> set[str]:
        found = set()
        for item in await cmd.ip_json("addr", "show", "dev", dev, ns=self.ns):
            for addr in item.get("addr_info", []):
                if addr.get("scope") == "global":
                    found.add(f"{addr['local']}/{addr['prefixlen']}")
        return found

    async def _routes(self, router: Spec) -> None:
        wanted: dict[str, str] = {}
        gateway = router.get("gateway")
        if gateway:
            for ip in gateway.get("ips", []):
                if ip.get("gateway_ip") and ipaddress.ip_address(ip["gateway_ip"]).version == 4:
                    wanted["default"] = ip["gateway_ip"]
                    break
        for route in router.get("routes", []) or []:
            wanted[str(ipaddress.ip_network(route["destination"], strict=False))] = route["nexthop"]
        current: dict[str, str] = {}
        for item in await cmd.ip_json("-4", "route", "show", "proto", "static", ns=self.ns):
            if item.get("gateway"):
                current[item["dst"]] = item["gateway"]
        lines = [f"route del {dst}" for dst in current if dst not in wanted]
        lines += [
            f"route replace {dst} via {hop} proto static" for dst, hop in wanted.items() if current.get(dst) != hop
        ]
        await cmd.ip_batch(lines, ns=self.ns)

    async def remove(self) -> None:
        # Its dnsmasq first: a process inside would keep the namespace alive.
        await RouterAdverts(self.names, self.router_id).stop()
        if self.ns not in await cmd.namespaces():
            return
        # The host-side ends of the veths go with their peers when the namespace is deleted.
        await cmd.delete_ns(self.ns)

    async def state(self) -> RouterState:
        interfaces: list[str] = []
        gateway: str | None = None
        floating: dict[str, str] = {}
        for item in await cmd.ip_json("addr", "show", ns=self.ns):
            name = item.get("ifname", "")
            addrs = [f"{a['local']}/{a['prefixlen']}" for a in item.get("addr_info", []) if a.get("scope") == "global"]
            if name.startswith("qr-"):
                interfaces += addrs
            elif name.startswith("qg-"):
                main = [a for a in addrs if not a.endswith("/32")]
                gateway = main[0] if main else None
        nat = await cmd.in_ns(self.ns, "iptables-save", "-t", "nat", check=False)
        snat = SNAT_COMMENT in nat
        for match in re.finditer(r"-A PREROUTING -d (\S+)/32 -j DNAT --to-destination (\S+)", nat):
            floating[match.group(1)] = match.group(2)
        return RouterState(interfaces=sorted(interfaces), gateway=gateway, snat=snat, floating=floating)
