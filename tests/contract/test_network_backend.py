"""The network backend contract (pocketstack.network.agent.base), run against every backend.

A backend joins by adding a factory to BACKENDS. ``linuxbridge`` needs root (it makes
real namespaces, bridges, taps and dnsmasq under a temporary data directory, so its names
never collide with a running cloud) and is skipped otherwise; ``cleanup()`` in the
fixture's teardown removes all of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pocketstack.network.agent.base import BackendError, NetworkBackend, tap_name
from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.linuxbridge import LinuxBridgeBackend


def _linuxbridge() -> NetworkBackend:
    if os.geteuid() != 0:
        pytest.skip("linuxbridge needs root (network namespaces, bridges, taps, dnsmasq)")
    return LinuxBridgeBackend(host="contract", data_dir=tempfile.mkdtemp(prefix="ps-contract-"), monitor_interval=0)


BACKENDS: dict[str, Callable[[], NetworkBackend]] = {"fake": FakeBackend, "linuxbridge": _linuxbridge}


@pytest.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[NetworkBackend]:
    b = BACKENDS[request.param]()
    await b.start()
    try:
        yield b
    finally:
        await b.cleanup()


NET = "11111111-0000-0000-0000-000000000001"


def network(net_id: str = NET, *, dhcp: bool = True, mtu: int = 1450, v6_mode: str | None = None) -> dict[str, Any]:
    return {
        "id": net_id,
        "mtu": mtu,
        "external": False,
        "subnets": [
            {
                "id": f"s-{net_id}",
                "cidr": "10.30.0.0/24",
                "ip_version": 4,
                "gateway_ip": "10.30.0.1",
                "enable_dhcp": dhcp,
                "dns_nameservers": [],
                "host_routes": [],
            },
            {
                "id": f"s6-{net_id}",
                "cidr": "fd00:30::/64",
                "ip_version": 6,
                "gateway_ip": "fd00:30::1",
                "enable_dhcp": dhcp,
                "dns_nameservers": [],
                "host_routes": [],
                "ipv6_address_mode": v6_mode,
                "ipv6_ra_mode": v6_mode,
            },
        ],
    }


def port(
    port_id: str,
    ip: str,
    mac: str,
    *,
    net_id: str = NET,
    security: bool = True,
    rules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": port_id,
        "network_id": net_id,
        "mac_address": mac,
        "fixed_ips": [{"subnet_id": f"s-{net_id}", "ip_address": ip}],
        "device_id": "vm-1",
        "device_owner": "compute:nova",
        "admin_state_up": True,
        "port_security_enabled": security,
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "security_group_rules": rules
        if rules is not None
        else [
            {
                "id": "r1",
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "icmp",
                "port_range_min": None,
                "port_range_max": None,
                "remote_ip_prefix": None,
                "remote_group_id": None,
            },
        ],
        "network": network(net_id),
    }


async def test_ensure_network_serves_dhcp_for_dhcp_subnets(backend: NetworkBackend) -> None:
    # An IPv6 subnet without modes is served statefully, as Neutron does.
    await backend.ensure_network(network())
    state = await backend.state()
    assert state.networks[NET].dhcp_subnets == ["10.30.0.0/24", "fd00:30::/64"]
    assert state.networks[NET].mtu == 1450


@pytest.mark.parametrize(("mode", "served"), [("dhcpv6-stateful", True), ("dhcpv6-stateless", True), ("slaac", False)])
async def test_ipv6_subnets_are_served_by_address_mode(backend: NetworkBackend, mode: str, served: bool) -> None:
    await backend.ensure_network(network(v6_mode=mode))
    spec = port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01")
    spec["network"] = network(v6_mode=mode)
    spec["fixed_ips"].append({"subnet_id": f"s6-{NET}", "ip_address": "fd00:30::5"})
    await backend.plug_port(spec)
    state = (await backend.state()).networks[NET]
    assert state.dhcp_subnets == ["10.30.0.0/24"] + (["fd00:30::/64"] if served else [])
    assert state.dhcp_hosts == {"fa:16:3e:00:00:01": "10.30.0.5"}
    # Only stateful DHCPv6 hands the port its IPv6 address.
    assert state.dhcp6_hosts == ({"fa:16:3e:00:00:01": "fd00:30::5"} if mode == "dhcpv6-stateful" else {})


async def test_ensure_network_is_idempotent_and_applies_changes(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    await backend.ensure_network(network())
    state = await backend.state()
    assert state.networks[NET].dhcp_hosts == {"fa:16:3e:00:00:01": "10.30.0.5"}
    await backend.ensure_network(network(dhcp=False))
    state = await backend.state()
    assert state.networks[NET].dhcp_subnets == []
    assert state.networks[NET].dhcp_hosts == {}
    assert "p1aaaaaaaaaaaaaa" in state.ports


async def test_plug_port_creates_tap_dhcp_entry_and_firewall(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    spec = port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01")
    await backend.plug_port(spec)
    state = await backend.state()
    plugged = state.ports["p1aaaaaaaaaaaaaa"]
    assert plugged.tap == tap_name("p1aaaaaaaaaaaaaa") == "tapp1aaaaaaaaa"
    assert plugged.ips == ["10.30.0.5"]
    assert plugged.firewall is not None and [r["protocol"] for r in plugged.firewall] == ["icmp"]
    assert state.networks[NET].dhcp_hosts == {"fa:16:3e:00:00:01": "10.30.0.5"}


async def test_plug_port_twice_with_new_spec_updates_in_place(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.9", "fa:16:3e:00:00:01", rules=[]))
    state = await backend.state()
    assert list(state.ports) == ["p1aaaaaaaaaaaaaa"]
    assert state.ports["p1aaaaaaaaaaaaaa"].firewall == []
    assert state.networks[NET].dhcp_hosts == {"fa:16:3e:00:00:01": "10.30.0.9"}


async def test_plug_port_without_network_raises_and_leaves_nothing(backend: NetworkBackend) -> None:
    with pytest.raises(BackendError):
        await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    assert (await backend.state()).ports == {}


async def test_port_security_disabled_means_no_firewall(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01", security=False))
    assert (await backend.state()).ports["p1aaaaaaaaaaaaaa"].firewall is None


async def test_apply_firewall_replaces_rules_and_needs_a_plugged_port(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    spec = port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01")
    await backend.plug_port(spec)
    tcp = {
        "id": "r2",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 22,
        "port_range_max": 22,
        "remote_ip_prefix": "0.0.0.0/0",
        "remote_group_id": None,
    }
    await backend.apply_firewall({**spec, "security_group_rules": [tcp]})
    firewall = (await backend.state()).ports["p1aaaaaaaaaaaaaa"].firewall
    assert firewall is not None and [r["id"] for r in firewall] == ["r2"]
    with pytest.raises(BackendError):
        await backend.apply_firewall(port("p2bbbbbbbbbbbbbb", "10.30.0.6", "fa:16:3e:00:00:02"))


async def test_unplug_removes_port_and_dhcp_entry_and_is_idempotent(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    await backend.plug_port(port("p2bbbbbbbbbbbbbb", "10.30.0.6", "fa:16:3e:00:00:02"))
    await backend.unplug_port("p1aaaaaaaaaaaaaa")
    await backend.unplug_port("p1aaaaaaaaaaaaaa")
    await backend.unplug_port("never-plugged")
    state = await backend.state()
    assert list(state.ports) == ["p2bbbbbbbbbbbbbb"]
    assert state.networks[NET].dhcp_hosts == {"fa:16:3e:00:00:02": "10.30.0.6"}


async def test_delete_network_removes_its_ports_only(backend: NetworkBackend) -> None:
    other = "22222222-0000-0000-0000-000000000002"
    await backend.ensure_network(network())
    await backend.ensure_network(network(other))
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    await backend.plug_port(port("p2bbbbbbbbbbbbbb", "10.30.0.5", "fa:16:3e:00:00:02", net_id=other))
    await backend.delete_network(NET)
    await backend.delete_network(NET)
    state = await backend.state()
    assert list(state.networks) == [other]
    assert list(state.ports) == ["p2bbbbbbbbbbbbbb"]


def router(*, gateway: bool = True, floating: bool = True) -> dict[str, Any]:
    return {
        "id": "r-1",
        "admin_state_up": True,
        "enable_snat": True,
        "routes": [],
        "interfaces": [
            {
                "port_id": "ri1",
                "network_id": NET,
                "mac_address": "fa:16:3e:00:01:01",
                "ips": [{"ip_address": "10.30.0.1", "cidr": "10.30.0.0/24"}],
            },
            {
                "port_id": "ri2",
                "network_id": "n2",
                "mac_address": "fa:16:3e:00:01:02",
                "ips": [{"ip_address": "10.31.0.1", "cidr": "10.31.0.0/24"}],
            },
        ],
        "gateway": {
            "port_id": "rg",
            "network_id": "ext",
            "ips": [{"ip_address": "172.24.4.10", "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1"}],
        }
        if gateway
        else None,
        "floating_ips": [{"id": "f1", "floating_ip_address": "172.24.4.20", "fixed_ip_address": "10.30.0.5"}]
        if floating
        else [],
    }


async def test_router_interfaces_gateway_and_floating_ips(backend: NetworkBackend) -> None:
    await backend.ensure_router(router())
    state = (await backend.state()).routers["r-1"]
    assert state.interfaces == ["10.30.0.1/24", "10.31.0.1/24"]
    assert state.gateway == "172.24.4.10/24"
    assert state.snat is True
    assert state.floating == {"172.24.4.20": "10.30.0.5"}


async def test_ensure_router_converges_to_the_new_spec(backend: NetworkBackend) -> None:
    await backend.ensure_router(router())
    await backend.ensure_router(router(gateway=False, floating=False))
    state = (await backend.state()).routers["r-1"]
    assert state.gateway is None and state.snat is False and state.floating == {}


async def test_delete_router_is_idempotent(backend: NetworkBackend) -> None:
    await backend.ensure_router(router())
    await backend.delete_router("r-1")
    await backend.delete_router("r-1")
    assert (await backend.state()).routers == {}


async def test_cleanup_empties_the_host(backend: NetworkBackend) -> None:
    await backend.ensure_network(network())
    await backend.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    await backend.ensure_router(router())
    await backend.cleanup()
    state = await backend.state()
    assert state.networks == {} and state.ports == {} and state.routers == {}


async def test_fake_failure_injection_leaves_state_unchanged() -> None:
    fake = FakeBackend()
    await fake.ensure_network(network())
    fake.fail("plug_port", BackendError("tap busy"))
    with pytest.raises(BackendError, match="tap busy"):
        await fake.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    assert (await fake.state()).ports == {}
    await fake.plug_port(port("p1aaaaaaaaaaaaaa", "10.30.0.5", "fa:16:3e:00:00:01"))
    assert [c[0] for c in fake.calls] == ["ensure_network", "plug_port", "plug_port"]
    assert len(fake.called("plug_port")) == 2
