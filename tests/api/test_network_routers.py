"""Network API: routers (gateway, interfaces) and floating IPs, with their bad input."""

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


async def external(api: Api) -> dict[str, Any]:
    ext = await api.network("admin", name="public", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    return ext


async def test_router_with_gateway_and_interfaces(api: Api) -> None:
    ext = await external(api)
    router = await api.made("routers", "router", name="r1", external_gateway_info={"network_id": ext["id"]})
    gw = router["external_gateway_info"]
    assert gw["network_id"] == ext["id"] and gw["enable_snat"] is True
    assert gw["external_fixed_ips"][0]["ip_address"].startswith("172.24.4.")
    net, sub = await api.net_with_subnet("10.0.0.0/24")
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["subnet_id"] == sub["id"] and info["network_id"] == net["id"]
    port = (await api.get(f"ports/{info['port_id']}")).json()["port"]
    assert port["device_owner"] == "network:router_interface" and port["fixed_ips"][0]["ip_address"] == "10.0.0.1"
    r = await api.delete(f"ports/{info['port_id']}")
    assert r.status_code == 409
    r = await api.delete(f"routers/{router['id']}")
    assert r.status_code == 409 and error(r)["type"] == "RouterInUse" and info["port_id"] in error(r)["message"]
    r = await api.delete(f"subnets/{sub['id']}")
    assert r.status_code == 409
    r = await api.put(f"routers/{router['id']}/remove_router_interface", {"subnet_id": sub["id"]})
    assert r.status_code == 200 and r.json()["port_id"] == info["port_id"]
    assert (await api.delete(f"routers/{router['id']}")).status_code == 204
    # The gateway port went with the router.
    owners = {p["device_owner"] for p in (await api.get("ports", "admin")).json()["ports"]}
    assert "network:router_gateway" not in owners


async def test_interface_by_port_and_bad_interfaces(api: Api) -> None:
    router = await api.made("routers", "router", name="r")
    net, sub = await api.net_with_subnet("10.0.0.0/24")
    port = await api.port(net["id"])
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"port_id": port["id"]})
    assert r.status_code == 200 and r.json()["port_id"] == port["id"]
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    assert r.status_code == 400 and "already has a port" in error(r)["message"]
    other, overlapping = await api.net_with_subnet("10.0.0.0/16")
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": overlapping["id"]})
    assert r.status_code == 400 and "overlaps" in error(r)["message"]
    nogw = await api.subnet(other["id"], "10.200.0.0/24", gateway_ip=None)
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": nogw["id"]})
    assert r.status_code == 400 and "gateway" in error(r)["message"]
    r = await api.put(f"routers/{router['id']}/add_router_interface", {})
    assert r.status_code == 400
    r = await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"], "port_id": "x"})
    assert r.status_code == 400
    r = await api.put(f"routers/{router['id']}/remove_router_interface", {"subnet_id": nogw["id"]})
    assert r.status_code == 404
    r = await api.put(f"routers/{router['id']}/remove_router_interface", {"port_id": port["id"]})
    assert r.status_code == 200
    assert (await api.get(f"ports/{port['id']}")).status_code == 404


async def test_gateway_must_be_external_and_router_is_private(api: Api) -> None:
    net = await api.network(name="internal")
    r = await api.post("routers", {"router": {"name": "r", "external_gateway_info": {"network_id": net["id"]}}})
    assert r.status_code == 400 and "external" in error(r)["message"]
    r = await api.post("routers", {"router": {"external_gateway_info": {"network_id": "missing"}}})
    assert r.status_code == 404
    router = await api.made("routers", "router", name="r")
    assert (await api.get(f"routers/{router['id']}", "alt")).status_code == 404
    r = await api.get(f"routers/{router['id']}", "alt")
    assert error(r)["type"] == "RouterNotFound"
    assert (await api.post("routers", {"router": {"name": "x"}}, "reader")).status_code == 403


