"""Router advertisements of one router: a dnsmasq in the ``qrouter`` namespace, in RA mode.

Neutron's L3 agent runs radvd there for the router's legs on IPv6 subnets with an
``ipv6_ra_mode``; dnsmasq does the same job here (``--enable-ra``) and serves no DHCP:
every client is ignored (``--dhcp-ignore=tag:!known`` with no known host), the network's
own dnsmasq in ``qdhcp`` answers DHCPv6. The mode sets the advertisement's flags:

- ``slaac``: ``ra-only`` (prefix with the autonomous flag: hosts make EUI-64 addresses);
- ``dhcpv6-stateless``: ``ra-stateless`` (autonomous + "other configuration" flag);
- ``dhcpv6-stateful``: a ``static`` range (the "managed" flag: ask DHCPv6 for an address).

The process is found through its pid file under the host's ``dhcp`` directory, so the
backend's cleanup ends it like the DHCP servers.
"""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

from pocketstack.network.agent.base import BackendError, Spec
from pocketstack.network.agent.linuxbridge import cmd, names
from pocketstack.network.agent.linuxbridge.dhcp import dnsmasq_base, live_pid, stop_pid_file
from pocketstack.network.agent.linuxbridge.names import Names

MODES = {"slaac": "ra-only", "dhcpv6-stateless": "ra-stateless", "dhcpv6-stateful": "static"}


def advertised(router: Spec) -> list[tuple[str, str, str]]:
    """(leg, prefix CIDR, dnsmasq mode) for each interface address to advertise."""
    result = []
    for interface in router.get("interfaces", []):
        for ip in interface.get("ips", []):
            mode = MODES.get(str(ip.get("ipv6_ra_mode")))
            net = ipaddress.ip_network(ip["cidr"])
            if mode and net.version == 6:
                result.append((names.router_leg(interface["port_id"]), str(net), mode))
    return sorted(result)


class RouterAdverts:
    def __init__(self, where: Names, router_id: str) -> None:
        self.router_id = router_id
        self.ns = where.router_ns(router_id)
        self.dir = where.state_dir / "dhcp" / f"ra-{router_id}"

    @property
    def pid_file(self) -> Path:
        return self.dir / "pid"

    def argv(self, router: Spec) -> list[str]:
        legs = advertised(router)
        args = [
            *dnsmasq_base(self.pid_file, self.dir / "log"),
            "--enable-ra",
            # Advertisements only: the qdhcp dnsmasq answers DHCPv6.
            "--dhcp-ignore=tag:!known",
        ]
        for leg in sorted({leg for leg, _, _ in legs}):
            args.append(f"--interface={leg}")
        for leg, cidr, mode in legs:
            net = ipaddress.ip_network(cidr)
            args.append(f"--dhcp-range=set:{leg},{net.network_address},{mode},{net.prefixlen}")
        return args

    def running_argv(self) -> list[str] | None:
        pid = live_pid(self.pid_file)
        if pid is None:
            return None
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return [part.decode() for part in raw.split(b"\0") if part]

    async def ensure(self, router: Spec) -> None:
        """Advertise what ``router`` says; no process when nothing is to be advertised."""
        if not advertised(router):
            await self.stop()
            return
        wanted = self.argv(router)
        if self.running_argv() == wanted:
            return
        await self.stop()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        await cmd.in_ns(self.ns, *wanted)
        for _ in range(100):
            if live_pid(self.pid_file) is not None:
                return
            await asyncio.sleep(0.01)
        raise BackendError(f"dnsmasq (router advertisements) of router {self.router_id} did not start")

    async def stop(self) -> None:
        await stop_pid_file(self.pid_file)
        for path in (self.pid_file, self.dir / "log"):
            path.unlink(missing_ok=True)

    def running(self) -> bool:
        return live_pid(self.pid_file) is not None
