"""Network API: ports, IPAM (including 200 concurrent creates), MACs, security and binding attributes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.testing.auth import ADMIN, DEMO, StaticAuthenticator
from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def test_port_defaults(api: Api) -> None:
    net, sub = await api.net_with_subnet()
    port = await api.port(net["id"], name="p", device_id="vm-1", device_owner="compute:nova")
    assert port["status"] == "DOWN" and port["admin_state_up"] is True
    assert port["mac_address"].startswith("fa:16:3e:")
    assert len(port["fixed_ips"]) == 1 and port["fixed_ips"][0]["subnet_id"] == sub["id"]
    assert port["port_security_enabled"] is True and len(port["security_groups"]) == 1
    assert "binding:host_id" not in port  # admin-only
    admin_view = (await api.get(f"ports/{port['id']}", "admin")).json()["port"]
    assert admin_view["binding:host_id"] == "" and admin_view["binding:vif_type"] == "unbound"
    groups = (await api.get("security-groups")).json()["security_groups"]
    assert [g["id"] for g in groups] == port["security_groups"] and groups[0]["name"] == "default"


async def test_port_on_network_without_subnet_has_no_address(api: Api) -> None:
    net = await api.network(name="bare")
    assert (await api.port(net["id"]))["fixed_ips"] == []


async def test_specific_fixed_ip_and_conflicts(api: Api) -> None:
    net, sub = await api.net_with_subnet()
    port = await api.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.50"}])
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.0.50"}]
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.50"}]}})
    assert r.status_code == 409 and error(r)["type"] == "IpAddressInUse" and "10.0.0.50" in error(r)["message"]
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.1"}]}})
    assert r.status_code == 409  # the gateway
    r = await api.post(
        "ports", {"port": {"network_id": net["id"], "fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.5.0.5"}]}}
    )
    assert r.status_code == 400 and error(r)["type"] == "InvalidIpForSubnet"
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.5.0.5"}]}})
    assert r.status_code == 400 and error(r)["type"] == "InvalidIpForNetwork"
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "300.1.1.1"}]}})
    assert r.status_code == 400
    r = await api.post("ports", {"port": {"network_id": net["id"], "fixed_ips": [{"subnet_id": "nope"}]}})
    assert r.status_code == 400 and "nope" in error(r)["message"]


async def test_addresses_are_released_on_delete(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.77"}])
    assert (await api.delete(f"ports/{port['id']}")).status_code == 204
    again = await api.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.77"}])
    assert again["fixed_ips"][0]["ip_address"] == "10.0.0.77"
    r = await api.delete(f"ports/{port['id']}")
    assert r.status_code == 404 and error(r)["type"] == "PortNotFound"


async def test_mac_addresses(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"], mac_address="FA:16:3E:AA:BB:CC")
    assert port["mac_address"] == "fa:16:3e:aa:bb:cc"
    r = await api.post("ports", {"port": {"network_id": net["id"], "mac_address": "fa:16:3e:aa:bb:cc"}})
    assert r.status_code == 409 and error(r)["type"] == "MacAddressInUse"
    for bad in ("zz:16:3e:aa:bb:cc", "01:00:5e:00:00:01", "fa:16:3e"):
        r = await api.post("ports", {"port": {"network_id": net["id"], "mac_address": bad}})
        assert r.status_code == 400, bad


async def test_exhaustion_is_409_ip_address_generation_failure(api: Api) -> None:
    net, _ = await api.net_with_subnet("10.0.0.0/29")  # .2-.6: DHCP takes .2, four left
    for _ in range(4):
        await api.port(net["id"])
    r = await api.post("ports", {"port": {"network_id": net["id"]}})
    assert r.status_code == 409 and error(r)["type"] == "IpAddressGenerationFailure"
    assert net["id"] in error(r)["message"]


async def test_200_concurrent_creates_on_a_24_never_duplicate(api: Api) -> None:
    net, _ = await api.net_with_subnet("10.0.0.0/24", allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.160"}])

    async def one() -> tuple[int, str | None]:
        r = await api.post("ports", {"port": {"network_id": net["id"]}}, "admin")
        return r.status_code, (
            r.json()["port"]["fixed_ips"][0]["ip_address"] if r.status_code == 201 else error(r)["type"]
        )

    results = await asyncio.gather(*(one() for _ in range(200)))
    created = [ip for status, ip in results if status == 201]
    refused = [kind for status, kind in results if status != 201]
    # 151 pool addresses, one of which the DHCP port holds.
    assert len(created) == 150 and len(set(created)) == 150
    assert refused == ["IpAddressGenerationFailure"] * 50
    listed = (await api.get("ports", "admin", network_id=net["id"])).json()["ports"]
    all_ips = [ip["ip_address"] for p in listed for ip in p["fixed_ips"]]
    assert len(all_ips) == len(set(all_ips)) == 151


async def test_port_on_foreign_or_external_network(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    r = await api.post("ports", {"port": {"network_id": net["id"]}}, "alt")
    assert r.status_code == 404 and error(r)["type"] == "NetworkNotFound"
    shared = await api.network("admin", name="shared", shared=True)
    await api.subnet(shared["id"], "10.50.0.0/24", "admin")
    port = await api.port(shared["id"], "alt")
    assert port["project_id"] == "p-alt"
    ext = await api.network("admin", name="ext", **{"router:external": True})
    assert (await api.post("ports", {"port": {"network_id": ext["id"]}}, "alt")).status_code == 403


async def test_other_projects_ports_are_invisible(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"])
    assert (await api.get(f"ports/{port['id']}", "alt")).status_code == 404
    assert (await api.put(f"ports/{port['id']}", {"port": {"name": "x"}}, "alt")).status_code == 404
    assert (await api.delete(f"ports/{port['id']}", "alt")).status_code == 404
    assert (await api.get("ports", "alt")).json()["ports"] == []
    assert (await api.delete(f"ports/{port['id']}", "reader")).status_code == 403


async def test_binding_attributes_are_admin_only(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    r = await api.post("ports", {"port": {"network_id": net["id"], "binding:host_id": "h1"}})
    assert r.status_code == 403
    port = await api.port(net["id"])
    r = await api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "h1"}})
    assert r.status_code == 403
    r = await api.put(f"ports/{port['id']}", {"port": {"binding:host_id": "h1"}}, "admin")
    bound = r.json()["port"]
    assert bound["binding:host_id"] == "h1" and bound["binding:vif_type"] == "bridge"
    assert bound["binding:vif_details"]["port_filter"] is True


async def test_port_security_and_address_pairs(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"], port_security_enabled=False)
    assert port["security_groups"] == []
    r = await api.post(
        "ports",
        {
            "port": {
                "network_id": net["id"],
                "port_security_enabled": False,
                "allowed_address_pairs": [{"ip_address": "10.0.0.200"}],
            }
        },
    )
    assert r.status_code == 409 and error(r)["type"] == "AddressPairAndPortSecurityRequired"
    secured = await api.port(net["id"], allowed_address_pairs=[{"ip_address": "10.0.0.0/28"}])
    assert secured["allowed_address_pairs"] == [{"ip_address": "10.0.0.0/28"}]
    r = await api.put(f"ports/{secured['id']}", {"port": {"port_security_enabled": False}})
    assert r.status_code == 409 and error(r)["type"] == "PortSecurityPortHasSecurityGroup"
    r = await api.put(
        f"ports/{secured['id']}",
        {"port": {"port_security_enabled": False, "security_groups": [], "allowed_address_pairs": []}},
    )
    assert r.status_code == 200 and r.json()["port"]["port_security_enabled"] is False
    r = await api.post("ports", {"port": {"network_id": net["id"], "allowed_address_pairs": [{"ip_address": "x"}]}})
    assert r.status_code == 400
    r = await api.post("ports", {"port": {"network_id": net["id"], "security_groups": ["missing"]}})
    assert r.status_code == 404 and error(r)["type"] == "SecurityGroupNotFound"


async def test_update_fixed_ips_and_extra_dhcp_opts(api: Api) -> None:
    net, sub = await api.net_with_subnet()
    port = await api.port(net["id"], extra_dhcp_opts=[{"opt_name": "mtu", "opt_value": "1400"}])
    assert port["extra_dhcp_opts"] == [{"opt_name": "mtu", "opt_value": "1400"}]
    r = await api.put(
        f"ports/{port['id']}", {"port": {"fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.0.0.99"}]}}
    )
    assert r.json()["port"]["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.0.99"}]
    old = port["fixed_ips"][0]["ip_address"]
    reuse = await api.port(net["id"], fixed_ips=[{"ip_address": old}])
    assert reuse["fixed_ips"][0]["ip_address"] == old


async def test_port_filters(api: Api) -> None:
    net, sub = await api.net_with_subnet()
    a = await api.port(net["id"], device_id="vm-a", fixed_ips=[{"ip_address": "10.0.0.31"}])
    b = await api.port(net["id"], device_id="vm-b", fixed_ips=[{"ip_address": "10.0.0.42"}])
    assert [p["id"] for p in (await api.get("ports", device_id="vm-a")).json()["ports"]] == [a["id"]]
    r = await api.get("ports", fixed_ips="ip_address=10.0.0.42")
    assert [p["id"] for p in r.json()["ports"]] == [b["id"]]
    r = await api.get("ports", fixed_ips="ip_address_substr=0.0.3")
    assert [p["id"] for p in r.json()["ports"]] == [a["id"]]
    r = await api.get("ports", fixed_ips=f"subnet_id={sub['id']}", device_owner="")
    assert {p["id"] for p in r.json()["ports"]} == {a["id"], b["id"]}


async def test_port_quota(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    await api.put("quotas/p-demo", {"quota": {"port": 1}}, "admin")
    await api.port(net["id"])
    r = await api.post("ports", {"port": {"network_id": net["id"]}})
    assert r.status_code == 409 and error(r)["type"] == "OverQuota" and "port" in error(r)["message"]


async def test_a_service_relaying_a_users_request_may_bind(tmp_path: Path) -> None:
    """The compute agent sends the user's token plus its service token to bind the port."""
    tokens = {"demo": DEMO, "admin": ADMIN, "demo+service": dataclasses.replace(DEMO, service_roles=("service",))}
    async with network_api(tmp_path / "relay", authenticator=StaticAuthenticator(tokens)) as relay:
        net, _ = await relay.net_with_subnet()
        port = await relay.port(net["id"])
        r = await relay.put(f"ports/{port['id']}", {"port": {"binding:host_id": "h1"}}, "demo+service")
        assert r.status_code == 200 and r.json()["port"]["binding:host_id"] == "h1"
        r = await relay.put(f"ports/{port['id']}", {"port": {"mac_address": "fa:16:3e:00:00:01"}}, "demo+service")
        assert r.status_code == 403
