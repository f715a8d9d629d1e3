"""DHCP for one network: a ``qdhcp`` namespace on the network's bridge running dnsmasq.

dnsmasq runs in static mode (it only answers MACs listed in its hosts file), with DNS off
(``--port=0``). It serves IPv4 subnets with DHCP enabled and IPv6 ones by their
``ipv6_address_mode``, as Neutron's dnsmasq driver does: ``dhcpv6-stateful`` (or no mode
at all) hands each port its fixed IPv6 address (a host line ``MAC,...,[v6]``; dnsmasq
finds a DHCPv6 client's MAC in its neighbour table), ``dhcpv6-stateless`` gives options
only (DNS), ``slaac`` is not served here (addresses come from the router's
advertisements, router.py). The namespace port holds the DHCP port's address on each
served subnet, IPv6 ones without duplicate address detection so dnsmasq can answer at once.

Port changes rewrite the hosts and options files and send SIGHUP, which
makes dnsmasq re-read them without dropping the leases it already gave. A change of the
command line (subnets, MTU) restarts it. The process is found again through its pid file,
and a pid is only signalled when ``/proc/PID/cmdline`` shows it is our dnsmasq.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
from pathlib import Path

from pocketstack.network.agent.base import BackendError, Spec, hands_out_addresses, serves_dhcp
from pocketstack.network.agent.linuxbridge import cmd, names
from pocketstack.network.agent.linuxbridge.names import Names

LEASE_SECONDS = 86400


def served_subnets(network: Spec) -> list[Spec]:
    """The subnets dnsmasq serves: IPv4 with DHCP enabled, IPv6 by address mode."""
    return [s for s in network.get("subnets", []) if serves_dhcp(s)]


def _addressed(network: Spec) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Subnets where dnsmasq hands out addresses: IPv4 ones and stateful IPv6 ones."""
    return [ipaddress.ip_network(s["cidr"]) for s in served_subnets(network) if hands_out_addresses(s)]


def dhcp_address(subnet: Spec) -> str:
    """The server's own address: the network's DHCP port address when the API gives it,
    else the last usable address of the subnet (specs written by hand, contract tests)."""
    given = subnet.get("dhcp_ip")
    if given:
        return str(given)
    net = ipaddress.ip_network(subnet["cidr"])
    return str(net.broadcast_address - 1)


def _tag(kind: str, ident: str) -> str:
    return f"{kind}-{ident}"


def _entries(network: Spec, ports: list[Spec], version: int) -> dict[str, str]:
    served = [n for n in _addressed(network) if n.version == version]
    hosts: dict[str, str] = {}
    for port in ports:
        for fixed in port.get("fixed_ips", []):
            address = ipaddress.ip_address(fixed["ip_address"])
            if any(address.version == n.version and address in n for n in served):
                hosts[port["mac_address"].lower()] = str(address)
                break
    return hosts


def host_entries(network: Spec, ports: list[Spec]) -> dict[str, str]:
    """MAC -> IPv4 address of every plugged port on a served subnet."""
    return _entries(network, ports, 4)


def host_entries6(network: Spec, ports: list[Spec]) -> dict[str, str]:
    """MAC -> IPv6 address of every plugged port on a stateful DHCPv6 subnet."""
    return _entries(network, ports, 6)


def render_hosts(network: Spec, ports: list[Spec]) -> str:
    """One line per port with an address to hand out: ``MAC,set:TAG,[IPv4,][[IPv6],]NAME``
    (one line may hold both families; dnsmasq picks the one each protocol needs)."""
    by_mac = {p["mac_address"].lower(): p for p in ports}
    v4, v6 = host_entries(network, ports), host_entries6(network, ports)
    lines = []
    for mac in sorted(set(v4) | set(v6)):
        port = by_mac[mac]
        addresses = ([v4[mac]] if mac in v4 else []) + ([f"[{v6[mac]}]"] if mac in v6 else [])
        first = v4.get(mac) or v6[mac]
        hostname = "host-" + first.replace(".", "-").replace(":", "-")
        lines.append(",".join([mac, f"set:{_tag('port', port['id'])}", *addresses, hostname]))
    return "\n".join(lines) + ("\n" if lines else "")


def render_opts(ports: list[Spec]) -> str:
    """Per-port ``extra_dhcp_opts`` (``option:`` or ``option6:`` by their ``ip_version``;
    numbers too), selected by the tag its host line sets."""
    lines = []
    for port in sorted(ports, key=lambda p: str(p["id"])):
        for opt in port.get("extra_dhcp_opts", []) or []:
            if opt.get("opt_value") is None:
                continue
            v6 = int(opt.get("ip_version", 4) or 4) == 6
            name = str(opt["opt_name"])
            # dnsmasq: a bare number is a DHCPv4 option; IPv6 ones always say option6:.
            key = f"option6:{name}" if v6 else name if name.isdigit() else f"option:{name}"
            lines.append(f"tag:{_tag('port', port['id'])},{key},{opt['opt_value']}")
    return "\n".join(lines) + ("\n" if lines else "")


