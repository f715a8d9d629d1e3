"""Network API: subnets (CIDR, gateway, pools, DHCP address) and every bad-input case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def test_ipv4_subnet_defaults(api: Api) -> None:
    net, sub = await api.net_with_subnet("10.20.0.0/24", name="s1", dns_nameservers=["10.0.0.53"])
    assert sub["gateway_ip"] == "10.20.0.1"
    assert sub["allocation_pools"] == [{"start": "10.20.0.2", "end": "10.20.0.254"}]
    assert sub["enable_dhcp"] is True and sub["ip_version"] == 4 and sub["dns_nameservers"] == ["10.0.0.53"]
    assert (await api.get(f"networks/{net['id']}")).json()["network"]["subnets"] == [sub["id"]]
    # The network's DHCP port holds the first pool address.
    dhcp = (await api.get("ports", "admin", device_owner="network:dhcp")).json()["ports"]
    assert [p["fixed_ips"][0]["ip_address"] for p in dhcp] == ["10.20.0.2"]


async def test_ipv6_subnet_and_no_gateway(api: Api) -> None:
    net = await api.network(name="v6")
    sub = await api.subnet(net["id"], "fd00:1::/64", ipv6_address_mode="slaac", ipv6_ra_mode="slaac")
    assert sub["ip_version"] == 6 and sub["gateway_ip"] == "fd00:1::1"
    none = await api.subnet(net["id"], "10.9.0.0/24", gateway_ip=None)
    assert none["gateway_ip"] is None
    assert none["allocation_pools"] == [{"start": "10.9.0.1", "end": "10.9.0.254"}]
    port = await api.port(net["id"])
    versions = sorted(ip["ip_address"].count(":") > 0 for ip in port["fixed_ips"])
    assert versions == [False, True]


async def test_ipv6_address_modes_give_eui64_or_pool_addresses(api: Api) -> None:
    net = await api.network(name="v6")
    slaac = await api.subnet(net["id"], "fd00:2::/64", ipv6_address_mode="slaac", ipv6_ra_mode="slaac")
    stateful = await api.subnet(net["id"], "fd00:3::/64", ipv6_address_mode="dhcpv6-stateful")
    port = await api.port(net["id"], mac_address="fa:16:3e:12:34:56")
    by_subnet = {ip["subnet_id"]: ip["ip_address"] for ip in port["fixed_ips"]}
    # SLAAC: the address the VM makes itself from the prefix and its MAC (EUI-64).
    assert by_subnet[slaac["id"]] == "fd00:2::f816:3eff:fe12:3456"
    assert by_subnet[stateful["id"]].startswith("fd00:3::")
    # The network's DHCP port holds an address on both (DHCPv6 answers from it).
    dhcp = (await api.get("ports", "admin", device_owner="network:dhcp", network_id=net["id"])).json()["ports"][0]
    dhcp_ips = {ip["subnet_id"]: ip["ip_address"] for ip in dhcp["fixed_ips"]}
    assert dhcp_ips[stateful["id"]] == "fd00:3::2"
    mac = dhcp["mac_address"].split(":")
    # EUI-64 of the DHCP port's MAC: ...:XXff:feYY:ZZWW from its last three octets.
    assert dhcp_ips[slaac["id"]].startswith("fd00:2::") and dhcp_ips[slaac["id"]].endswith(
        f"ff:fe{int(mac[3], 16):02x}:{mac[4]}{mac[5]}".replace(":0", ":")
    )
    # Nobody picks an address on an automatic-address subnet.
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "fd00:2::99"}]}})
    assert r.status_code == 400 and "automatic addresses" in error(r)["message"]
    # By subnet only: the EUI-64 address.
    only = await api.port(net["id"], mac_address="fa:16:3e:00:00:07", fixed_ips=[{"subnet_id": slaac["id"]}])
    assert only["fixed_ips"] == [{"subnet_id": slaac["id"], "ip_address": "fd00:2::f816:3eff:fe00:7"}]


async def test_ipv6_mode_rules(api: Api) -> None:
    net = await api.network(name="v6")
    base = {"network_id": net["id"], "ip_version": 6}
    r = await api.post("subnets", {"subnet": {**base, "cidr": "fd00:4::/80", "ipv6_address_mode": "slaac"}})
    assert r.status_code == 400 and "/64" in error(r)["message"]
    r = await api.post(
        "subnets",
        {"subnet": {**base, "cidr": "fd00:4::/64", "ipv6_address_mode": "slaac", "ipv6_ra_mode": "dhcpv6-stateful"}},
    )
    assert r.status_code == 400 and "must be the same" in error(r)["message"]


async def test_explicit_pools_and_host_routes(api: Api) -> None:
    net = await api.network(name="n")
    sub = await api.subnet(
        net["id"],
        "10.1.0.0/24",
        allocation_pools=[{"start": "10.1.0.100", "end": "10.1.0.110"}],
        host_routes=[{"destination": "10.99.0.0/16", "nexthop": "10.1.0.254"}],
    )
    assert sub["allocation_pools"] == [{"start": "10.1.0.100", "end": "10.1.0.110"}]
    assert sub["host_routes"] == [{"destination": "10.99.0.0/16", "nexthop": "10.1.0.254"}]
    port = await api.port(net["id"])
    assert 100 <= int(port["fixed_ips"][0]["ip_address"].rsplit(".", 1)[1]) <= 110


BAD: list[tuple[dict[str, Any], int, str, str]] = [
    ({"cidr": "10.0.0.0/33"}, 400, "InvalidInput", "10.0.0.0/33"),
    ({"cidr": "banana"}, 400, "InvalidInput", "banana"),
    ({"cidr": "10.0.0.5/24"}, 400, "InvalidInput", "10.0.0.0/24"),
    ({"cidr": "10.0.0.0"}, 400, "InvalidInput", "10.0.0.0"),
    ({"cidr": "10.0.0.0/24", "ip_version": 6}, 400, "InvalidInput", "ip_version"),
    ({"cidr": "10.0.0.0/24", "ip_version": 5}, 400, "HTTPBadRequest", "ip_version"),
    ({"cidr": "10.0.0.0/24", "gateway_ip": "10.1.0.1"}, 400, "InvalidInput", "10.1.0.1"),
    ({"cidr": "10.0.0.0/24", "gateway_ip": "nope"}, 400, "InvalidInput", "nope"),
    ({"cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.255"}, 400, "InvalidInput", "broadcast"),
    (
        {"cidr": "10.0.0.0/24", "allocation_pools": [{"start": "10.0.1.10", "end": "10.0.1.20"}]},
        400,
        "OutOfBoundsAllocationPool",
        "10.0.1.10",
    ),
    (
        {"cidr": "10.0.0.0/24", "allocation_pools": [{"start": "10.0.0.20", "end": "10.0.0.10"}]},
        400,
        "InvalidAllocationPool",
        "10.0.0.20",
    ),
    (
        {
            "cidr": "10.0.0.0/24",
            "allocation_pools": [
                {"start": "10.0.0.10", "end": "10.0.0.20"},
                {"start": "10.0.0.15", "end": "10.0.0.30"},
            ],
        },
        409,
        "OverlappingAllocationPools",
        "overlapping",
    ),
    (
        {"cidr": "10.0.0.0/24", "allocation_pools": [{"start": "10.0.0.1", "end": "10.0.0.20"}]},
        409,
        "GatewayConflictWithAllocationPools",
        "10.0.0.1",
    ),
    ({"cidr": "10.0.0.0/24", "dns_nameservers": ["not-an-ip"]}, 400, "InvalidInput", "not-an-ip"),
    ({"cidr": "10.0.0.0/24", "host_routes": [{"destination": "x", "nexthop": "10.0.0.9"}]}, 400, "InvalidInput", "x"),
    ({}, 400, "BadRequest", "cidr"),
]


@pytest.mark.parametrize(("attrs", "status", "kind", "fragment"), BAD)
async def test_bad_subnets(api: Api, attrs: dict[str, Any], status: int, kind: str, fragment: str) -> None:
    net = await api.network(name="n")
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], **attrs}})
    assert r.status_code == status, r.text
    err = error(r)
    assert err["type"] == kind and fragment in err["message"], err


async def test_overlapping_cidrs_on_one_network_are_refused(api: Api) -> None:
    net, sub = await api.net_with_subnet("10.0.0.0/16")
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.5.0/24", "ip_version": 4}})
    assert r.status_code == 400 and "overlaps" in error(r)["message"] and sub["id"] in error(r)["message"]
    other = await api.network(name="other")
    await api.subnet(other["id"], "10.0.5.0/24")  # another network may reuse the range


async def test_subnet_on_unknown_or_foreign_network(api: Api) -> None:
    r = await api.post("subnets", {"subnet": {"network_id": "missing", "cidr": "10.0.0.0/24", "ip_version": 4}})
    assert r.status_code == 404 and error(r)["type"] == "NetworkNotFound"
    net = await api.network(name="n")
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24", "ip_version": 4}}, "alt")
    assert r.status_code == 404
    shared = await api.network("admin", name="s", shared=True)
    r = await api.post("subnets", {"subnet": {"network_id": shared["id"], "cidr": "10.0.0.0/24", "ip_version": 4}})
    assert r.status_code == 403


async def test_delete_subnet_in_use_is_409_naming_the_port(api: Api) -> None:
    net, sub = await api.net_with_subnet()
    port = await api.port(net["id"])
    r = await api.delete(f"subnets/{sub['id']}")
    assert r.status_code == 409 and error(r)["type"] == "SubnetInUse" and port["id"] in error(r)["message"]
    await api.delete(f"ports/{port['id']}")
    assert (await api.delete(f"subnets/{sub['id']}")).status_code == 204
    assert (await api.get("ports", "admin")).json()["ports"] == []  # the DHCP port went with it


async def test_update_subnet(api: Api) -> None:
    net, sub = await api.net_with_subnet("10.0.0.0/24", allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.20"}])
    r = await api.put(
        f"subnets/{sub['id']}", {"subnet": {"name": "x", "gateway_ip": "10.0.0.254", "dns_nameservers": ["1.1.1.1"]}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["subnet"]["gateway_ip"] == "10.0.0.254"
    r = await api.put(f"subnets/{sub['id']}", {"subnet": {"gateway_ip": "10.0.0.15"}})
    assert r.status_code == 409 and error(r)["type"] == "GatewayConflictWithAllocationPools"
    r = await api.put(f"subnets/{sub['id']}", {"subnet": {"cidr": "10.1.0.0/24"}})
    assert r.status_code == 400
    port = await api.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.50"}])
    r = await api.put(f"subnets/{sub['id']}", {"subnet": {"gateway_ip": "10.0.0.50"}})
    assert r.status_code == 409 and port["id"] in error(r)["message"]


async def test_ip_availability(api: Api) -> None:
    net, sub = await api.net_with_subnet("10.0.0.0/28")
    await api.port(net["id"])
    r = await api.get(f"network-ip-availabilities/{net['id']}", "admin")
    avail = r.json()["network_ip_availability"]
    assert avail["total_ips"] == 13 and avail["used_ips"] == 2  # one VM port, one DHCP port
    assert avail["subnet_ip_availability"][0]["subnet_id"] == sub["id"]
    assert (await api.get("network-ip-availabilities")).status_code == 403
    listed = (await api.get("network-ip-availabilities", "admin")).json()["network_ip_availabilities"]
    assert [a["network_id"] for a in listed] == [net["id"]]
