"""The real data plane without QEMU (issue 5, acceptance): the network API and a host
agent on the ``linuxbridge`` backend, and "VMs" that are namespaces reaching their port's
real tap through a relay that opens the tap as QEMU does (tests/e2e/netvm.py).

- a bound port is plugged; the VM's busybox udhcpc gets exactly the port's fixed IP from
  dnsmasq, and network-vif-plugged is sent;
- IPv6: two VMs get their ports' addresses by stateful DHCPv6 (ISC dhclient -6) and
  ping6 each other only once their group allows ICMP ingress of ethertype IPv6 (an IPv4
  rule is not enough; neighbour discovery always works); a VM on a SLAAC subnet attached
  to a router makes its port's EUI-64 address and default route from the router's RA;
- two VMs ping each other only once their group allows ICMP ingress; a VM sending from
  an address not its own is dropped until the address is an allowed address pair;
- across a router two subnets reach each other; a floating IP is reachable (DNAT) from a
  namespace on the external network's bridge; a dnsmasq that dies is started again;
- a restarted agent rebuilds the host (after a "reboot") without what was deleted
  meanwhile, and brings routers to what the API has (one deleted while it was down is
  gone with its namespace, an interface added meanwhile is there);
- ``cleanup_all`` removes every namespace and dnsmasq of the cloud.

Every test removes its namespaces, relays and dnsmasq (fixture teardown, ``cleanup_all``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pocketstack.network.agent.base import RouterState
from pocketstack.network.agent.linuxbridge import LinuxBridgeBackend, cleanup_all, cmd, names
from pocketstack.network.agent.linuxbridge.dhcp import DhcpServer, stop_pid_file
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.service import NetworkService
from pocketstack.runtime import Runtime
from pocketstack.testing.service import running_services
from tests.api.network_support import Api
from tests.e2e.netvm import Namespace, OutsideHost, TapVM

pytestmark = [pytest.mark.e2e, pytest.mark.root]

HOST = "host1"
_NO_ROUTER = RouterState(interfaces=[], gateway=None, snat=False, floating={})
TOOLS = ("ip", "dnsmasq", "busybox", "iptables-restore", "ip6tables-restore", "nft")


class Recorder:
    """The network service's notifier: keeps the events it would send to compute."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def send(self, events: list[dict[str, Any]]) -> bool:
        self.events.extend(events)
        return True


@dataclass
class Plane:
    api: Api
    backend: LinuxBridgeBackend
    agent: NetworkAgent
    runtime: Runtime
    notifier: Recorder
    data_dir: Path
    made: list[Namespace] = field(default_factory=list)

    async def bound_port(self, network_id: str, name: str, **attrs: Any) -> dict[str, Any]:
        port = await self.api.port(network_id, device_id=f"server-{name}", device_owner="compute:nova", **attrs)
        r = await self.api.put(f"ports/{port['id']}", {"port": {"binding:host_id": HOST}}, "admin")
        assert r.status_code == 200, r.text

        async def active() -> bool:
            shown = (await self.api.get(f"ports/{port['id']}", "admin")).json()["port"]
            return bool(shown["status"] == "ACTIVE")

        await wait_for(active, f"port {name} ACTIVE")
        return port

    def vm(self, name: str, port: dict[str, Any]) -> TapVM:
        host_ns, tap = self.backend.vif_device(port["id"])
        vm = TapVM(self.data_dir, name, host_ns, tap, port["mac_address"])
        self.made.append(vm)
        return vm

    def outside(self, name: str, network_id: str, cidr: str, gateway: str | None = None) -> OutsideHost:
        host = OutsideHost(self.data_dir, name, self.backend.host_ns, names.bridge(network_id), cidr, gateway)
        self.made.append(host)
        return host