def _subnet_options6(subnet: Spec) -> list[str]:
    tag = f"tag:{_tag('subnet', subnet['id'])}"
    dns = [f"[{d}]" for d in subnet.get("dns_nameservers", []) if ipaddress.ip_address(d).version == 6]
    # Only servers the subnet names: with DNS off (--port=0) dnsmasq offers none itself.
    return [f"--dhcp-option={tag},option6:dns-server,{','.join(dns)}"] if dns else []


def _subnet_options(subnet: Spec) -> list[str]:
    if int(subnet.get("ip_version", 4)) == 6:
        return _subnet_options6(subnet)
    tag = f"tag:{_tag('subnet', subnet['id'])}"
    gateway = subnet.get("gateway_ip")
    # An empty router option tells dnsmasq to send none (subnet without gateway).
    opts = [f"--dhcp-option={tag},option:router{',' + gateway if gateway else ''}"]
    dns = [d for d in subnet.get("dns_nameservers", []) if ipaddress.ip_address(d).version == 4]
    if dns:
        opts.append(f"--dhcp-option={tag},option:dns-server,{','.join(dns)}")
    routes = subnet.get("host_routes", []) or []
    if routes:
        # With option 121 clients ignore option 3, so the default route goes in it too.
        pairs = [f"{r['destination']},{r['nexthop']}" for r in routes]
        if gateway:
            pairs.append(f"0.0.0.0/0,{gateway}")
        opts.append(f"--dhcp-option={tag},option:classless-static-route,{','.join(pairs)}")
    return opts


