"""The ``fake`` network backend: keeps the host's data plane in memory.

For tests and for the all-in-one with the fake compute driver: it follows the contract
(idempotent calls, postconditions visible through ``state()``) without touching the
kernel, records every call, and can be told to fail.

    backend.fail("plug_port", BackendError("tap busy"), times=1)
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
from typing import Any

from pocketstack.network.agent.base import (
    BackendError,
    BackendState,
    NetworkBackend,
    NetworkState,
    PortState,
    RouterState,
    Spec,
    hands_out_addresses,
    serves_dhcp,
    tap_name,
)


class FakeBackend(NetworkBackend):
    name = "fake"

    def __init__(self, delay: float = 0.0) -> None:
        # Seconds each call takes, to simulate a slow data plane in tests.
        self.delay = delay
        self.calls: list[tuple[str, Any]] = []
        self._failures: dict[str, list[BaseException]] = {}
        self._state = BackendState()
        # Per network: the subnets where DHCP hands out addresses (IPv4, stateful IPv6).
        self._addressed: dict[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
        self.started = False

    def fail(self, method: str, error: BaseException | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` raise ``error`` (state unchanged)."""
        exc = error or BackendError(f"injected failure in {method}")
        self._failures.setdefault(method, []).extend([exc] * times)

    async def _enter(self, method: str, arg: Any) -> None:
        self.calls.append((method, copy.deepcopy(arg)))
        if self.delay:
            await asyncio.sleep(self.delay)
        pending = self._failures.get(method)
        if pending:
            raise pending.pop(0)

    def called(self, method: str) -> list[Any]:
        return [arg for name, arg in self.calls if name == method]

    async def start(self) -> None:
        await self._enter("start", None)
        self.started = True

    async def ensure_network(self, network: Spec) -> None:
        await self._enter("ensure_network", network)
        dhcp = [s["cidr"] for s in network.get("subnets", []) if serves_dhcp(s)]
        current = self._state.networks.get(network["id"])
        hosts = dict(current.dhcp_hosts) if current else {}
        self._state.networks[network["id"]] = NetworkState(
            dhcp_subnets=sorted(dhcp), dhcp_hosts=hosts, mtu=int(network.get("mtu", 1500))
        )
        self._addressed[network["id"]] = [
            ipaddress.ip_network(s["cidr"]) for s in network.get("subnets", []) if hands_out_addresses(s)
        ]
        self._refresh_dhcp(network["id"])

    async def delete_network(self, network_id: str) -> None:
        await self._enter("delete_network", network_id)
        for port_id in [p for p, s in self._state.ports.items() if s.network_id == network_id]:
            del self._state.ports[port_id]
        self._state.networks.pop(network_id, None)
        self._addressed.pop(network_id, None)

    async def plug_port(self, port: Spec) -> None:
        await self._enter("plug_port", port)
        if port["network_id"] not in self._state.networks:
            raise BackendError(f"network {port['network_id']} is not ensured on this host")
        self._state.ports[port["id"]] = PortState(
            network_id=port["network_id"],
            mac_address=port["mac_address"],
            tap=tap_name(port["id"]),
            ips=[ip["ip_address"] for ip in port.get("fixed_ips", [])],
            firewall=_firewall(port),
            allowed_address_pairs=list(port.get("allowed_address_pairs", [])),
            admin_state_up=bool(port.get("admin_state_up", True)),
        )
        self._refresh_dhcp(port["network_id"])

    async def unplug_port(self, port_id: str) -> None:
        await self._enter("unplug_port", port_id)
        state = self._state.ports.pop(port_id, None)
        if state is not None:
            self._refresh_dhcp(state.network_id)

    async def apply_firewall(self, port: Spec) -> None:
        await self._enter("apply_firewall", port)
        state = self._state.ports.get(port["id"])
        if state is None:
            raise BackendError(f"port {port['id']} is not plugged on this host")
        state.firewall = _firewall(port)
        state.allowed_address_pairs = list(port.get("allowed_address_pairs", []))

    async def ensure_router(self, router: Spec) -> None:
        await self._enter("ensure_router", router)
        interfaces = [_with_prefix(ip) for i in router.get("interfaces", []) for ip in i.get("ips", [])]
        gateway = router.get("gateway")
        gw_ips = [_with_prefix(ip) for ip in gateway.get("ips", [])] if gateway else []
        self._state.routers[router["id"]] = RouterState(
            interfaces=sorted(interfaces),
            gateway=gw_ips[0] if gw_ips else None,
            snat=bool(gateway) and bool(router.get("enable_snat", True)),
            floating={
                f["floating_ip_address"]: f["fixed_ip_address"]
                for f in router.get("floating_ips", [])
                if gateway and f.get("fixed_ip_address")
            },
        )

    async def delete_router(self, router_id: str) -> None:
        await self._enter("delete_router", router_id)
        self._state.routers.pop(router_id, None)

    async def state(self) -> BackendState:
        return copy.deepcopy(self._state)

    async def cleanup(self) -> None:
        await self._enter("cleanup", None)
        self._state = BackendState()
        self._addressed = {}

    def _refresh_dhcp(self, network_id: str) -> None:
        net = self._state.networks.get(network_id)
        if net is None:
            return
        served = self._addressed.get(network_id, [])
        hosts: dict[int, dict[str, str]] = {4: {}, 6: {}}
        for port in self._state.ports.values():
            if port.network_id != network_id:
                continue
            for ip in port.ips:
                address = ipaddress.ip_address(ip)
                if any(address.version == n.version and address in n for n in served):
                    hosts[address.version].setdefault(port.mac_address, ip)
        net.dhcp_hosts, net.dhcp6_hosts = hosts[4], hosts[6]


def _firewall(port: Spec) -> list[Spec] | None:
    if not port.get("port_security_enabled", True):
        return None
    return sorted((dict(r) for r in port.get("security_group_rules", [])), key=lambda r: str(r.get("id")))


def _with_prefix(ip: Spec) -> str:
    return f"{ip['ip_address']}/{ipaddress.ip_network(ip['cidr']).prefixlen}"
