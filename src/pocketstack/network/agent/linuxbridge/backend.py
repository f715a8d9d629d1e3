"""The ``linuxbridge`` backend: one host's data plane made of namespaces, bridges, taps,
dnsmasq and iptables/nftables (DESIGN §5). Needs root.

Layout on a host (names in ``names.py``): the host namespace holds one bridge per network
(``brqNET``), one tap per plugged port (``tapPORT``, opened by QEMU through
``ip netns exec``), the firewall of those taps, and the outer ends of the veths to the
``qdhcp`` namespaces (dnsmasq) and ``qrouter`` namespaces (routers).

The specs the backend was given are kept under ``DATA_DIR/network/HOST`` so that, after a
restart, ``start()`` can put the host back as it was before the agent's resync with the
API corrects it; what ``state()`` reports is read back from the kernel and dnsmasq.
Calls are serialized by one lock: the firewall is rendered from all ports at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from pocketstack.common.config import DEFAULT_DATA_DIR
from pocketstack.network.agent.base import (
    BackendError,
    BackendState,
    NetworkBackend,
    NetworkState,
    PortState,
    Spec,
)
from pocketstack.network.agent.linuxbridge import cmd, firewall, names
from pocketstack.network.agent.linuxbridge.dhcp import DhcpServer, served_subnets, stop_pid_file
from pocketstack.network.agent.linuxbridge.names import QDHCP, QROUTER, Names
from pocketstack.network.agent.linuxbridge.router import RouterPlane

log = logging.getLogger(__name__)

KINDS = ("networks", "ports", "routers")


class LinuxBridgeBackend(NetworkBackend):
    name = "linuxbridge"

    def __init__(
        self, host: str = "localhost", data_dir: Path | str | None = None, *, monitor_interval: float = 1.0
    ) -> None:
        self.names = Names(Path(data_dir or DEFAULT_DATA_DIR).expanduser(), host)
        self.host = host
        self.monitor_interval = monitor_interval
        self._lock = asyncio.Lock()
        self._specs: dict[str, dict[str, Spec]] = {kind: {} for kind in KINDS}
        self._monitor: asyncio.Task[None] | None = None
        # How many times a dead dnsmasq was started again (observability, tests).
        self.dhcp_restarts = 0

    # -- helpers ---------------------------------------------------------------------------

    @property
    def host_ns(self) -> str:
        return self.names.host_ns

    def vif_device(self, port_id: str) -> tuple[str, str]:
        """(namespace, tap name) that QEMU attaches the port's NIC to."""
        return self.host_ns, names.tap(port_id)

    def vif_details(self, port_id: str) -> Spec:
        namespace, devname = self.vif_device(port_id)
        return {"namespace": namespace, "devname": devname}

    def _dhcp(self, network_id: str) -> DhcpServer:
        return DhcpServer(self.names, network_id)

    def _ports_of(self, network_id: str) -> list[Spec]:
        return [p for p in self._specs["ports"].values() if p["network_id"] == network_id]

    def _save(self, kind: str, spec: Spec) -> None:
        self._specs[kind][spec["id"]] = spec
        directory = self.names.state_dir / kind
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f"{spec['id']}.json.tmp"
        tmp.write_text(json.dumps(spec))
        tmp.replace(directory / f"{spec['id']}.json")

    def _forget(self, kind: str, ident: str) -> None:
        self._specs[kind].pop(ident, None)
        (self.names.state_dir / kind / f"{ident}.json").unlink(missing_ok=True)

    def _load_saved(self) -> None:
        for kind in KINDS:
            for path in sorted((self.names.state_dir / kind).glob("*.json")):
                try:
                    spec = json.loads(path.read_text())
                except (OSError, ValueError):
                    log.warning("linuxbridge: ignoring unreadable %s", path)
                    continue
                self._specs[kind][spec["id"]] = spec

    async def _apply_firewall(self) -> None:
        ports = list(self._specs["ports"].values())
        ns = self.host_ns
        # Three independent tables: loading them side by side saves two round trips.
        await asyncio.gather(
            cmd.in_ns(ns, "iptables-restore", "-w", "5", input=firewall.render_iptables(ports, 4)),
            cmd.in_ns(ns, "ip6tables-restore", "-w", "5", input=firewall.render_iptables(ports, 6)),
            cmd.in_ns(ns, "nft", "-f", "-", input=firewall.render_nft(ports)),
        )

    async def _ensure_bridge(self, network_id: str, mtu: int | None = None, alias: bool = False) -> int:
        """Create the network's bridge if needed; its MTU."""
        bridge = names.bridge(network_id)
        present = (await cmd.links(self.host_ns)).get(bridge)
        if present is None:
            await cmd.ip("link", "add", bridge, "type", "bridge", ns=self.host_ns)
        lines = [f"link set {bridge} up"]
        if mtu is not None:
            lines.insert(0, f"link set {bridge} mtu {mtu}")
        if alias:
            lines.append(f"link set {bridge} alias {network_id}")
        await cmd.ip_batch(lines, ns=self.host_ns)
        if mtu is not None:
            return mtu
        if present is not None:
            return int(present.get("mtu", 1500))
        known = self._specs["networks"].get(network_id)
        return int(known.get("mtu") or 1500) if known else 1500

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        async with self._lock:
            await cmd.ensure_ns(self.host_ns)
            self._load_saved()
            # After a reboot or a crash: put back what was there (resync then corrects it).
            for network in list(self._specs["networks"].values()):
                try:
                    await self._ensure_network(network)
                except BackendError as exc:
                    log.warning("linuxbridge: cannot restore network %s: %s", network["id"], exc)
            for port in list(self._specs["ports"].values()):
                if port["network_id"] in self._specs["networks"]:
                    await self._plug_tap(port)
                else:
                    self._forget("ports", port["id"])
            await self._apply_firewall()
            for router in list(self._specs["routers"].values()):
                try:
                    await RouterPlane(self.names, router["id"]).ensure(router, self._ensure_bridge)
                except BackendError as exc:
                    log.warning("linuxbridge: cannot restore router %s: %s", router["id"], exc)
        if self._monitor is None and self.monitor_interval > 0:
            self._monitor = asyncio.get_running_loop().create_task(self._watch_dhcp())

    async def close(self) -> None:
        """Stop watching dnsmasq; leaves the data plane in place (the agent stops)."""
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
            self._monitor = None

    async def _watch_dhcp(self) -> None:
        """A dnsmasq that dies is started again (issue: the agent restarts it)."""
        while True:
            await asyncio.sleep(self.monitor_interval)
            try:
                await self.check_dhcp()
            except Exception as exc:  # the watcher must outlive one bad round
                log.warning("linuxbridge: DHCP check failed: %s", exc)

    async def check_dhcp(self) -> list[str]:
        """Restart every dnsmasq that should run and does not; the ids of those networks."""
        restarted = []
        async with self._lock:
            for network in list(self._specs["networks"].values()):
                if not served_subnets(network):
                    continue
                server = self._dhcp(network["id"])
                if server.running_pid() is None:
                    log.warning("linuxbridge: dnsmasq of network %s is not running; starting it", network["id"])
                    await server.ensure(network, self._ports_of(network["id"]))
                    restarted.append(network["id"])
                    self.dhcp_restarts += 1
        return restarted

    # -- networks --------------------------------------------------------------------------

    async def ensure_network(self, network: Spec) -> None:
        async with self._lock:
            await self._ensure_network(network)

    async def _ensure_network(self, network: Spec) -> None:
        net_id = network["id"]
        if self._network_in_place(network):
            return
        mtu = int(network.get("mtu") or 1500)
        existed = names.bridge(net_id) in await cmd.links(self.host_ns)
        previous = self._specs["networks"].get(net_id)
        try:
            await self._ensure_bridge(net_id, mtu, alias=True)
            await self._dhcp(net_id).ensure(network, self._ports_of(net_id))
        except BaseException:
            # No network without its DHCP: undo what this call made.
            if previous is None:
                await self._dhcp(net_id).remove()
                if not existed:
                    await cmd.ip("link", "del", names.bridge(net_id), ns=self.host_ns, check=False)
            raise
        self._save("networks", network)
        for port in self._ports_of(net_id):
            await cmd.ip("link", "set", names.tap(port["id"]), "mtu", str(mtu), ns=self.host_ns, check=False)

    def _network_in_place(self, network: Spec) -> bool:
        """The agent ensures the network before every plug: when the spec is the one
        applied last and its dnsmasq runs as wanted, there is nothing to do (no forks)."""
        if self._specs["networks"].get(network["id"]) != network:
            return False
        server = self._dhcp(network["id"])
        if not served_subnets(network):
            return server.running_pid() is None
        return server.running_argv() == server.argv(network)

    async def delete_network(self, network_id: str) -> None:
        async with self._lock:
            for port in self._ports_of(network_id):
                await cmd.ip("link", "del", names.tap(port["id"]), ns=self.host_ns, check=False)
                self._forget("ports", port["id"])
            await self._dhcp(network_id).remove()
            await cmd.ip("link", "del", names.bridge(network_id), ns=self.host_ns, check=False)
            self._forget("networks", network_id)
            await self._apply_firewall()

    # -- ports -----------------------------------------------------------------------------

    async def _plug_tap(self, port: Spec) -> bool:
        """The tap on its bridge; True if it was created now."""
        tap = names.tap(port["id"])
        network = self._specs["networks"][port["network_id"]]
        created = tap not in await cmd.links(self.host_ns)
        up = "up" if port.get("admin_state_up", True) else "down"
        await cmd.ip_batch(
            ([f"tuntap add dev {tap} mode tap"] if created else [])
            + [
                f"link set {tap} master {names.bridge(port['network_id'])} mtu {int(network.get('mtu') or 1500)}",
                f"link set {tap} alias {port['id']}",
                f"link set {tap} {up}",
            ],
            ns=self.host_ns,
        )
        return created

    async def plug_port(self, port: Spec) -> None:
        async with self._lock:
            network = self._specs["networks"].get(port["network_id"])
            if network is None:
                raise BackendError(f"network {port['network_id']} is not ensured on this host")
            previous = self._specs["ports"].get(port["id"])
            created = False
            try:
                created = await self._plug_tap(port)
                self._save("ports", port)
                await self._dhcp(port["network_id"]).update_hosts(network, self._ports_of(port["network_id"]))
                await self._apply_firewall()
            except BaseException:
                await self._undo_plug(port, previous, created)
                raise

    async def _undo_plug(self, port: Spec, previous: Spec | None, created: bool) -> None:
        # Put the host back as it was before the failed call (best effort, never raises).
        try:
            if previous is None:
                self._forget("ports", port["id"])
                if created:
                    await cmd.ip("link", "del", names.tap(port["id"]), ns=self.host_ns, check=False)
            else:
                self._save("ports", previous)
            for net_id in {port["network_id"], (previous or port)["network_id"]}:
                network = self._specs["networks"].get(net_id)
                if network is not None:
                    await self._dhcp(net_id).update_hosts(network, self._ports_of(net_id))
            await self._apply_firewall()
        except Exception as exc:
            log.warning("linuxbridge: undoing plug of port %s failed: %s", port["id"], exc)

    async def unplug_port(self, port_id: str) -> None:
        async with self._lock:
            port = self._specs["ports"].get(port_id)
            await cmd.ip("link", "del", names.tap(port_id), ns=self.host_ns, check=False)
            if port is None:
                return
            self._forget("ports", port_id)
            network = self._specs["networks"].get(port["network_id"])
            if network is not None:
                await self._dhcp(port["network_id"]).update_hosts(network, self._ports_of(port["network_id"]))
            await self._apply_firewall()

    async def apply_firewall(self, port: Spec) -> None:
        async with self._lock:
            current = self._specs["ports"].get(port["id"])
            if current is None or names.tap(port["id"]) not in await cmd.links(self.host_ns):
                raise BackendError(f"port {port['id']} is not plugged on this host")
            updated = dict(current)
            for key in ("security_group_rules", "security_groups", "port_security_enabled", "allowed_address_pairs"):
                if key in port:
                    updated[key] = port[key]
            self._save("ports", updated)
            try:
                await self._apply_firewall()
            except BaseException:
                self._save("ports", current)
                await self._apply_firewall()
                raise

    # -- routers ---------------------------------------------------------------------------

    async def ensure_router(self, router: Spec) -> None:
        async with self._lock:
            plane = RouterPlane(self.names, router["id"])
            previous = self._specs["routers"].get(router["id"])
            try:
                await plane.ensure(router, self._ensure_bridge)
            except BaseException:
                if previous is None:
                    await plane.remove()
                raise
            self._save("routers", router)

    async def delete_router(self, router_id: str) -> None:
        async with self._lock:
            await RouterPlane(self.names, router_id).remove()
            self._forget("routers", router_id)

    # -- what is there ---------------------------------------------------------------------

    async def state(self) -> BackendState:
        result = BackendState()
        all_ns = await cmd.namespaces()
        if self.host_ns not in all_ns:
            return result
        links = await cmd.links(self.host_ns)
        bridges: dict[str, str] = {}
        for name, link in links.items():
            kind = (link.get("linkinfo") or {}).get("info_kind")
            if kind == "bridge" and link.get("ifalias"):
                net_id = link["ifalias"]
                bridges[name] = net_id
                server = self._dhcp(net_id)
                running = server.running_pid() is not None
                result.networks[net_id] = NetworkState(
                    dhcp_subnets=server.ranges_in_place() if running else [],
                    dhcp_hosts=server.hosts_in_place(4) if running else {},
                    mtu=int(link.get("mtu", 1500)),
                    dhcp6_hosts=server.hosts_in_place(6) if running else {},
                )
        rules = await cmd.in_ns(self.host_ns, "iptables-save", "-t", "filter", check=False)
        for name, link in links.items():
            kind = (link.get("linkinfo") or {}).get("info_kind")
            port_id = link.get("ifalias")
            if kind != "tun" or not port_id or link.get("master") not in bridges:
                continue
            spec = self._specs["ports"].get(port_id, {})
            filtered = f":psi-{port_id[:11]} " in rules
            result.ports[port_id] = PortState(
                network_id=bridges[link["master"]],
                mac_address=spec.get("mac_address", ""),
                tap=name,
                ips=[ip["ip_address"] for ip in spec.get("fixed_ips", [])],
                firewall=_rules(spec) if filtered else None,
                allowed_address_pairs=list(spec.get("allowed_address_pairs", [])),
                admin_state_up="UP" in link.get("flags", []),
            )
        router_prefix = self.host_ns + QROUTER
        for ns in all_ns:
            if ns.startswith(router_prefix):
                router_id = ns[len(router_prefix) :]
                result.routers[router_id] = await RouterPlane(self.names, router_id).state()
        return result

    async def cleanup(self) -> None:
        await self.close()
        async with self._lock:
            await cleanup_host(self.names)
            self._specs = {kind: {} for kind in KINDS}