class DhcpServer:
    """The qdhcp namespace and dnsmasq of one network on one host."""

    def __init__(self, where: Names, network_id: str) -> None:
        self.names = where
        self.network_id = network_id
        self.ns = where.dhcp_ns(network_id)
        self.dir = where.dhcp_dir(network_id)
        self.iface = names.dhcp_ns_side(network_id)

    @property
    def pid_file(self) -> Path:
        return self.dir / "pid"

    @property
    def hosts_file(self) -> Path:
        return self.dir / "hosts"

    @property
    def opts_file(self) -> Path:
        return self.dir / "opts"

    @property
    def leases_file(self) -> Path:
        return self.dir / "leases"

    def argv(self, network: Spec) -> list[str]:
        subnets = served_subnets(network)
        args = [
            *dnsmasq_base(self.pid_file, self.dir / "log"),
            f"--interface={self.iface}",
            "--dhcp-authoritative",
            f"--dhcp-hostsfile={self.hosts_file}",
            f"--dhcp-optsfile={self.opts_file}",
            f"--dhcp-leasefile={self.leases_file}",
            "--log-dhcp",
            f"--dhcp-option=option:mtu,{int(network.get('mtu') or 1500)}",
        ]
        for subnet in sorted(subnets, key=lambda s: str(s["id"])):
            net = ipaddress.ip_network(subnet["cidr"])
            tag = _tag("subnet", subnet["id"])
            # IPv6 ranges take a prefix length where IPv4 ones take a netmask.
            mask = net.netmask if net.version == 4 else net.prefixlen
            args.append(f"--dhcp-range=set:{tag},{net.network_address},static,{mask},{LEASE_SECONDS}s")
            args.extend(_subnet_options(subnet))
        return args

    # -- the process -------------------------------------------------------------------

    def running_pid(self) -> int | None:
        """The pid of our live dnsmasq for this network, or None."""
        return live_pid(self.pid_file)

    def running_argv(self) -> list[str] | None:
        pid = self.running_pid()
        if pid is None:
            return None
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return [part.decode() for part in raw.split(b"\0") if part]

    async def _start(self, network: Spec) -> None:
        self.pid_file.unlink(missing_ok=True)
        # dnsmasq checks its options and binds before it daemonizes: a bad start fails here.
        await cmd.in_ns(self.ns, *self.argv(network))
        for _ in range(100):
            if self.running_pid() is not None:
                return
            await asyncio.sleep(0.01)
        raise BackendError(f"dnsmasq for network {self.network_id} did not write {self.pid_file}")

    async def stop(self) -> None:
        await stop_pid_file(self.pid_file)

    def reload(self) -> bool:
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGHUP)
        return True

    # -- the namespace and its wiring --------------------------------------------------

    async def ensure(self, network: Spec, ports: list[Spec]) -> None:
        """Namespace, veth to the bridge, one address per served subnet, files, dnsmasq."""
        subnets = served_subnets(network)
        if not subnets:
            await self.remove()
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        await cmd.ensure_ns(self.ns)
        host_ns = self.names.host_ns
        outside = names.dhcp_host_side(self.network_id)
        mtu = int(network.get("mtu") or 1500)
        if outside not in await cmd.links(host_ns):
            await cmd.ip(
                "link", "add", outside, "type", "veth", "peer", "name", self.iface, "netns", self.ns, ns=host_ns
            )
        await cmd.ip_batch(
            [
                f"link set {outside} master {names.bridge(self.network_id)} mtu {mtu} up",
            ],
            ns=host_ns,
        )
        await self._addresses(subnets, mtu)
        self.write_files(network, ports)
        wanted = self.argv(network)
        current = self.running_argv()
        if current != wanted:
            await self.stop()
            await self._start(network)

    async def _addresses(self, subnets: list[Spec], mtu: int) -> None:
        wanted = set()
        for subnet in subnets:
            net = ipaddress.ip_network(subnet["cidr"])
            wanted.add(f"{ipaddress.ip_address(dhcp_address(subnet))}/{net.prefixlen}")
        have = set()
        for item in await cmd.ip_json("addr", "show", "dev", self.iface, ns=self.ns):
            for addr in item.get("addr_info", []):
                if addr.get("family") == "inet" or (addr.get("family") == "inet6" and addr.get("scope") == "global"):
                    have.add(f"{addr['local']}/{addr['prefixlen']}")
        if any(":" in a for a in wanted):
            # No duplicate address detection on this port (link-local included): DHCPv6
            # must answer as soon as dnsmasq starts, not after a second of "tentative".
            await cmd.in_ns(self.ns, "sysctl", "-q", "-w", f"net.ipv6.conf.{self.iface}.accept_dad=0")
        lines = [f"link set {self.iface} mtu {mtu} up"]
        lines += [f"addr del {a} dev {self.iface}" for a in sorted(have - wanted)]
        lines += [f"addr add {a} dev {self.iface}" + (" nodad" if ":" in a else "") for a in sorted(wanted - have)]
        await cmd.ip_batch(lines, ns=self.ns)

    def write_files(self, network: Spec, ports: list[Spec]) -> None:
        _write_atomic(self.hosts_file, render_hosts(network, ports))
        _write_atomic(self.opts_file, render_opts(ports))

    async def update_hosts(self, network: Spec, ports: list[Spec]) -> None:
        """Rewrite the host entries and have dnsmasq re-read them (no restart of leases)."""
        if not served_subnets(network):
            return
        self.write_files(network, ports)
        if not self.reload():
            await self.ensure(network, ports)

    async def remove(self) -> None:
        await self.stop()
        await cmd.ip("link", "del", names.dhcp_host_side(self.network_id), ns=self.names.host_ns, check=False)
        await cmd.delete_ns(self.ns)
        for path in (self.pid_file, self.hosts_file, self.opts_file, self.leases_file, self.dir / "log"):
            path.unlink(missing_ok=True)

    def hosts_in_place(self, version: int = 4) -> dict[str, str]:
        """MAC -> IPv4 (or IPv6) address as the hosts file dnsmasq reads says."""
        try:
            text = self.hosts_file.read_text()
        except OSError:
            return {}
        hosts = {}
        for line in text.splitlines():
            mac, *fields = line.split(",")
            for field in fields:
                if version == 6 and field.startswith("["):
                    hosts[mac] = field.strip("[]")
                elif version == 4 and field[:1].isdigit():
                    hosts[mac] = field
        return hosts

    def ranges_in_place(self) -> list[str]:
        """CIDRs of the ``--dhcp-range`` options of the running dnsmasq."""
        argv = self.running_argv() or []
        cidrs = []
        for arg in argv:
            if arg.startswith("--dhcp-range="):
                fields = arg.split("=", 1)[1].split(",")
                cidrs.append(str(ipaddress.ip_network(f"{fields[1]}/{fields[3]}")))
        return sorted(cidrs)


def dnsmasq_base(pid_file: Path, log: Path) -> list[str]:
    """The dnsmasq options every one of ours has: no DNS, no system config, bound only to
    the interfaces named after these, running as root inside its namespace."""
    return [
        "dnsmasq",
        "--no-hosts",
        "--no-resolv",
        "--port=0",
        "--conf-file=/dev/null",
        "--bind-interfaces",
        "--except-interface=lo",
        "--user=root",
        "--group=root",
        f"--pid-file={pid_file}",
        f"--log-facility={log}",
    ]


def live_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if it is a live dnsmasq started with that pid file."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    # A recycled pid or a zombie is not our server.
    if state == "Z" or f"--pid-file={pid_file}".encode() not in cmdline:
        return None
    return pid


async def stop_pid_file(pid_file: Path) -> None:
    """End the dnsmasq of ``pid_file`` (TERM, then KILL after two seconds)."""
    pid = live_pid(pid_file)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    for _ in range(200):
        if live_pid(pid_file) is None:
            return
        await asyncio.sleep(0.01)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _write_atomic(path: Path, text: str) -> None:
    # dnsmasq may read on a SIGHUP sent by a concurrent update: never show it half a file.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
