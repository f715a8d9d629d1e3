"""Security groups and anti-spoofing for the taps of one host, rendered as whole tables.

br_netfilter is on in every new namespace here (FINDINGS), so bridged IP traffic passes
the host namespace's iptables FORWARD chain, where ``-m physdev`` tells which tap it
comes from or goes to and conntrack lets replies back in. The bridge family of nftables
has no conntrack on this kernel, so it only does what needs no state: a tap may send
frames and ARP only from its port's MAC and addresses (plus allowed address pairs).

Everything is rendered from the specs of all plugged ports and loaded in one
``iptables-restore`` / ``nft -f`` each: atomic, idempotent, and remote-group rules
follow group membership on this host without bookkeeping.

Chain layout (per filtered port; X = the first 11 characters of the port id):
FORWARD first sends a tap's outgoing packets to ``pso-X`` (egress: DHCP client,
anti-spoofing ``pss-X``, egress rules; RETURN when allowed, DROP otherwise), then packets
to a tap to ``psi-X`` (ingress: replies, DHCP offers, ingress rules; ACCEPT or DROP).
IPv6 (ip6tables, rules of ethertype IPv6) adds what the protocol needs whatever the
rules: duplicate address detection from ``::``, the port's link-local sources (fe80::/64
with its MAC), neighbour/router solicitations and MLD out, neighbour and router
advertisements and MLD queries in, DHCPv6 client->server out and its answers in; a VM
may not send router advertisements nor DHCPv6 answers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pocketstack.network.agent.base import Spec
from pocketstack.network.agent.linuxbridge import names

NFT_TABLE = "pocketstack"

# Neutron protocol names -> numbers, so no /etc/protocols is needed.
PROTOCOLS = {
    "tcp": 6,
    "udp": 17,
    "icmp": 1,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "sctp": 132,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "udplite": 136,
    "dccp": 33,
    "igmp": 2,
    "ospf": 89,
    "vrrp": 112,
}

# ICMPv6 that IPv6 itself needs (router/neighbour discovery, MLD): always allowed.
ND_OUT = (133, 135, 136, 143)
ND_IN = (130, 134, 135, 136)


def is_filtered(port: Spec) -> bool:
    return bool(port.get("port_security_enabled", True))


def port_groups(port: Spec) -> set[str]:
    """Groups of a port, as far as its spec tells (the groups its rules belong to)."""
    groups = {str(r["security_group_id"]) for r in port.get("security_group_rules", []) if r.get("security_group_id")}
    groups.update(str(g) for g in port.get("security_groups", []) or [])
    return groups


@dataclass(frozen=True)
class Pair:
    mac: str
    address: str  # an address or a CIDR


def allowed_pairs(port: Spec) -> list[Pair]:
    mac = port["mac_address"].lower()
    pairs = [Pair(mac, ip["ip_address"]) for ip in port.get("fixed_ips", [])]
    for extra in port.get("allowed_address_pairs", []) or []:
        pairs.append(Pair(str(extra.get("mac_address") or mac).lower(), str(extra["ip_address"])))
    return pairs


def _version(address: str) -> int:
    return ipaddress.ip_network(address, strict=False).version


def _chain(kind: str, port_id: str) -> str:
    return f"ps{kind}-{port_id[:11]}"


def _protocol(rule: Spec, version: int) -> list[str]:
    proto = rule.get("protocol")
    if proto in (None, "", "any", "0"):
        return []
    number = int(proto) if str(proto).isdigit() else PROTOCOLS.get(str(proto).lower())
    if number is None:
        raise ValueError(f"unknown protocol {proto!r}")
    if version == 6 and number == 1:
        number = 58
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    parts = ["-p", str(number)]
    if number in (6, 17, 132, 136, 33):
        name = {6: "tcp", 17: "udp", 132: "sctp", 136: "udplite", 33: "dccp"}[number]
        if low is not None or high is not None:
            lo = low if low is not None else 1
            hi = high if high is not None else 65535
            parts += ["-m", name, "--dport", f"{lo}:{hi}" if lo != hi else str(lo)]
    elif number in (1, 58) and low is not None:
        kind = f"{low}/{high}" if high is not None else str(low)
        parts += ["-m", "icmp", "--icmp-type", kind] if number == 1 else ["-m", "icmp6", "--icmpv6-type", kind]
    return parts


def _remotes(rule: Spec, version: int, members: dict[str, list[str]]) -> list[str | None]:
    """Remote addresses a rule matches: [None] = any, [] = nothing (an empty group)."""
    if rule.get("remote_group_id"):
        return [a for a in members.get(str(rule["remote_group_id"]), []) if _version(a) == version]
    prefix = rule.get("remote_ip_prefix")
    if prefix:
        return [str(ipaddress.ip_network(prefix, strict=False))] if _version(prefix) == version else []
    return [None]


def _rule_lines(chain: str, port: Spec, version: int, direction: str, members: dict[str, list[str]]) -> list[str]:
    target = "ACCEPT" if direction == "ingress" else "RETURN"
    side = "-s" if direction == "ingress" else "-d"
    lines = []
    ethertype = "IPv4" if version == 4 else "IPv6"
    for rule in sorted(port.get("security_group_rules", []), key=lambda r: str(r.get("id"))):
        if rule.get("direction") != direction or rule.get("ethertype", "IPv4") != ethertype:
            continue
        proto = _protocol(rule, version)
        comment = ["-m", "comment", "--comment", f"rule-{rule.get('id')}"]
        for remote in _remotes(rule, version, members):
            match = [side, remote] if remote else []
            lines.append(" ".join(["-A", chain, *match, *proto, *comment, "-j", target]))
    return lines


def _group_members(ports: list[Spec]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for port in ports:
        for group in port_groups(port):
            members.setdefault(group, []).extend(ip["ip_address"] for ip in port.get("fixed_ips", []))
    return members


def render_iptables(ports: list[Spec], version: int) -> str:
    """The whole ``filter`` table of the host namespace for IPv4 (4) or IPv6 (6)."""
    filtered = [p for p in sorted(ports, key=lambda p: str(p["id"])) if is_filtered(p)]
    members = _group_members(ports)
    head = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    jumps_out: list[str] = []
    jumps_in: list[str] = []
    body: list[str] = []
    for port in filtered:
        tap = names.tap(port["id"])
        out_c, in_c, spoof_c = (_chain(k, port["id"]) for k in ("o", "i", "s"))
        head += [f":{c} - [0:0]" for c in (out_c, in_c, spoof_c)]
        jumps_out.append(f"-A FORWARD -m physdev --physdev-in {tap} --physdev-is-bridged -j {out_c}")
        jumps_in.append(f"-A FORWARD -m physdev --physdev-out {tap} --physdev-is-bridged -j {in_c}")
        # Egress: the DHCP client's first packets come from no address yet.
        if version == 4:
            body.append(f"-A {out_c} -s 0.0.0.0/32 -d 255.255.255.255/32 -p 17 -m udp --sport 68 --dport 67 -j RETURN")
        else:
            # Duplicate address detection sends from the unspecified address.
            body.append(f"-A {out_c} -s ::/128 -p 58 -j RETURN")
        body.append(f"-A {out_c} -j {spoof_c}")
        # A VM is no DHCP server (nor IPv6 router) for the others.
        if version == 4:
            body.append(f"-A {out_c} -p 17 -m udp --sport 67 --dport 68 -j DROP")
        else:
            body.append(f"-A {out_c} -p 17 -m udp --sport 547 --dport 546 -j DROP")
            body.append(f"-A {out_c} -p 58 -m icmp6 --icmpv6-type 134 -j DROP")
            body += [f"-A {out_c} -p 58 -m icmp6 --icmpv6-type {t} -j RETURN" for t in ND_OUT]
            # DHCPv6 client -> server (from the link-local address, to ff02::1:2), whatever
            # the egress rules say, as Neutron allows it.
            body.append(f"-A {out_c} -p 17 -m udp --sport 546 --dport 547 -j RETURN")
        body.append(f"-A {out_c} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN")
        body.append(f"-A {out_c} -m conntrack --ctstate INVALID -j DROP")
        body += _rule_lines(out_c, port, version, "egress", members)
        body.append(f"-A {out_c} -j DROP")
        # Anti-spoofing: (source address, source MAC) must be one of the port's pairs.
        for pair in allowed_pairs(port):
            if _version(pair.address) == version:
                net = ipaddress.ip_network(pair.address, strict=False)
                body.append(f"-A {spoof_c} -s {net} -m mac --mac-source {pair.mac} -j RETURN")
        if version == 6:
            macs = sorted({p.mac for p in allowed_pairs(port)})
            body += [f"-A {spoof_c} -s fe80::/64 -m mac --mac-source {m} -j RETURN" for m in macs]
        body.append(f"-A {spoof_c} -j DROP")
        # Ingress.
        body.append(f"-A {in_c} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
        if version == 4:
            body.append(f"-A {in_c} -p 17 -m udp --sport 67 --dport 68 -j ACCEPT")
        else:
            body += [f"-A {in_c} -p 58 -m icmp6 --icmpv6-type {t} -j ACCEPT" for t in ND_IN]
            # DHCPv6 replies: the request went to a multicast group, so conntrack does not
            # see the unicast answer as a reply.
            body.append(f"-A {in_c} -p 17 -m udp --sport 547 --dport 546 -j ACCEPT")
        body.append(f"-A {in_c} -m conntrack --ctstate INVALID -j DROP")
        body += _rule_lines(in_c, port, version, "ingress", members)
        body.append(f"-A {in_c} -j DROP")
    return "\n".join([*head, *jumps_out, *jumps_in, *body, "COMMIT", ""])


def render_nft(ports: list[Spec]) -> str:
    """The bridge-family table: frames and ARP from a filtered tap carry its own MAC/IPs."""
    lines = [
        f"add table bridge {NFT_TABLE}",
        f"delete table bridge {NFT_TABLE}",
        f"table bridge {NFT_TABLE} {{",
        "  chain forward {",
        "    type filter hook forward priority 0; policy accept;",
    ]
    chains: list[str] = []
    for port in sorted(ports, key=lambda p: str(p["id"])):
        if not is_filtered(port):
            continue
        chain = f"port-{port['id'][:11]}"
        lines.append(f'    iifname "{names.tap(port["id"])}" jump {chain}')
        pairs = allowed_pairs(port)
        macs = ", ".join(sorted({p.mac for p in pairs}))
        ips = ", ".join(
            sorted({str(ipaddress.ip_network(p.address, strict=False)) for p in pairs if _version(p.address) == 4})
        )
        chains.append(f"  chain {chain} {{")
        chains.append(f"    ether saddr != {{ {macs} }} drop")
        chains.append(f"    ether type arp arp saddr ether != {{ {macs} }} drop")
        # 0.0.0.0 is the sender of ARP probes (address conflict detection).
        allowed = f"0.0.0.0, {ips}" if ips else "0.0.0.0"
        chains.append(f"    ether type arp arp saddr ip != {{ {allowed} }} drop")
        chains.append("  }")
    lines.append("  }")
    lines += chains
    lines.append("}")
    return "\n".join(lines) + "\n"
