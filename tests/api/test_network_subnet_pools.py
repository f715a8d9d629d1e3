"""Subnet pools (subnet_allocation): CRUD, subnets carved from a pool (a given CIDR inside
it, or the first free block of prefixlen bits), the default pool, refusals."""

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


async def _pool(api: Api, token: str = "demo", **attrs: Any) -> dict[str, Any]:
    attrs.setdefault("name", "pool")
    attrs.setdefault("prefixes", ["10.10.0.0/16"])
    return await api.made("subnetpools", "subnetpool", token, **attrs)


async def test_create_show_update_delete(api: Api) -> None:
    pool = await _pool(api, prefixes=["10.10.0.0/24", "10.10.1.0/24"], default_prefixlen=26, tags=["a"])
    assert pool["prefixes"] == ["10.10.0.0/23"]  # compacted, as Neutron
    assert (pool["ip_version"], pool["min_prefixlen"], pool["max_prefixlen"]) == (4, 8, 32)
    assert pool["default_prefixlen"] == 26 and pool["shared"] is False and pool["tags"] == ["a"]
    assert (await api.get(f"subnetpools/{pool['id']}", "reader")).json()["subnetpool"]["name"] == "pool"
    assert (await api.get(f"subnetpools/{pool['id']}", "alt")).status_code == 404
    r = await api.put(f"subnetpools/{pool['id']}", {"subnetpool": {"name": "renamed", "prefixes": ["10.10.0.0/16"]}})
    assert r.status_code == 200 and r.json()["subnetpool"]["name"] == "renamed"
    assert r.json()["subnetpool"]["revision_number"] == 1
    r = await api.put(f"subnetpools/{pool['id']}", {"subnetpool": {"prefixes": ["10.20.0.0/16"]}})
    assert r.status_code == 400 and "subset" in error(r)["message"]
    assert [p["id"] for p in (await api.get("subnetpools")).json()["subnetpools"]] == [pool["id"]]
    assert (await api.put(f"subnetpools/{pool['id']}/tags/b", None)).status_code == 201
    assert (await api.delete(f"subnetpools/{pool['id']}")).status_code == 204
    r = await api.get(f"subnetpools/{pool['id']}")
    assert r.status_code == 404 and error(r)["type"] == "SubnetPoolNotFound"


async def test_subnets_are_carved_from_the_pool(api: Api) -> None:
    pool = await _pool(api, default_prefixlen=24)
    net = await api.network(name="n")
    first = await api.made("subnets", "subnet", network_id=net["id"], subnetpool_id=pool["id"])
    assert first["cidr"] == "10.10.0.0/24" and first["subnetpool_id"] == pool["id"] and first["ip_version"] == 4
    other = await api.network(name="o")
    second = await api.made("subnets", "subnet", network_id=other["id"], subnetpool_id=pool["id"], prefixlen=25)
    assert second["cidr"] == "10.10.1.0/25"
    third = await api.made("subnets", "subnet", network_id=other["id"], subnetpool_id=pool["id"], cidr="10.10.7.0/24")
    assert third["cidr"] == "10.10.7.0/24"
    r = await api.post(
        "subnets", {"subnet": {"network_id": net["id"], "subnetpool_id": pool["id"], "cidr": "10.10.7.0/26"}}
    )
    assert r.status_code == 409 and error(r)["type"] == "SubnetAllocationError"
    r = await api.post(
        "subnets", {"subnet": {"network_id": net["id"], "subnetpool_id": pool["id"], "cidr": "192.168.0.0/24"}}
    )
    assert r.status_code == 409 and "not within" in error(r)["message"]
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], "subnetpool_id": pool["id"], "prefixlen": 4}})
    assert r.status_code == 400 and error(r)["type"] == "IllegalSubnetPoolPrefixLength"
    r = await api.delete(f"subnetpools/{pool['id']}")
    assert r.status_code == 409 and error(r)["type"] == "SubnetPoolInUse"
    for sub in (first, second, third):
        assert (await api.delete(f"subnets/{sub['id']}")).status_code == 204
    assert (await api.delete(f"subnetpools/{pool['id']}")).status_code == 204


async def test_a_full_pool_is_409(api: Api) -> None:
    pool = await _pool(api, prefixes=["10.30.0.0/24"], default_prefixlen=25, min_prefixlen=24)
    net = await api.network(name="n")
    for _ in range(2):
        await api.made("subnets", "subnet", network_id=net["id"], subnetpool_id=pool["id"])
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], "subnetpool_id": pool["id"]}})
    assert r.status_code == 409 and "Insufficient prefix space" in error(r)["message"]


async def test_default_pool_is_admin_only_and_one_per_family(api: Api) -> None:
    r = await api.post("subnetpools", {"subnetpool": {"name": "p", "prefixes": ["10.0.0.0/8"], "is_default": True}})
    assert r.status_code == 403
    await _pool(api, shared=False, is_default=False)  # the defaults are a member's to send
    default = await _pool(api, "admin", prefixes=["2001:db8::/48"], is_default=True, shared=True)
    assert (default["ip_version"], default["min_prefixlen"], default["default_prefixlen"]) == (6, 64, 64)
    r = await api.post(
        "subnetpools", {"subnetpool": {"name": "q", "prefixes": ["2001:db9::/48"], "is_default": True}}, "admin"
    )
    assert r.status_code == 400 and "default subnetpool" in error(r)["message"]
    net = await api.network(name="n")
    sub = await api.made("subnets", "subnet", network_id=net["id"], ip_version=6, use_default_subnetpool=True)
    assert sub["cidr"] == "2001:db8::/64" and sub["subnetpool_id"] == default["id"]
    r = await api.post("subnets", {"subnet": {"network_id": net["id"], "use_default_subnetpool": True}})
    assert r.status_code == 400 and "No default subnetpool" in error(r)["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "p", "prefixes": ["10.0.0.1/8"]},
        {"name": "p", "prefixes": ["10.0.0.0/8", "2001:db8::/48"]},
        {"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": 24, "default_prefixlen": 16},
        {"name": "p", "prefixes": []},
        {"prefixes": ["10.0.0.0/8"]},
    ],
)
async def test_bad_pools_are_400(api: Api, body: dict[str, Any]) -> None:
    r = await api.post("subnetpools", {"subnetpool": body})
    assert r.status_code == 400, r.text
