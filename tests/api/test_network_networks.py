"""Network API: networks, discovery, policy, list queries (filters, fields, sort, pages)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def test_version_discovery_needs_no_token(api: Api) -> None:
    r = await api.client.get("/network/")
    assert r.status_code == 200
    version = r.json()["versions"][0]
    assert version["id"] == "v2.0" and version["links"][0]["href"].endswith("/network/v2.0/")


async def test_extensions_list_the_implemented_ones(api: Api) -> None:
    r = await api.get("extensions")
    aliases = {e["alias"] for e in r.json()["extensions"]}
    for alias in (
        "security-group",
        "router",
        "external-net",
        "extra_dhcp_opt",
        "allowed-address-pairs",
        "port-security",
        "binding",
        "quotas",
        "standard-attr-tag",
        "standard-attr-description",
        "network-ip-availability",
        "ip-substring-filtering",
    ):
        assert alias in aliases
    assert (await api.get("extensions/router")).json()["extension"]["alias"] == "router"
    assert error(await api.get("extensions/nope"))["type"] == "ExtensionNotFound"


async def test_no_token_is_401(api: Api) -> None:
    r = await api.client.get("/network/v2.0/networks")
    assert r.status_code == 401


async def test_create_show_update_delete(api: Api) -> None:
    net = await api.network(name="n1", description="first", mtu=1450)
    assert net["project_id"] == net["tenant_id"] == "p-demo"
    assert net["status"] == "ACTIVE" and net["admin_state_up"] is True and net["mtu"] == 1450
    assert net["subnets"] == [] and net["shared"] is False and net["router:external"] is False
    assert "provider:network_type" not in net  # admin-only attributes
    shown = (await api.get(f"networks/{net['id']}")).json()["network"]
    assert shown["name"] == "n1"
    r = await api.put(f"networks/{net['id']}", {"network": {"name": "renamed", "admin_state_up": False}})
    assert r.status_code == 200
    updated = r.json()["network"]
    assert updated["name"] == "renamed" and updated["admin_state_up"] is False
    assert updated["revision_number"] == net["revision_number"] + 1
    assert (await api.delete(f"networks/{net['id']}")).status_code == 204
    r = await api.get(f"networks/{net['id']}")
    assert r.status_code == 404 and error(r)["type"] == "NetworkNotFound"
    assert net["id"] in error(r)["message"]


async def test_admin_sees_provider_attributes(api: Api) -> None:
    net = await api.network("admin", name="p", **{"provider:network_type": "flat", "provider:physical_network": "x"})
    assert net["provider:network_type"] == "flat" and net["provider:physical_network"] == "x"


async def test_other_projects_networks_are_not_found(api: Api) -> None:
    net = await api.network(name="mine")
    for method in ("GET", "PUT", "DELETE"):
        body = {"network": {"name": "x"}} if method == "PUT" else None
        r = await api.call(method, f"networks/{net['id']}", body, token="alt")
        assert r.status_code == 404, (method, r.text)
    assert (await api.get("networks", "alt")).json()["networks"] == []
    assert len((await api.get("networks", "admin")).json()["networks"]) == 1


async def test_shared_network_is_visible_but_not_writable_for_others(api: Api) -> None:
    net = await api.network("admin", name="public", shared=True)
    assert [n["id"] for n in (await api.get("networks", "alt")).json()["networks"]] == [net["id"]]
    r = await api.put(f"networks/{net['id']}", {"network": {"name": "mine"}}, "alt")
    assert r.status_code == 403 and error(r)["type"] == "PolicyNotAuthorized"


async def test_reader_may_read_but_not_write(api: Api) -> None:
    net = await api.network(name="n")
    assert (await api.get(f"networks/{net['id']}", "reader")).status_code == 200
    r = await api.post("networks", {"network": {"name": "x"}}, "reader")
    assert r.status_code == 403 and error(r)["type"] == "PolicyNotAuthorized"
    assert (await api.put(f"networks/{net['id']}", {"network": {"name": "y"}}, "reader")).status_code == 403
    assert (await api.delete(f"networks/{net['id']}", "reader")).status_code == 403


@pytest.mark.parametrize(
    "attr", [{"shared": True}, {"router:external": True}, {"provider:network_type": "vlan"}, {"project_id": "p-alt"}]
)
async def test_members_may_not_set_admin_attributes(api: Api, attr: dict[str, object]) -> None:
    r = await api.post("networks", {"network": {"name": "x", **attr}})
    assert r.status_code == 403, r.text


async def test_admin_creates_for_another_project(api: Api) -> None:
    net = await api.network("admin", name="for-alt", project_id="p-alt")
    assert net["project_id"] == "p-alt"
    assert [n["id"] for n in (await api.get("networks", "alt")).json()["networks"]] == [net["id"]]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"network": {"name": 5}}, "name"),
        ({"network": {"admin_state_up": "maybe"}}, "admin_state_up"),
        ({"network": {"mtu": 10}}, "mtu"),
        ({"network": {"bogus": 1}}, "bogus"),
        ({"net": {}}, "network"),
        ({"network": []}, "network"),
        ([], "network"),
    ],
)
async def test_bad_bodies_are_400(api: Api, body: object, fragment: str) -> None:
    r = await api.post("networks", body)
    assert r.status_code == 400, r.text
    assert fragment in error(r)["message"]


async def test_malformed_json_is_400(api: Api) -> None:
    r = await api.client.post("/network/v2.0/networks", content=b"{nope", headers={"X-Auth-Token": "demo"})
    assert r.status_code == 400 and "JSON" in error(r)["message"]


async def test_delete_network_with_ports_is_409_naming_them(api: Api) -> None:
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"])
    r = await api.delete(f"networks/{net['id']}")
    assert r.status_code == 409 and error(r)["type"] == "NetworkInUse"
    assert port["id"] in error(r)["message"]
    assert (await api.delete(f"ports/{port['id']}")).status_code == 204
    # The DHCP port alone does not keep the network in use.
    assert (await api.delete(f"networks/{net['id']}")).status_code == 204
    assert (await api.get("ports", "admin")).json()["ports"] == []


async def test_network_quota(api: Api) -> None:
    r = await api.put("quotas/p-demo", {"quota": {"network": 2}}, "admin")
    assert r.status_code == 200 and r.json()["quota"]["network"] == 2
    await api.network(name="a")
    await api.network(name="b")
    r = await api.post("networks", {"network": {"name": "c"}})
    assert r.status_code == 409 and error(r)["type"] == "OverQuota"
    assert "network" in error(r)["message"]


async def test_filters_on_any_attribute(api: Api) -> None:
    a = await api.network(name="alpha", admin_state_up=False)
    b = await api.network(name="beta")
    assert [n["id"] for n in (await api.get("networks", name="alpha")).json()["networks"]] == [a["id"]]
    assert [n["id"] for n in (await api.get("networks", admin_state_up="false")).json()["networks"]] == [a["id"]]
    r = await api.client.get("/network/v2.0/networks?name=alpha&name=beta", headers={"X-Auth-Token": "demo"})
    assert {n["id"] for n in r.json()["networks"]} == {a["id"], b["id"]}
    assert (await api.get("networks", name="gamma")).json()["networks"] == []
    r = await api.get("networks", nonsense="1")
    assert r.status_code == 400 and "nonsense" in error(r)["message"]


async def test_fields_limit_the_attributes(api: Api) -> None:
    net = await api.network(name="n")
    r = await api.client.get("/network/v2.0/networks?fields=id&fields=name", headers={"X-Auth-Token": "demo"})
    assert r.json()["networks"] == [{"id": net["id"], "name": "n"}]
    r = await api.get(f"networks/{net['id']}", fields="mtu")
    assert r.json()["network"] == {"mtu": 1500}


async def test_sort_and_pagination_with_links(api: Api) -> None:
    names = ["d", "b", "e", "a", "c"]
    for name in names:
        await api.network(name=name)
    r = await api.get("networks", sort_key="name", sort_dir="desc")
    assert [n["name"] for n in r.json()["networks"]] == ["e", "d", "c", "b", "a"]
    r = await api.get("networks", sort_key="name", sort_dir="asc", limit="2")
    body = r.json()
    assert [n["name"] for n in body["networks"]] == ["a", "b"]
    nxt = next(link for link in body["networks_links"] if link["rel"] == "next")
    assert "marker=" in nxt["href"]
    r = await api.client.get(nxt["href"], headers={"X-Auth-Token": "demo"})
    page = r.json()
    assert [n["name"] for n in page["networks"]] == ["c", "d"]
    assert {link["rel"] for link in page["networks_links"]} == {"next", "previous"}
    prev = next(link for link in page["networks_links"] if link["rel"] == "previous")
    r = await api.client.get(prev["href"], headers={"X-Auth-Token": "demo"})
    assert [n["name"] for n in r.json()["networks"]] == ["a", "b"]
    last = next(link for link in page["networks_links"] if link["rel"] == "next")
    r = await api.client.get(last["href"], headers={"X-Auth-Token": "demo"})
    assert [n["name"] for n in r.json()["networks"]] == ["e"]
    assert [link["rel"] for link in r.json()["networks_links"]] == ["previous"]


@pytest.mark.parametrize(
    "params", [{"limit": "x"}, {"limit": "-1"}, {"sort_key": "name", "sort_dir": "up"}, {"sort_key": "nope"}]
)
async def test_bad_list_parameters_are_400(api: Api, params: dict[str, str]) -> None:
    await api.network(name="n")
    assert (await api.get("networks", **params)).status_code == 400


async def test_unknown_marker_is_404(api: Api) -> None:
    await api.network(name="n")
    assert (await api.get("networks", marker="00000000-0000-0000-0000-000000000000", limit="1")).status_code == 404


async def test_tags_on_networks_and_tag_filters(api: Api) -> None:
    a = await api.network(name="a")
    b = await api.network(name="b")
    r = await api.put(f"networks/{a['id']}/tags", {"tags": ["red", "blue"]})
    assert r.status_code == 200 and sorted(r.json()["tags"]) == ["blue", "red"]
    assert (await api.put(f"networks/{b['id']}/tags/red", None)).status_code == 201
    assert (await api.get(f"networks/{b['id']}/tags/red")).status_code == 204
    assert (await api.get(f"networks/{b['id']}/tags/blue")).status_code == 404
    assert {n["id"] for n in (await api.get("networks", tags="red")).json()["networks"]} == {a["id"], b["id"]}
    assert [n["id"] for n in (await api.get("networks", tags="red,blue")).json()["networks"]] == [a["id"]]
    assert [n["id"] for n in (await api.get("networks", **{"not-tags": "blue"})).json()["networks"]] == [b["id"]]
    assert (await api.delete(f"networks/{a['id']}/tags/blue")).status_code == 204
    assert (await api.get(f"networks/{a['id']}/tags")).json()["tags"] == ["red"]
    assert (await api.delete(f"networks/{a['id']}/tags")).status_code == 204
    assert (await api.get(f"networks/{a['id']}")).json()["network"]["tags"] == []
    assert (await api.put(f"networks/{a['id']}/tags", {"tags": ["a,b"]})).status_code == 400
    assert (await api.put(f"networks/{a['id']}/tags/x", None, "alt")).status_code == 404
