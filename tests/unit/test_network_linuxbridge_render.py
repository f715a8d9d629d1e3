"""The linuxbridge backend's pure parts: names, dnsmasq files and options, firewall and
NAT tables rendered from specs, and the choice of backend from the config (no root)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pocketstack.common.config import Config
from pocketstack.network.agent import configured_backend
from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.linuxbridge import LinuxBridgeBackend, vif_device
from pocketstack.network.agent.linuxbridge import names as n
from pocketstack.network.agent.linuxbridge.dhcp import DhcpServer, dhcp_address, render_hosts, render_opts
from pocketstack.network.agent.linuxbridge.firewall import render_iptables, render_nft
from pocketstack.network.agent.linuxbridge.router import render_nat

PORT_ID = "0123456789abcdef-0000-0000-0000-000000000001"
NET_ID = "feedfacecafe0000-0000-0000-0000-000000000002"


def network(**subnet: Any) -> dict[str, Any]:
    base = {
        "id": "sub-1",
        "cidr": "10.70.0.0/24",
        "ip_version": 4,
        "gateway_ip": "10.70.0.1",
        "enable_dhcp": True,
        "dns_nameservers": [],
        "host_routes": [],
    }
    return {"id": NET_ID, "mtu": 1450, "external": False, "subnets": [{**base, **subnet}]}


def port(port_id: str = PORT_ID, ip: str = "10.70.0.5", **extra: Any) -> dict[str, Any]:
    return {
        "id": port_id,
        "network_id": NET_ID,
        "mac_address": "FA:16:3E:00:00:05",
        "fixed_ips": [{"subnet_id": "sub-1", "ip_address": ip}],
        "port_security_enabled": True,
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "security_group_rules": [],
        **extra,
    }


def test_names_fit_linux_limits_and_differ_per_cloud(tmp_path: Path) -> None:
    for name in (n.bridge(NET_ID), n.tap(PORT_ID), n.dhcp_ns_side(NET_ID), n.router_leg(PORT_ID)):
        assert len(name) <= 15
    one = n.Names(tmp_path / "a", "host-1")
    two = n.Names(tmp_path / "b", "host-1")
    assert one.host_ns != two.host_ns
    assert one.host_ns.startswith("pocketstack-") and one.dhcp_ns(NET_ID).startswith(one.host_ns)
    assert n.Names(tmp_path, "odd/host name").host_ns.count("/") == 0
    assert vif_device(tmp_path / "a", "host-1", PORT_ID) == (one.host_ns, "tap0123456789a")


def test_hosts_file_has_one_line_per_port_on_a_served_subnet() -> None:
    other = port("p2", "10.99.0.9", mac_address="fa:16:3e:00:00:07")  # not on a served subnet: no entry
    text = render_hosts(network(), [port(), other])
    assert text == f"fa:16:3e:00:00:05,set:port-{PORT_ID},10.70.0.5,host-10-70-0-5\n"
    assert render_hosts(network(enable_dhcp=False), [port()]) == ""


def test_dnsmasq_options_per_subnet(tmp_path: Path) -> None:
    server = DhcpServer(n.Names(tmp_path, "h"), NET_ID)
    args = server.argv(
        network(dns_nameservers=["10.0.0.53"], host_routes=[{"destination": "10.9.0.0/16", "nexthop": "10.70.0.9"}])
    )
    assert "--port=0" in args and "--bind-interfaces" in args
    assert "--dhcp-range=set:subnet-sub-1,10.70.0.0,static,255.255.255.0,86400s" in args
    assert "--dhcp-option=tag:subnet-sub-1,option:router,10.70.0.1" in args
    assert "--dhcp-option=tag:subnet-sub-1,option:dns-server,10.0.0.53" in args
    assert (
        "--dhcp-option=tag:subnet-sub-1,option:classless-static-route,10.9.0.0/16,10.70.0.9,0.0.0.0/0,10.70.0.1" in args
    )
    assert "--dhcp-option=option:mtu,1450" in args
    no_gateway = server.argv(network(gateway_ip=None))
    assert "--dhcp-option=tag:subnet-sub-1,option:router" in no_gateway


def test_dhcp_server_address_prefers_the_api_dhcp_port() -> None:
    assert dhcp_address(network()["subnets"][0]) == "10.70.0.254"
    assert dhcp_address({**network()["subnets"][0], "dhcp_ip": "10.70.0.2"}) == "10.70.0.2"


def test_extra_dhcp_opts_are_tagged_per_port() -> None:
    opts = [
        {"opt_name": "bootfile-name", "opt_value": "pxe.0", "ip_version": 4},
        {"opt_name": "66", "opt_value": "tftp"},
        {"opt_name": "dns-server", "opt_value": "[fd00::53]", "ip_version": 6},
    ]
    assert render_opts([port(extra_dhcp_opts=opts)]) == (
        f"tag:port-{PORT_ID},option:bootfile-name,pxe.0\ntag:port-{PORT_ID},66,tftp\n"
        f"tag:port-{PORT_ID},option6:dns-server,[fd00::53]\n"
    )


def rule(**attrs: Any) -> dict[str, Any]:
    base = {
        "id": "r1",
        "security_group_id": "sg-1",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": None,
        "port_range_min": None,
        "port_range_max": None,
        "remote_ip_prefix": None,
        "remote_group_id": None,
    }
    return {**base, **attrs}


def test_firewall_rules_anti_spoofing_and_remote_groups() -> None:
    web = port(
        security_group_rules=[
            rule(id="ssh", protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="192.0.2.0/24"),
            rule(id="peers", remote_group_id="sg-1"),
            rule(id="out", direction="egress"),
        ],
        allowed_address_pairs=[{"ip_address": "10.70.0.100", "mac_address": "fa:16:3e:00:00:99"}],
    )
    peer = port("p2aaaaaaaaaaaaaa", "10.70.0.6", mac_address="fa:16:3e:00:00:06", security_group_rules=[rule(id="x")])
    open_port = port("p3bbbbbbbbbbbbbb", "10.70.0.7", port_security_enabled=False)
    text = render_iptables([web, peer, open_port], 4)
    chain = "psi-0123456789a"
    assert f"-A {chain} -s 192.0.2.0/24 -p 6 -m tcp --dport 22 -m comment --comment rule-ssh -j ACCEPT" in text
    # The remote group expands to the addresses of its members on this host (both ports).
    assert f"-A {chain} -s 10.70.0.5 -m comment --comment rule-peers -j ACCEPT" in text
    assert f"-A {chain} -s 10.70.0.6 -m comment --comment rule-peers -j ACCEPT" in text
    assert "-A pso-0123456789a -m comment --comment rule-out -j RETURN" in text
    assert "-A pss-0123456789a -s 10.70.0.5/32 -m mac --mac-source fa:16:3e:00:00:05 -j RETURN" in text
    assert "-A pss-0123456789a -s 10.70.0.100/32 -m mac --mac-source fa:16:3e:00:00:99 -j RETURN" in text
    assert "tapp3bbbbbbbbb" not in text  # port security off: no chains at all
    assert text.index("--physdev-in") < text.index("--physdev-out")  # egress checks come first
    nft = render_nft([web, open_port])
    assert 'iifname "tap0123456789a" jump port-0123456789a' in nft
    assert "arp saddr ip != { 0.0.0.0, 10.70.0.100/32, 10.70.0.5/32 } drop" in nft
    assert "tapp3bbbbbbbbb" not in nft


def test_ipv6_rules_only_in_the_ipv6_table() -> None:
    spec = port(security_group_rules=[rule(id="v6", ethertype="IPv6", protocol="icmp")])
    assert "rule-v6" not in render_iptables([spec], 4)
    assert "-p 58 -m comment --comment rule-v6 -j ACCEPT" in render_iptables([spec], 6)


def test_nat_has_snat_and_a_pair_per_floating_ip() -> None:
    router = {
        "id": "r",
        "enable_snat": True,
        "interfaces": [],
        "gateway": {
            "port_id": "gw0000000000000",
            "network_id": "ext",
            "ips": [{"ip_address": "172.24.4.10", "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1"}],
        },
        "floating_ips": [{"id": "f", "floating_ip_address": "172.24.4.20", "fixed_ip_address": "10.70.0.5"}],
    }
    text = render_nat(router)
    assert "-A PREROUTING -d 172.24.4.20/32 -j DNAT --to-destination 10.70.0.5" in text
    assert "-A POSTROUTING -s 10.70.0.5/32 -o qg-gw000000000 -j SNAT --to-source 172.24.4.20" in text
    assert "-j SNAT --to-source 172.24.4.10" in text
    assert "SNAT --to-source 172.24.4.10" not in render_nat({**router, "enable_snat": False})
    assert "DNAT" not in render_nat({**router, "gateway": None})


def test_backend_comes_from_the_config(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    assert isinstance(configured_backend(config, "h1"), FakeBackend)
    config.network.backend = "linuxbridge"
    backend = configured_backend(config, "h1")
    assert isinstance(backend, LinuxBridgeBackend)
    assert backend.host_ns == n.Names(tmp_path, "h1").host_ns