async def test_set_and_clear_gateway(api: Api) -> None:
    ext = await external(api)
    router = await api.made("routers", "router", name="r")
    r = await api.put(f"routers/{router['id']}", {"router": {"external_gateway_info": {"network_id": ext["id"]}}})
    assert r.json()["router"]["external_gateway_info"]["network_id"] == ext["id"]
    r = await api.put(f"routers/{router['id']}", {"router": {"external_gateway_info": {}}})
    assert r.json()["router"]["external_gateway_info"] is None


async def topology(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    ext = await external(api)
    router = await api.made("routers", "router", name="r", external_gateway_info={"network_id": ext["id"]})
    net, sub = await api.net_with_subnet("10.0.0.0/24")
    await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    port = await api.port(net["id"], device_id="vm", device_owner="compute:nova")
    return ext, router, port


async def test_floating_ip_lifecycle(api: Api) -> None:
    ext, router, port = await topology(api)
    fip = await api.made("floatingips", "floatingip", floating_network_id=ext["id"])
    assert fip["status"] == "DOWN" and fip["port_id"] is None
    assert fip["floating_ip_address"].startswith("172.24.4.")
    r = await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": port["id"]}})
    assert r.status_code == 200, r.text
    assoc = r.json()["floatingip"]
    assert assoc["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"] and assoc["router_id"] == router["id"]
    assert assoc["status"] == "ACTIVE"
    found = (await api.get("floatingips", floating_ip_address=fip["floating_ip_address"])).json()["floatingips"]
    assert [f["id"] for f in found] == [fip["id"]]
    r = await api.put(f"routers/{router['id']}", {"router": {"external_gateway_info": None}})
    assert r.status_code == 409
    r = await api.put(f"floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
    assert r.json()["floatingip"]["port_id"] is None and r.json()["floatingip"]["status"] == "DOWN"
    assert (await api.get(f"floatingips/{fip['id']}", "alt")).status_code == 404
    assert (await api.delete(f"floatingips/{fip['id']}")).status_code == 204
    r = await api.get(f"floatingips/{fip['id']}")
    assert r.status_code == 404 and error(r)["type"] == "FloatingIPNotFound"


async def test_floating_ip_specific_address_and_create_associated(api: Api) -> None:
    ext, _, port = await topology(api)
    specific = {"floating_network_id": ext["id"], "floating_ip_address": "172.24.4.99"}
    # Choosing the address is for admins (create_floatingip:floating_ip_address).
    r = await api.post("floatingips", {"floatingip": {**specific, "port_id": port["id"]}})
    assert r.status_code == 403 and error(r)["type"] == "PolicyNotAuthorized"
    fip = await api.made(
        "floatingips", "floatingip", "admin", **specific, port_id=port["id"], project_id=port["project_id"]
    )
    assert fip["floating_ip_address"] == "172.24.4.99" and fip["port_id"] == port["id"]
    r = await api.post("floatingips", {"floatingip": specific}, "admin")
    assert r.status_code == 409 and error(r)["type"] == "IpAddressInUse"
    r = await api.post("floatingips", {"floatingip": {"floating_network_id": ext["id"], "port_id": port["id"]}})
    assert r.status_code == 409 and error(r)["type"] == "FloatingIPPortAlreadyAssociated"
    # Deleting the port disassociates the floating IP.
    await api.delete(f"ports/{port['id']}")
    assert (await api.get(f"floatingips/{fip['id']}")).json()["floatingip"]["port_id"] is None


async def test_floating_ip_bad_input(api: Api) -> None:
    ext = await external(api)
    internal, _ = await api.net_with_subnet("10.1.0.0/24")
    r = await api.post("floatingips", {"floatingip": {"floating_network_id": internal["id"]}})
    assert r.status_code == 400 and "external" in error(r)["message"]
    r = await api.post("floatingips", {"floatingip": {}})
    assert r.status_code == 400
    unrouted = await api.port(internal["id"])
    r = await api.post("floatingips", {"floatingip": {"floating_network_id": ext["id"], "port_id": unrouted["id"]}})
    assert r.status_code == 404 and error(r)["type"] == "ExternalGatewayForFloatingIPNotFound"
    _, _, port = await topology_on(api, ext)
    r = await api.post(
        "floatingips",
        {"floatingip": {"floating_network_id": ext["id"], "port_id": port["id"], "fixed_ip_address": "10.0.0.250"}},
    )
    assert r.status_code == 400
    r = await api.post(
        "floatingips", {"floatingip": {"floating_network_id": ext["id"], "floating_ip_address": "10.0.0.5"}}, "admin"
    )
    assert r.status_code == 400
    # Nothing was left behind by the failed creates.
    assert (await api.get("floatingips")).json()["floatingips"] == []


async def topology_on(api: Api, ext: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    router = await api.made("routers", "router", name="r2", external_gateway_info={"network_id": ext["id"]})
    net, sub = await api.net_with_subnet("10.0.0.0/24")
    await api.put(f"routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    return router, net, await api.port(net["id"])


async def test_quotas_api(api: Api) -> None:
    r = await api.get("quotas/p-demo")
    assert r.json()["quota"]["port"] == 500 and r.json()["quota"]["router"] == 10
    assert (await api.get("quotas/p-alt")).status_code == 403
    assert (await api.put("quotas/p-demo", {"quota": {"router": 1}})).status_code == 403
    assert (await api.put("quotas/p-demo", {"quota": {"router": "x"}}, "admin")).status_code == 400
    await api.put("quotas/p-demo", {"quota": {"router": 1}}, "admin")
    await api.made("routers", "router", name="r")
    r = await api.post("routers", {"router": {"name": "r2"}})
    assert r.status_code == 409 and error(r)["type"] == "OverQuota"
    details = (await api.get("quotas/p-demo/details")).json()["quota"]
    assert details["router"] == {"limit": 1, "used": 1, "reserved": 0}
    assert (await api.get("quotas/p-demo/default")).json()["quota"]["router"] == 10
    listed = (await api.get("quotas", "admin")).json()["quotas"]
    assert [q["project_id"] for q in listed] == ["p-demo"]
    assert (await api.delete("quotas/p-demo", "admin")).status_code == 204
    assert (await api.get("quotas/p-demo")).json()["quota"]["router"] == 10


async def test_auto_allocated_topology(api: Api) -> None:
    ext = await api.network("admin", name="public", is_default=True, **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    r = await api.get("auto-allocated-topology/p-demo")
    assert r.status_code == 200, r.text
    topo = r.json()["auto_allocated_topology"]
    again = (await api.get("auto-allocated-topology/p-demo")).json()["auto_allocated_topology"]
    assert topo["id"] == again["id"] and topo["project_id"] == "p-demo"
    net = (await api.get(f"networks/{topo['id']}")).json()["network"]
    assert len(net["subnets"]) == 1
    routers = (await api.get("routers")).json()["routers"]
    assert len(routers) == 1 and routers[0]["external_gateway_info"]["network_id"] == ext["id"]
    port = await api.port(topo["id"])
    assert port["fixed_ips"]
    assert (await api.get("auto-allocated-topology/p-demo", "alt")).status_code == 403


async def test_router_ports_are_active_and_gateway_port_belongs_to_no_project(api: Api) -> None:
    ext, router, _port = await topology(api)
    ports = (await api.get("ports", "admin", device_id=router["id"])).json()["ports"]
    owners = {p["device_owner"]: p for p in ports}
    assert set(owners) == {"network:router_interface", "network:router_gateway"}
    assert all(p["status"] == "ACTIVE" for p in ports)
    assert owners["network:router_gateway"]["project_id"] == ""
    assert owners["network:router_gateway"]["network_id"] == ext["id"]
    visible = {p["device_owner"] for p in (await api.get("ports", device_id=router["id"])).json()["ports"]}
    assert visible == {"network:router_interface"}
