"""The network acceptance flow with the real openstack CLI (issue 5): networks, subnets,
ports with fixed IPs, security groups and rules, routers with gateways and interfaces,
floating IPs on a server of the fake driver; list, show and delete of each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _j(cloud: Any, *args: str, user: str = "demo") -> Any:
    return cloud.openstack(*args, "-f", "json", user=user)


@pytest.fixture(scope="module")
def external(cloud: Any) -> str:
    net = _j(cloud, "network", "create", "--external", "e2e-public", user="admin")
    _j(
        cloud,
        "subnet",
        "create",
        "--network",
        net["id"],
        "--subnet-range",
        "172.24.40.0/24",
        "--no-dhcp",
        "e2e-public-subnet",
        user="admin",
    )
    return str(net["id"])


def test_network_subnet_port_lifecycle(cloud: Any) -> None:
    net = _j(cloud, "network", "create", "e2e-net")
    assert net["name"] == "e2e-net" and net["status"] == "ACTIVE"
    sub = _j(
        cloud,
        "subnet",
        "create",
        "--network",
        "e2e-net",
        "--subnet-range",
        "10.20.0.0/24",
        "--dns-nameserver",
        "10.20.0.53",
        "e2e-subnet",
    )
    assert sub["cidr"] == "10.20.0.0/24" and sub["gateway_ip"] == "10.20.0.1"
    port = _j(
        cloud,
        "port",
        "create",
        "--network",
        "e2e-net",
        "--fixed-ip",
        "subnet=e2e-subnet,ip-address=10.20.0.50",
        "e2e-port",
    )
    assert "10.20.0.50" in str(port["fixed_ips"])
    assert port["id"] in {p["ID"] for p in _j(cloud, "port", "list", "--network", "e2e-net")}
    shown = _j(cloud, "port", "show", "e2e-port")
    assert shown["mac_address"].startswith("fa:16:3e")
    assert "e2e-net" in {n["Name"] for n in _j(cloud, "network", "list")}
    assert "e2e-subnet" in {s["Name"] for s in _j(cloud, "subnet", "list")}
    assert _j(cloud, "network", "show", "e2e-net")["subnets"] == [sub["id"]]
    # The address is taken: the CLI shows the Neutron error.
    failed = cloud.run(
        "port", "create", "--network", "e2e-net", "--fixed-ip", "ip-address=10.20.0.50", "dup", user="demo", check=False
    )
    assert failed.returncode != 0 and "10.20.0.50" in failed.stderr
    cloud.openstack("port", "delete", "e2e-port", user="demo")
    cloud.openstack("subnet", "delete", "e2e-subnet", user="demo")
    cloud.openstack("network", "delete", "e2e-net", user="demo")
    assert "e2e-net" not in {n["Name"] for n in _j(cloud, "network", "list")}


def test_overlapping_subnet_is_refused(cloud: Any) -> None:
    _j(cloud, "network", "create", "e2e-overlap")
    _j(cloud, "subnet", "create", "--network", "e2e-overlap", "--subnet-range", "10.21.0.0/16", "a")
    failed = cloud.run(
        "subnet", "create", "--network", "e2e-overlap", "--subnet-range", "10.21.5.0/24", "b", user="demo", check=False
    )
    assert failed.returncode != 0 and "overlaps" in failed.stderr
    cloud.openstack("network", "delete", "e2e-overlap", user="demo")


def test_security_groups_and_rules(cloud: Any) -> None:
    sg = _j(cloud, "security", "group", "create", "--description", "e2e group", "e2e-sg")
    assert sg["name"] == "e2e-sg"
    rule = _j(cloud, "security", "group", "rule", "create", "--protocol", "icmp", "e2e-sg")
    assert rule["protocol"] == "icmp" and rule["direction"] == "ingress"
    ssh = _j(
        cloud,
        "security",
        "group",
        "rule",
        "create",
        "--protocol",
        "tcp",
        "--dst-port",
        "22",
        "--remote-ip",
        "10.0.0.0/8",
        "e2e-sg",
    )
    assert ssh["port_range_min"] == 22 and ssh["port_range_max"] == 22
    rules = _j(cloud, "security", "group", "rule", "list", "e2e-sg")
    assert {rule["id"], ssh["id"]} <= {r["ID"] for r in rules}
    groups = {g["Name"] for g in _j(cloud, "security", "group", "list")}
    assert {"default", "e2e-sg"} <= groups
    bad = cloud.run(
        "security",
        "group",
        "rule",
        "create",
        "--protocol",
        "tcp",
        "--dst-port",
        "30:20",
        "e2e-sg",
        user="demo",
        check=False,
    )
    assert bad.returncode != 0
    cloud.openstack("security", "group", "rule", "delete", rule["id"], user="demo")
    cloud.openstack("security", "group", "delete", "e2e-sg", user="demo")


def test_router_gateway_interface_and_floating_ip_on_a_server(cloud: Any, external: str, tmp_path: Path) -> None:
    _j(cloud, "network", "create", "e2e-private")
    _j(cloud, "subnet", "create", "--network", "e2e-private", "--subnet-range", "10.22.0.0/24", "e2e-private-sub")
    router = _j(cloud, "router", "create", "e2e-router")
    cloud.openstack("router", "add", "subnet", "e2e-router", "e2e-private-sub", user="demo")
    cloud.openstack("router", "set", "--external-gateway", external, "e2e-router", user="demo")
    shown = _j(cloud, "router", "show", "e2e-router")
    assert shown["external_gateway_info"]["network_id"] == external
    assert router["id"] in {r["ID"] for r in _j(cloud, "router", "list")}

    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    image = _j(
        cloud,
        "image",
        "create",
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--file",
        str(disk),
        "e2e-net-image",
    )
    server = _j(
        cloud,
        "server",
        "create",
        "--flavor",
        "m1.tiny",
        "--image",
        image["id"],
        "--network",
        "e2e-private",
        "--wait",
        "e2e-net-vm",
    )
    assert server["status"] == "ACTIVE"
    fip = _j(cloud, "floating", "ip", "create", external)
    address = fip["floating_ip_address"]
    assert address.startswith("172.24.40.")
    cloud.openstack("server", "add", "floating", "ip", "e2e-net-vm", address, user="demo")
    associated = _j(cloud, "floating", "ip", "show", address)
    assert associated["port_id"] and associated["fixed_ip_address"].startswith("10.22.0.")
    assert address in {f["Floating IP Address"] for f in _j(cloud, "floating", "ip", "list")}
    cloud.openstack("server", "remove", "floating", "ip", "e2e-net-vm", address, user="demo")
    assert _j(cloud, "floating", "ip", "show", address)["port_id"] is None
    cloud.openstack("floating", "ip", "delete", address, user="demo")
    cloud.openstack("server", "delete", "--wait", "e2e-net-vm", user="demo")
    cloud.openstack("router", "unset", "--external-gateway", "e2e-router", user="demo")
    cloud.openstack("router", "remove", "subnet", "e2e-router", "e2e-private-sub", user="demo")
    cloud.openstack("router", "delete", "e2e-router", user="demo")
    cloud.openstack("network", "delete", "e2e-private", user="demo")


def test_extensions_and_quotas_through_the_cli(cloud: Any) -> None:
    aliases = {e["Alias"] for e in _j(cloud, "extension", "list", "--network", user="admin")}
    assert {"router", "security-group", "external-net", "quotas"} <= aliases
    quota = _j(cloud, "quota", "show", "--network", user="admin")
    assert isinstance(quota, (dict, list))
