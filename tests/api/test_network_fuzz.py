"""No body the network API can be sent ends in a 500: every attribute of every create and
update gets values of every JSON type, and each answer is a 2xx or a Neutron-style 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.network import schemas
from tests.api.network_support import Api, error, network_api

ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    10**12,
    1.5,
    True,
    "",
    "x",
    "a" * 300,
    "10.0.0.0/24",
    "::1",
    [],
    [1],
    {},
    {"a": 1},
    [{"subnet_id": 5}],
    [{"ip_address": None}],
    [{"start": "1", "end": 2}],
]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def _assert_clean(api: Api, method: str, path: str, body: Any) -> None:
    r = await api.call(method, path, body, "admin")
    assert r.status_code < 500, (method, path, body, r.text)
    if r.status_code >= 400:
        error(r)


CREATES = [
    ("networks", "network", schemas.NETWORK_CREATE),
    ("subnets", "subnet", schemas.SUBNET_CREATE),
    ("ports", "port", schemas.PORT_CREATE),
    ("security-groups", "security_group", schemas.SECURITY_GROUP_CREATE),
    ("security-group-rules", "security_group_rule", schemas.RULE_CREATE),
    ("routers", "router", schemas.ROUTER_CREATE),
    ("floatingips", "floatingip", schemas.FLOATINGIP_CREATE),
]


@pytest.mark.parametrize(("collection", "key", "schema"), CREATES, ids=[c[0] for c in CREATES])
async def test_creates_with_odd_values_never_500(api: Api, collection: str, key: str, schema: dict[str, Any]) -> None:
    ext = await api.network("admin", name="ext", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    net, sub = await api.net_with_subnet("10.0.0.0/24", "admin")
    sg = (await api.get("security-groups", "admin")).json()["security_groups"][0]
    valid: dict[str, dict[str, Any]] = {
        "networks": {},
        "subnets": {"network_id": net["id"], "cidr": "10.1.0.0/24", "ip_version": 4},
        "ports": {"network_id": net["id"]},
        "security-groups": {"name": "g"},
        "security-group-rules": {"security_group_id": sg["id"], "direction": "ingress"},
        "routers": {"name": "r"},
        "floatingips": {"floating_network_id": ext["id"]},
    }
    base = valid[collection]
    for name in schema["properties"]:
        for value in ODD_VALUES:
            await _assert_clean(api, "POST", collection, {key: {**base, name: value}})
    for body in (None, [], "x", {key: None}, {key: []}, {key: base, "extra": 1}):
        await _assert_clean(api, "POST", collection, body)
    assert sub["id"]


async def test_updates_and_actions_with_odd_values_never_500(api: Api) -> None:
    ext = await api.network("admin", name="ext", **{"router:external": True})
    await api.subnet(ext["id"], "172.24.4.0/24", "admin")
    net, sub = await api.net_with_subnet("10.0.0.0/24", "admin")
    port = await api.port(net["id"], "admin")
    router = await api.made("routers", "router", "admin", name="r")
    fip = await api.made("floatingips", "floatingip", "admin", floating_network_id=ext["id"])
    sg = await api.made("security-groups", "security_group", "admin", name="g")
    targets = [
        (f"networks/{net['id']}", "network", schemas.NETWORK_UPDATE),
        (f"subnets/{sub['id']}", "subnet", schemas.SUBNET_UPDATE),
        (f"ports/{port['id']}", "port", schemas.PORT_UPDATE),
        (f"routers/{router['id']}", "router", schemas.ROUTER_UPDATE),
        (f"floatingips/{fip['id']}", "floatingip", schemas.FLOATINGIP_UPDATE),
        (f"security-groups/{sg['id']}", "security_group", schemas.SECURITY_GROUP_UPDATE),
        ("quotas/p-demo", "quota", schemas.QUOTA_UPDATE),
    ]
    for path, key, schema in targets:
        for name in schema["properties"]:
            for value in ODD_VALUES:
                await _assert_clean(api, "PUT", path, {key: {name: value}})
    for action in ("add_router_interface", "remove_router_interface"):
        for value in ODD_VALUES:
            for name in ("subnet_id", "port_id"):
                await _assert_clean(api, "PUT", f"routers/{router['id']}/{action}", {name: value})
            await _assert_clean(api, "PUT", f"routers/{router['id']}/{action}", value)
    for value in ODD_VALUES:
        await _assert_clean(api, "PUT", f"networks/{net['id']}/tags", {"tags": value})
        await _assert_clean(api, "PUT", f"networks/{net['id']}/tags", value)


async def test_odd_query_strings_never_500(api: Api) -> None:
    await api.net_with_subnet("10.0.0.0/24")
    for params in (
        {"limit": "0"},
        {"limit": "1", "page_reverse": "maybe"},
        {"sort_key": "tags"},
        {"fields": ""},
        {"fixed_ips": "nonsense"},
        {"tags-any": ","},
        {"mtu": "x"},
        {"marker": "", "limit": "1"},
        {"sort_key": "name", "sort_dir": "asc", "limit": "99999999999"},
    ):
        for collection in ("networks", "ports", "subnets"):
            r = await api.get(collection, "demo", **params)
            assert r.status_code < 500, (collection, params, r.text)
