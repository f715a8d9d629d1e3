"""Network API: behaviours Neutron's reference has that Tempest checks (security group rule
values as stored, extra routes cleared with null, subnets of external networks,
auto-address subnets deleted with their ports' addresses, external networks deleted
with their idle floating IPs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def _group(api: Api) -> str:
    return str((await api.made("security-groups", "security_group", name="g"))["id"])


@pytest.mark.parametrize(
    ("given", "shown", "normalized"),
    [
        ("0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"),
        ("10.0.0.5/24", "10.0.0.5/24", "10.0.0.0/24"),
        ("10.0.0.5", "10.0.0.5/32", "10.0.0.5/32"),
    ],
)
async def test_rule_remote_ip_prefix_comes_back_as_stored(api: Api, given: str, shown: str, normalized: str) -> None:
    sg = await _group(api)
    rule = await api.made(
        "security-group-rules", "security_group_rule", security_group_id=sg, direction="ingress", remote_ip_prefix=given
    )
    assert rule["remote_ip_prefix"] == shown and rule["normalized_cidr"] == normalized
    again = (await api.get(f"security-group-rules/{rule['id']}")).json()["security_group_rule"]
    assert again["remote_ip_prefix"] == shown


async def test_rule_for_everything_duplicates_the_one_without_prefix(api: Api) -> None:
    sg = await _group(api)
    body = {"security_group_id": sg, "direction": "ingress", "protocol": "tcp", "port_range_min": 22}
    await api.made("security-group-rules", "security_group_rule", **body)
    r = await api.post("security-group-rules", {"security_group_rule": {**body, "remote_ip_prefix": "0.0.0.0/0"}})
    assert r.status_code == 409 and error(r)["type"] == "SecurityGroupRuleExists"


async def test_tcp_port_max_without_min_is_400(api: Api) -> None:
    sg = await _group(api)
    body = {"security_group_id": sg, "direction": "ingress", "protocol": "tcp", "port_range_max": 6}
    r = await api.post("security-group-rules", {"security_group_rule": body})
    assert r.status_code == 400 and "port_range_min must be <= port_range_max" in error(r)["message"]


async def test_renaming_a_group_default_is_409(api: Api) -> None:
    sg = await _group(api)
    r = await api.put(f"security-groups/{sg}", {"security_group": {"name": "default"}})
    assert r.status_code == 409 and error(r)["type"] == "SecurityGroupDefaultAlreadyExists"


async def test_router_routes_null_clears_them(api: Api) -> None:
    router = await api.made("routers", "router", name="r")
    _, sub = await api.net_with_subnet("10.0.0.0/24")
    await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    routes = [{"destination": "10.9.0.0/24", "nexthop": "10.0.0.9"}]
    r = await api.put(f"routers/{router['id']}", {"router": {"routes": routes}})
    assert r.json()["router"]["routes"] == routes
    r = await api.put(f"routers/{router['id']}", {"router": {"routes": None}})
    assert r.status_code == 200 and r.json()["router"]["routes"] == []
    aliases = {e["alias"] for e in (await api.get("extensions")).json()["extensions"]}
    assert {"extraroute", "subnet-external-network"} <= aliases


async def test_subnets_tell_whether_their_network_is_external(api: Api) -> None:
    ext = await api.network("admin", name="ext", **{"router:external": True})
    public = await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    _, private = await api.net_with_subnet("10.0.0.0/24")
    assert public["router:external"] is True and private["router:external"] is False
    shown = {s["id"]: s["router:external"] for s in (await api.get("subnets")).json()["subnets"]}
    assert shown == {public["id"]: True, private["id"]: False}
    external_only = (await api.get("subnets", **{"router:external": "true"})).json()["subnets"]
    assert [s["id"] for s in external_only] == [public["id"]]


@pytest.mark.parametrize("mode", ["slaac", "dhcpv6-stateless"])
async def test_auto_address_subnet_goes_with_its_ports_addresses(api: Api, mode: str) -> None:
    net = await api.network(name="v6")
    v4 = await api.subnet(net["id"], "10.0.0.0/24")
    v6 = await api.subnet(net["id"], "2001:db8::/64", ipv6_ra_mode=mode, ipv6_address_mode=mode)
    port = await api.port(net["id"])
    assert {ip["subnet_id"] for ip in port["fixed_ips"]} == {v4["id"], v6["id"]}
    assert (await api.delete(f"subnets/{v6['id']}")).status_code == 204
    left = (await api.get(f"ports/{port['id']}")).json()["port"]
    assert [ip["subnet_id"] for ip in left["fixed_ips"]] == [v4["id"]]
    # A pool-addressed subnet with ports stays in use.
    r = await api.delete(f"subnets/{v4['id']}")
    assert r.status_code == 409 and error(r)["type"] == "SubnetInUse"


async def test_external_network_goes_with_its_idle_floating_ips(api: Api) -> None:
    ext = await api.network("admin", name="ext", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin", enable_dhcp=False)
    fip = await api.made("floatingips", "floatingip", "admin", floating_network_id=ext["id"])
    assert (await api.delete(f"networks/{ext['id']}", "admin")).status_code == 204
    assert (await api.get(f"floatingips/{fip['id']}", "admin")).status_code == 404
    assert (await api.get("ports", "admin", network_id=ext["id"])).json()["ports"] == []


async def test_service_providers_is_an_empty_list(api: Api) -> None:
    r = await api.get("service-providers", "reader")
    assert r.status_code == 200 and r.json() == {"service_providers": []}
    assert (await api.get("extensions/service-type")).status_code == 200