def _rules(spec: Spec) -> list[Spec]:
    return sorted((dict(r) for r in spec.get("security_group_rules", [])), key=lambda r: str(r.get("id")))


async def _stop_dnsmasq_under(directory: Path) -> None:
    for pid_file in directory.glob("**/dhcp/*/pid"):
        await stop_pid_file(pid_file)


async def _delete_namespaces(match: Any) -> None:
    for ns in await cmd.namespaces():
        if match(ns):
            await cmd.delete_ns(ns)


async def cleanup_host(where: Names) -> None:
    """Everything one host's backend made: dnsmasq processes (by pid), namespaces, files."""
    await _stop_dnsmasq_under(where.state_dir)
    host_ns = where.host_ns
    await _delete_namespaces(
        lambda ns: ns == host_ns or ns.startswith(host_ns + QDHCP) or ns.startswith(host_ns + QROUTER)
    )
    shutil.rmtree(where.state_dir, ignore_errors=True)


async def cleanup_all(data_dir: Path | str | None = None) -> None:
    """Remove every namespace, bridge and dnsmasq this cloud instance made, on all its
    hosts (``pocketstack down``, cloud stop). Bridges and taps live in the namespaces."""
    root = Path(data_dir or DEFAULT_DATA_DIR).expanduser()
    await _stop_dnsmasq_under(root / "network")
    prefix = names.cloud_prefix(root)
    await _delete_namespaces(lambda ns: ns.startswith(prefix))
    shutil.rmtree(root / "network", ignore_errors=True)


def vif_device(data_dir: Path | str, host: str, port_id: str) -> tuple[str, str]:
    """(namespace, tap) of a port on ``host``: what the QEMU driver passes to
    ``ip netns exec NS qemu ... -netdev tap,ifname=TAP,script=no,downscript=no``."""
    where = Names(Path(data_dir).expanduser(), host)
    return where.host_ns, names.tap(port_id)
