"""Network API: admin-only attributes as Neutron's policy engine judges them (a default
value on create is not "set"), and bulk creates (``{"networks": [...]}``, all or nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


@pytest.mark.parametrize("attr", [{"shared": False}, {"router:external": False}, {"is_default": False}])
async def test_member_may_send_the_default_of_an_admin_only_network_attribute(
    api: Api, attr: dict[str, object]
) -> None:
    r = await api.post("networks", {"network": {"name": "x", **attr}})
    assert r.status_code == 201, r.text
    net = r.json()["network"]
    assert net["shared"] is False and net["router:external"] is False


@pytest.mark.parametrize(
    "attr",
    [
        {"shared": True},
        {"router:external": True},
        {"is_default": True},
        # Provider attributes have no default: any value is an explicit choice.
        {"provider:network_type": "vxlan"},
        {"provider:physical_network": None},
        {"provider:segmentation_id": 5},
    ],
)
async def test_member_may_not_set_an_admin_only_network_attribute(api: Api, attr: dict[str, object]) -> None:
    r = await api.post("networks", {"network": {"name": "x", **attr}})
    assert r.status_code == 403, r.text
    assert error(r)["type"] == "PolicyNotAuthorized"
    assert (await api.post("networks", {"network": {"name": "x", **attr}}, "admin")).status_code == 201


async def test_on_update_any_admin_only_attribute_in_the_body_is_refused(api: Api) -> None:
    net = await api.network(name="n")
    # Neutron checks an updated attribute whatever its value.
    r = await api.put(f"networks/{net['id']}", {"network": {"shared": False}})
    assert r.status_code == 403 and error(r)["type"] == "PolicyNotAuthorized"
    r = await api.put(f"networks/{net['id']}", {"network": {"shared": False}}, "admin")
    assert r.status_code == 200


async def test_port_binding_and_router_gateway_attributes(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    for attr in ({"binding:host_id": ""}, {"binding:profile": {}}):
        r = await api.post("ports", {"port": {"network_id": net["id"], **attr}})
        assert r.status_code == 403, attr
    ext = await api.network("admin", name="ext", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    for gw in ({"enable_snat": True}, {"external_fixed_ips": []}):
        body = {"router": {"external_gateway_info": {"network_id": ext["id"], **gw}}}
        r = await api.post("routers", body)
        assert r.status_code == 403 and "external_gateway_info" in error(r)["message"], gw
    router = await api.made("routers", "router", external_gateway_info={"network_id": ext["id"]})
    assert router["external_gateway_info"]["enable_snat"] is True


async def test_bulk_create_networks_subnets_ports(api: Api) -> None:
    r = await api.post("networks", {"networks": [{"name": "a"}, {"name": "b", "shared": False}]})
    assert r.status_code == 201, r.text
    nets = r.json()["networks"]
    assert [n["name"] for n in nets] == ["a", "b"]
    r = await api.post(
        "subnets",
        {
            "subnets": [
                {"network_id": nets[0]["id"], "cidr": "10.1.0.0/24", "ip_version": 4},
                {"network_id": nets[1]["id"], "cidr": "10.2.0.0/24", "ip_version": 4},
            ]
        },
    )
    assert r.status_code == 201, r.text
    assert [s["cidr"] for s in r.json()["subnets"]] == ["10.1.0.0/24", "10.2.0.0/24"]
    r = await api.post("ports", {"ports": [{"network_id": n["id"], "name": n["name"]} for n in nets]})
    assert r.status_code == 201, r.text
    ports = r.json()["ports"]
    assert [p["fixed_ips"][0]["ip_address"].rsplit(".", 2)[0] for p in ports] == ["10.1", "10.2"]


async def test_bulk_create_is_all_or_nothing(api: Api) -> None:
    net, _ = await api.net_with_subnet("10.0.0.0/24")
    r = await api.post(
        "ports",
        {
            "ports": [
                {"network_id": net["id"], "name": "ok"},
                {"network_id": net["id"], "fixed_ips": [{"ip_address": "192.168.9.9"}]},
            ]
        },
    )
    assert r.status_code == 400, r.text
    assert (await api.get("ports", name="ok")).json()["ports"] == []
    # A forbidden item refuses the whole request before anything is made.
    r = await api.post("networks", {"networks": [{"name": "fine"}, {"name": "no", "shared": True}]})
    assert r.status_code == 403
    assert (await api.get("networks", name="fine")).json()["networks"] == []


@pytest.mark.parametrize(("body", "fragment"), [({"networks": []}, "networks"), ({"networks": [5]}, "network")])
async def test_bad_bulk_bodies_are_400(api: Api, body: object, fragment: str) -> None:
    r = await api.post("networks", body)
    assert r.status_code == 400, r.text
    assert fragment in error(r)["message"]


@pytest.mark.parametrize(("attr", "status"), [({"segment_id": None}, 201), ({"service_types": []}, 403)])
async def test_subnet_segment_and_service_types_are_admin_only(api: Api, attr: dict[str, object], status: int) -> None:
    net = await api.network(name="n")
    body = {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24", "ip_version": 4, **attr}}
    assert (await api.post("subnets", body)).status_code == status