async def wait_for(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def plane(tmp_path: Path) -> AsyncIterator[Plane]:
    if os.geteuid() != 0:
        pytest.skip("the linuxbridge data plane needs root")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (scripts/setup.sh installs them)")
    notifier = Recorder()
    factory = [lambda rt: NetworkService(rt, notifier, local_agents=False)]
    async with running_services(factory, tmp_path) as (runtime, _services, client):  # type: ignore[arg-type]
        backend = LinuxBridgeBackend(HOST, tmp_path, monitor_interval=0.2)
        agent = NetworkAgent(runtime.bus, HOST, backend)
        result = Plane(Api(client, runtime), backend, agent, runtime, notifier, tmp_path)
        try:
            await agent.start()
            yield result
        finally:
            for made in result.made:
                made.close()
            # The test may have replaced the agent and backend (restart): end the current ones.
            await result.agent.stop()
            await result.backend.cleanup()
            await cleanup_all(tmp_path)
    assert not [ns for ns in await _namespaces() if ns.startswith(names.cloud_prefix(tmp_path))]


async def _namespaces() -> list[str]:
    proc = await asyncio.create_subprocess_exec("ip", "netns", "list", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return [line.split()[0] for line in out.decode().splitlines() if line.strip()]


async def group(api: Api, name: str) -> dict[str, Any]:
    return await api.made("security-groups", "security_group", name=name)


async def allow_icmp(api: Api, sg_id: str) -> dict[str, Any]:
    return await api.made(
        "security-group-rules", "security_group_rule", security_group_id=sg_id, direction="ingress", protocol="icmp"
    )


async def test_bound_port_gets_its_fixed_ip_by_dhcp_and_vif_plugged(plane: Plane) -> None:
    net, _ = await plane.api.net_with_subnet("10.40.0.0/24")
    port = await plane.bound_port(net["id"], "a")
    fixed = port["fixed_ips"][0]["ip_address"]
    assert {"name": "network-vif-plugged", "server_uuid": "server-a", "tag": port["id"], "status": "completed"} in (
        plane.notifier.events
    )
    vm = plane.vm("a", port)
    assert await vm.dhcp() == fixed
    assert vm.addresses() == [fixed]
    # dnsmasq answers from the network's DHCP port address, which the VM reaches.
    dhcp_ports = (await plane.api.get("ports", "admin", device_owner="network:dhcp", network_id=net["id"])).json()
    dhcp_ip = dhcp_ports["ports"][0]["fixed_ips"][0]["ip_address"]
    assert await vm.ping(dhcp_ip, count=1)


async def test_security_group_icmp_and_anti_spoofing(plane: Plane) -> None:
    net, _ = await plane.api.net_with_subnet("10.41.0.0/24")
    sg = await group(plane.api, "no-icmp")
    a = await plane.bound_port(net["id"], "a", security_groups=[sg["id"]])
    b = await plane.bound_port(net["id"], "b", security_groups=[sg["id"]])
    vm_a, vm_b = plane.vm("a", a), plane.vm("b", b)
    ip_a, ip_b = a["fixed_ips"][0]["ip_address"], b["fixed_ips"][0]["ip_address"]
    assert (await vm_a.dhcp(), await vm_b.dhcp()) == (ip_a, ip_b)
    assert not await vm_a.ping(ip_b, count=1)

    rule = await allow_icmp(plane.api, sg["id"])

    async def rule_in_place() -> bool:
        fw = (await plane.backend.state()).ports[b["id"]].firewall
        return fw is not None and rule["id"] in [r["id"] for r in fw]

    await wait_for(rule_in_place, "the ICMP rule on port b")
    assert await vm_a.ping(ip_b)

    # A moves to an address that is not its port's: its packets (and ARP) are dropped.
    spoofed = "10.41.0.77"
    in_a = ("ip", "-n", vm_a.ns)
    await _run(*in_a, "addr", "flush", "dev", "eth0")
    await _run(*in_a, "addr", "add", f"{spoofed}/24", "dev", "eth0")
    assert not await vm_a.ping(ip_b, count=1)
    r = await plane.api.put(f"ports/{a['id']}", {"port": {"allowed_address_pairs": [{"ip_address": spoofed}]}})
    assert r.status_code == 200, r.text

    async def pair_in_place() -> bool:
        return bool((await plane.backend.state()).ports[a["id"]].allowed_address_pairs)

    await wait_for(pair_in_place, "the allowed address pair on port a")
    assert await vm_a.ping(ip_b)


async def test_ipv6_stateful_dhcp_and_icmpv6_security_group(plane: Plane) -> None:
    api = plane.api
    net = await api.network(name="v6")
    await api.subnet(net["id"], "fd00:41::/64", ipv6_address_mode="dhcpv6-stateful")
    sg = await group(api, "no-icmp")
    a = await plane.bound_port(net["id"], "a", security_groups=[sg["id"]])
    b = await plane.bound_port(net["id"], "b", security_groups=[sg["id"]])
    ip_a, ip_b = a["fixed_ips"][0]["ip_address"], b["fixed_ips"][0]["ip_address"]
    assert ":" in ip_a and ":" in ip_b
    state = (await plane.backend.state()).networks[net["id"]]
    assert state.dhcp6_hosts == {a["mac_address"]: ip_a, b["mac_address"]: ip_b}
    vm_a, vm_b = plane.vm("a", a), plane.vm("b", b)
    # DHCPv6 (from the link-local address, through the firewall) gives each its port's address.
    assert (await vm_a.dhcp6(), await vm_b.dhcp6()) == (ip_a, ip_b)
    assert vm_a.addresses(family="inet6") == [ip_a]
    assert not await vm_a.ping6(ip_b, count=1)
    # An IPv4 ICMP rule does not open IPv6.
    v4 = await allow_icmp(api, sg["id"])
    assert v4["ethertype"] == "IPv4"

    async def has(rule_id: str) -> bool:
        fw = (await plane.backend.state()).ports[b["id"]].firewall
        return fw is not None and rule_id in [r["id"] for r in fw]

    await wait_for(lambda: has(v4["id"]), "the IPv4 ICMP rule on port b")
    assert not await vm_a.ping6(ip_b, count=1)
    v6 = await api.made(
        "security-group-rules",
        "security_group_rule",
        security_group_id=sg["id"],
        direction="ingress",
        protocol="icmp",
        ethertype="IPv6",
    )
    await wait_for(lambda: has(v6["id"]), "the IPv6 ICMP rule on port b")
    # Neighbour discovery worked all along: only the echo request was dropped.
    assert await vm_a.ping6(ip_b) and await vm_b.ping6(ip_a)


async def test_slaac_subnet_on_a_router_gets_addresses_from_router_advertisements(plane: Plane) -> None:
    api = plane.api
    net = await api.network(name="slaac")
    sub = await api.subnet(net["id"], "fd00:42::/64", ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    router = await api.made("routers", "router", name="r6")
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    assert r.status_code == 200, r.text
    a = await plane.bound_port(net["id"], "a")
    # The port's address is the EUI-64 one the VM will make itself.
    ip_a = a["fixed_ips"][0]["ip_address"]
    assert ip_a.startswith("fd00:42::") and "ff:fe" in ip_a

    async def advertising() -> bool:
        routers = (await plane.backend.state()).routers
        return router["id"] in routers and routers[router["id"]].interfaces == ["fd00:42::1/64"]

    await wait_for(advertising, "the router's IPv6 leg")
    vm = plane.vm("a", a)
    assert await vm.slaac() == [ip_a]
    # ... and learns the router as its default gateway (a link-local next hop).
    default = (await _output("ip", "-n", vm.ns, "-6", "route", "show", "default")).split()
    assert default[:3] == ["default", "via", default[2]] and default[2].startswith("fe80::"), default
    # The advertising router answers at the subnet's gateway address.
    assert await vm.ping6("fd00:42::1", count=3)


async def test_port_security_disabled_means_no_filtering(plane: Plane) -> None:
    net, _ = await plane.api.net_with_subnet("10.42.0.0/24")
    sg = await group(plane.api, "no-icmp")
    a = await plane.bound_port(net["id"], "a", security_groups=[sg["id"]])
    b = await plane.bound_port(net["id"], "b", security_groups=[], port_security_enabled=False)
    vm_a, vm_b = plane.vm("a", a), plane.vm("b", b)
    ip_a, ip_b = a["fixed_ips"][0]["ip_address"], b["fixed_ips"][0]["ip_address"]
    assert (await vm_a.dhcp(), await vm_b.dhcp()) == (ip_a, ip_b)
    assert (await plane.backend.state()).ports[b["id"]].firewall is None
    assert await vm_a.ping(ip_b)  # b is unfiltered
    assert not await vm_b.ping(ip_a, count=1)  # a's group has no ICMP ingress


async def test_router_joins_subnets_and_floating_ip_is_reachable_from_outside(plane: Plane) -> None:
    api = plane.api
    net1, sub1 = await api.net_with_subnet("10.51.0.0/24")
    net2 = await api.network(name="net2")
    sub2 = await api.subnet(net2["id"], "10.52.0.0/24")
    ext = await api.network("admin", name="public", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.9.0/24", "admin", enable_dhcp=False, gateway_ip="172.24.9.1")
    router = await api.made("routers", "router", name="r1")
    for sub in (sub1, sub2):
        r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
        assert r.status_code == 200, r.text
    # Ports in the default group: ingress from the same group is allowed (remote group).
    a = await plane.bound_port(net1["id"], "a")
    b = await plane.bound_port(net2["id"], "b")
    vm_a, vm_b = plane.vm("a", a), plane.vm("b", b)

    async def legs() -> bool:
        routers = (await plane.backend.state()).routers
        return router["id"] in routers and len(routers[router["id"]].interfaces) == 2

    await wait_for(legs, "the router's two legs")
    ip_a, ip_b = a["fixed_ips"][0]["ip_address"], b["fixed_ips"][0]["ip_address"]
    assert (await vm_a.dhcp(), await vm_b.dhcp()) == (ip_a, ip_b)
    assert await vm_a.ping(ip_b) and await vm_b.ping(ip_a)

    r = await api.put(f"routers/{router['id']}", {"router": {"external_gateway_info": {"network_id": ext["id"]}}})
    assert r.status_code == 200, r.text
    fip = await api.made("floatingips", "floatingip", floating_network_id=ext["id"], port_id=a["id"])
    address = fip["floating_ip_address"]

    async def floating() -> bool:
        state = (await plane.backend.state()).routers.get(router["id"])
        return state is not None and state.floating.get(address) == ip_a

    await wait_for(floating, "the floating IP's DNAT")
    outside = plane.outside("ext", ext["id"], "172.24.9.100/24")
    # The default group lets only its members in: the outside host is not one yet.
    assert not await outside.ping(address, count=1)
    sg_default = [g for g in (await api.get("security-groups")).json()["security_groups"] if g["name"] == "default"]
    await allow_icmp(api, sg_default[0]["id"])

    async def reachable() -> bool:
        return await outside.ping(address, count=1)

    await wait_for(reachable, f"ping of floating IP {address} from outside", timeout=15)


async def test_dead_dnsmasq_is_restarted_and_keeps_serving(plane: Plane) -> None:
    net, _ = await plane.api.net_with_subnet("10.43.0.0/24")
    port = await plane.bound_port(net["id"], "a")
    server = DhcpServer(plane.backend.names, net["id"])
    pid = server.running_pid()
    assert pid is not None
    os.kill(pid, 9)

    async def restarted() -> bool:
        now = server.running_pid()
        return now is not None and now != pid

    await wait_for(restarted, "dnsmasq started again")
    assert plane.backend.dhcp_restarts >= 1
    assert await plane.vm("a", port).dhcp() == port["fixed_ips"][0]["ip_address"]


async def test_agent_restart_rebuilds_the_host_and_drops_what_was_deleted(plane: Plane) -> None:
    api = plane.api
    net1, _ = await api.net_with_subnet("10.44.0.0/24")
    net2 = await api.network(name="gone")
    await api.subnet(net2["id"], "10.45.0.0/24")
    a = await plane.bound_port(net1["id"], "a")
    b = await plane.bound_port(net2["id"], "b")
    await plane.agent.stop()
    # While the agent is down: b and its network are deleted, then the host "reboots"
    # (every namespace and dnsmasq of the host gone; the agent's files stay).
    assert (await api.delete(f"ports/{b['id']}")).status_code == 204
    assert (await api.delete(f"networks/{net2['id']}")).status_code == 204
    prefix = plane.backend.host_ns
    for network_id in (net1["id"], net2["id"]):
        await stop_pid_file(DhcpServer(plane.backend.names, network_id).pid_file)
    for ns in await _namespaces():
        if ns == prefix or ns.startswith(prefix + "-"):
            await _run("ip", "netns", "delete", ns)

    backend = LinuxBridgeBackend(HOST, plane.data_dir, monitor_interval=0)
    plane.backend = backend
    plane.agent = NetworkAgent(plane.runtime.bus, HOST, backend)
    await plane.agent.start()

    async def rebuilt() -> bool:
        state = await backend.state()
        return list(state.ports) == [a["id"]] and list(state.networks) == [net1["id"]]

    await wait_for(rebuilt, "the host rebuilt with port a only")
    state = await backend.state()
    assert state.networks[net1["id"]].dhcp_hosts == {a["mac_address"]: a["fixed_ips"][0]["ip_address"]}
    assert await plane.vm("a", a).dhcp() == a["fixed_ips"][0]["ip_address"]


async def test_agent_restart_resyncs_routers_changed_while_it_was_down(plane: Plane) -> None:
    api = plane.api
    _, sub1 = await api.net_with_subnet("10.47.0.0/24")
    net2 = await api.network(name="n2")
    sub2 = await api.subnet(net2["id"], "10.48.0.0/24")
    kept = await api.made("routers", "router", name="kept")
    gone = await api.made("routers", "router", name="gone")
    for router, sub in ((kept, sub1), (gone, sub2)):
        r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
        assert r.status_code == 200, r.text
    gone_leg = r.json()["port_id"]

    async def both() -> bool:
        routers = (await plane.backend.state()).routers
        return all(len(routers.get(x["id"], _NO_ROUTER).interfaces) == 1 for x in (kept, gone))

    await wait_for(both, "both routers with their leg")
    await plane.agent.stop()
    # While the agent is down: "gone" loses its leg and is deleted, "kept" gets sub2 too.
    r = await api.put(f"routers/{gone['id']}/remove_router_interface", {"subnet_id": sub2["id"]})
    assert r.status_code == 200, r.text
    assert (await api.delete(f"routers/{gone['id']}")).status_code == 204
    r = await api.put(f"routers/{kept['id']}/add_router_interface", {"subnet_id": sub2["id"]})
    assert r.status_code == 200, r.text
    gone_ns = plane.backend.names.router_ns(gone["id"])
    assert gone_ns in await _namespaces()

    backend = LinuxBridgeBackend(HOST, plane.data_dir, monitor_interval=0)
    plane.backend = backend
    plane.agent = NetworkAgent(plane.runtime.bus, HOST, backend)
    await plane.agent.start()
    assert gone_ns not in await _namespaces()
    routers = (await backend.state()).routers
    assert list(routers) == [kept["id"]]
    assert routers[kept["id"]].interfaces == ["10.47.0.1/24", "10.48.0.1/24"]
    host_links = await cmd.links(backend.host_ns)
    assert names.router_host_side(gone_leg) not in host_links
    # The new leg is on net2's bridge: the router answers there.
    outside = plane.outside("n2", net2["id"], "10.48.0.200/24")
    assert await outside.ping("10.48.0.1", count=1)


async def test_cleanup_all_removes_every_namespace_and_dnsmasq_of_the_cloud(plane: Plane) -> None:
    net, _ = await plane.api.net_with_subnet("10.46.0.0/24")
    await plane.bound_port(net["id"], "a")
    pid = DhcpServer(plane.backend.names, net["id"]).running_pid()
    assert pid is not None
    other = LinuxBridgeBackend("host2", plane.data_dir, monitor_interval=0)
    await other.start()
    await plane.agent.stop()
    await cleanup_all(plane.data_dir)
    assert not [ns for ns in await _namespaces() if ns.startswith(names.cloud_prefix(plane.data_dir))]
    assert not Path(f"/proc/{pid}").exists() or b"dnsmasq" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert not (plane.data_dir / "network").exists()


async def _output(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, argv
    return out.decode()


async def _run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(*argv)
    assert await proc.wait() == 0, argv
