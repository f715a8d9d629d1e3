"""The network backend contract (DESIGN §4): what a host's data plane must do.

A backend makes the API's intent real on one host. The agent (``manager.py``) calls it
when the network service casts work to ``network-agent.HOST``; every backend ships with
the same contract tests (tests/contract/test_network_backend.py).

Glossary:
- network spec: ``{"id", "mtu", "external", "subnets": [{"id", "cidr", "ip_version",
  "gateway_ip", "enable_dhcp", "dns_nameservers", "host_routes", "dhcp_ip",
  "ipv6_address_mode", "ipv6_ra_mode"}]}`` (``dhcp_ip``: the DHCP port's address there).
- DHCP serves a subnet when ``enable_dhcp`` and it is IPv4, or IPv6 with address mode
  ``dhcpv6-stateful`` (also no mode at all, as Neutron) or ``dhcpv6-stateless`` (options
  only, no address); ``slaac`` subnets get their addresses from router advertisements.
- port spec: ``{"id", "network_id", "mac_address", "fixed_ips": [{"subnet_id",
  "ip_address"}], "device_id", "device_owner", "admin_state_up", "port_security_enabled",
  "allowed_address_pairs", "extra_dhcp_opts", "security_group_rules": [rule...],
  "network": network spec}`` (rules as the API shows them).
- router spec: ``{"id", "admin_state_up", "enable_snat", "routes", "interfaces":
  [{"port_id", "network_id", "mac_address", "ips": [{"ip_address", "cidr",
  "ipv6_ra_mode", "ipv6_address_mode", "dns_nameservers"}]}],
  "gateway": None | {"port_id", "network_id", "ips": [{"ip_address", "cidr",
  "gateway_ip"}]}, "floating_ips": [{"id", "floating_ip_address", "fixed_ip_address"}]}``;
  an interface address on an IPv6 subnet with an ``ipv6_ra_mode`` is advertised on
  that leg (router advertisements in that mode).
- tap name: ``tap`` + the first 11 characters of the port id (Linux limits names to 15);
  the hypervisor opens it too, so it is part of ``pocketstack.common.hostnames``.

Rules every backend follows:
- Every method is idempotent: calling it twice with the same spec is the same as once;
  calling it again with a changed spec brings the host to the new spec.
- Removing something that is not there succeeds (``delete_network``, ``unplug_port``,
  ``delete_router`` of unknown ids are no-ops).
- A method that raises leaves the host as it was before the call for that object
  (no half-plugged port, no network without its DHCP when the call failed).
- Everything lives inside namespaces the backend creates with pocketstack's prefix;
  nothing is bridged, routed or NAT-ed to the machine's real interfaces.
- ``state()`` reports what is actually in place (read back from the host, not
  remembered), so the agent can reconcile after a restart.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

from pocketstack.common.hostnames import tap_name as tap_name

Spec = dict[str, Any]

DHCPV6_STATEFUL = "dhcpv6-stateful"
DHCPV6_STATELESS = "dhcpv6-stateless"


def dhcpv6_mode(subnet: Spec) -> str | None:
    """How DHCP serves an IPv6 subnet: ``dhcpv6-stateful`` (also when no mode is set, as
    Neutron's dnsmasq driver), ``dhcpv6-stateless``, or None (SLAAC: not served)."""
    address_mode, ra_mode = subnet.get("ipv6_address_mode"), subnet.get("ipv6_ra_mode")
    if address_mode in (DHCPV6_STATEFUL, DHCPV6_STATELESS):
        return str(address_mode)
    if address_mode is None and ra_mode is None:
        return DHCPV6_STATEFUL
    return None


def serves_dhcp(subnet: Spec) -> bool:
    """DHCP answers on this subnet (see the glossary)."""
    if not subnet.get("enable_dhcp"):
        return False
    return int(subnet.get("ip_version", 4)) == 4 or dhcpv6_mode(subnet) is not None


def hands_out_addresses(subnet: Spec) -> bool:
    """DHCP gives ports their fixed address here: IPv4 and stateful DHCPv6 subnets."""
    if not serves_dhcp(subnet):
        return False
    return int(subnet.get("ip_version", 4)) == 4 or dhcpv6_mode(subnet) == DHCPV6_STATEFUL


class BackendError(Exception):
    """The backend could not apply a spec; the message says which step and why."""


@dataclass
class PortState:
    network_id: str
    mac_address: str
    tap: str
    ips: list[str]
    # None when port security is off (no filtering, no anti-spoofing).
    firewall: list[Spec] | None
    allowed_address_pairs: list[Spec] = field(default_factory=list)
    admin_state_up: bool = True


@dataclass
class NetworkState:
    # CIDRs of the subnets DHCP serves on this host (IPv4 and IPv6).
    dhcp_subnets: list[str]
    # MAC -> IPv4 address DHCP hands out (a plugged port's first fixed IPv4 address).
    dhcp_hosts: dict[str, str]
    mtu: int = 1500
    # MAC -> IPv6 address DHCPv6 hands out (a plugged port's address on a stateful subnet).
    dhcp6_hosts: dict[str, str] = field(default_factory=dict)


@dataclass
class RouterState:
    # "ip/prefixlen" of each interface and of the gateway.
    interfaces: list[str]
    gateway: str | None
    snat: bool
    # floating IP -> fixed IP
    floating: dict[str, str]


@dataclass
class BackendState:
    networks: dict[str, NetworkState] = field(default_factory=dict)
    ports: dict[str, PortState] = field(default_factory=dict)
    routers: dict[str, RouterState] = field(default_factory=dict)


class NetworkBackend(abc.ABC):
    """One host's data plane. See the module docstring for the shared rules."""

    name: str = ""

    @abc.abstractmethod
    async def start(self) -> None:
        """Prepare host-wide pieces (the host namespace). Post: ready for the calls below."""

    @abc.abstractmethod
    async def ensure_network(self, network: Spec) -> None:
        """Post: the network's bridge exists with the network's MTU; DHCP serves every
        subnet the glossary says it serves (none: no DHCP process), from the subnet's
        ``dhcp_ip``; host entries of already plugged ports are kept."""

    @abc.abstractmethod
    async def delete_network(self, network_id: str) -> None:
        """Post: no bridge, no DHCP and no plugged port of the network remain."""

    @abc.abstractmethod
    async def plug_port(self, port: Spec) -> None:
        """Pre: ``ensure_network(port["network"])`` was called.
        Post: the port's tap exists on its network's bridge (up iff admin_state_up), DHCP
        has a host entry MAC -> IPv4 for its fixed IPv4 address and MAC -> IPv6 for its
        address on a stateful DHCPv6 subnet, and the firewall holds exactly the port's
        rules (``apply_firewall``). Raises BackendError if the network is not ensured."""

    @abc.abstractmethod
    async def unplug_port(self, port_id: str) -> None:
        """Post: no tap, no DHCP host entry and no firewall rules of the port remain."""

    @abc.abstractmethod
    async def apply_firewall(self, port: Spec) -> None:
        """Pre: the port is plugged. Post: traffic to the port is allowed exactly by its
        ``security_group_rules`` of both ethertypes (plus replies), and it may send only
        from its MAC/IPs and allowed address pairs (IPv6: also its link-local addresses);
        what the protocols need always passes (DHCP and DHCPv6 from client to server, ARP,
        ICMPv6 neighbour and router discovery, router advertisements to the port but never
        from it); with ``port_security_enabled`` false nothing is filtered.
        Raises BackendError if the port is not plugged."""

    @abc.abstractmethod
    async def ensure_router(self, router: Spec) -> None:
        """Post: the router namespace has one interface per ``interfaces`` address, routes
        between them (IPv4 and IPv6), router advertisements on the legs whose subnet has an
        ``ipv6_ra_mode``, the gateway address on the external network's bridge (SNAT when
        ``enable_snat``), and a DNAT/SNAT pair per floating IP; nothing else."""

    @abc.abstractmethod
    async def delete_router(self, router_id: str) -> None:
        """Post: the router namespace and its NAT rules are gone."""

    @abc.abstractmethod
    async def state(self) -> BackendState:
        """What is in place now on this host."""

    def vif_details(self, port_id: str) -> Spec:
        """What a hypervisor needs to attach a VM's NIC to the port plugged here, merged
        into the port's ``binding:vif_details`` (``namespace``, ``devname`` for a tap);
        empty when the backend makes no device (the fake)."""
        return {}

    async def close(self) -> None:
        """Stop background work (watchers) when the agent stops; the data plane stays."""

    @abc.abstractmethod
    async def cleanup(self) -> None:
        """Remove everything this backend made on the host (``pocketstack down``, tests).
        Post: ``state()`` is empty; processes it started are ended by PID."""
