"""Placement: version document, policy, resource providers and trees, inventories."""

from __future__ import annotations

from tests.api.placement_support import (
    Placement,
    error_code,
    new_uuid,
    placement_fixture,  # noqa: F401
)


async def test_root_needs_no_token_and_names_versions(placement: Placement) -> None:
    r = await placement.client.get("/placement/")
    assert r.status_code == 200
    (v,) = r.json()["versions"]
    assert v["min_version"] == "1.0" and v["max_version"] == "1.39"
    bad = await placement.get("/resource_providers", version="1.99")
    assert bad.status_code == 406
    assert (await placement.get("/resource_providers", version="1.10")).headers[
        "openstack-api-version"
    ] == "placement 1.10"


async def test_non_admin_is_forbidden_and_no_token_is_401(placement: Placement) -> None:
    r = await placement.get("/resource_providers", token="demo")
    assert r.status_code == 403
    assert r.json()["errors"][0]["detail"].startswith("Policy does not allow placement:resource_providers:list")
    r = await placement.client.get("/placement/resource_providers")
    assert r.status_code == 401


async def test_create_show_update_delete_provider(placement: Placement) -> None:
    rp = new_uuid()
    r = await placement.post("/resource_providers", {"name": "cn1", "uuid": rp}, version="1.19")
    assert r.status_code == 201 and r.headers["location"].endswith(f"/placement/resource_providers/{rp}")
    shown = (await placement.get(f"/resource_providers/{rp}")).json()
    assert shown["name"] == "cn1" and shown["generation"] == 0 and shown["root_provider_uuid"] == rp
    assert {link["rel"] for link in shown["links"]} >= {"self", "inventories", "usages", "traits", "allocations"}
    old = (await placement.get(f"/resource_providers/{rp}", version="1.0")).json()
    assert "root_provider_uuid" not in old
    dup = await placement.post("/resource_providers", {"name": "cn1"})
    assert dup.status_code == 409 and error_code(dup) == "placement.duplicate_name"
    r = await placement.put(f"/resource_providers/{rp}", {"name": "renamed"})
    assert r.status_code == 200 and r.json()["name"] == "renamed"
    assert (await placement.delete(f"/resource_providers/{rp}")).status_code == 204
    assert (await placement.get(f"/resource_providers/{rp}")).status_code == 404


async def test_bad_bodies_are_400(placement: Placement) -> None:
    assert (await placement.post("/resource_providers", {"nom": "x"})).status_code == 400
    assert (await placement.post("/resource_providers", {"name": "x", "uuid": "nope"})).status_code == 400
    json_type = {**placement.headers(), "Content-Type": "application/json"}
    r = await placement.client.post("/placement/resource_providers", content=b"{", headers=json_type)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "placement.undefined_code"
    # Placement takes bodies only as application/json (require_content): 415 otherwise.
    r = await placement.client.post("/placement/resource_providers", content=b"{", headers=placement.headers())
    assert r.status_code == 415 and "is not supported, use application/json" in r.json()["errors"][0]["detail"]


async def test_nested_trees_and_reparenting(placement: Placement) -> None:
    root = await placement.provider("root")
    child = await placement.provider("child", parent=root)
    grandchild = await placement.provider("grandchild", parent=child)
    other = await placement.provider("other")
    g = (await placement.get(f"/resource_providers/{grandchild}")).json()
    assert g["parent_provider_uuid"] == child and g["root_provider_uuid"] == root
    tree = (await placement.get(f"/resource_providers?in_tree={child}")).json()["resource_providers"]
    assert {p["uuid"] for p in tree} == {root, child, grandchild}
    r = await placement.delete(f"/resource_providers/{root}")
    assert r.status_code == 409 and error_code(r) == "placement.resource_provider.cannot_delete_parent"
    # Before 1.37 a parent cannot change; from 1.37 a subtree may move (never into itself).
    r = await placement.put(
        f"/resource_providers/{child}", {"name": "child", "parent_provider_uuid": other}, version="1.36"
    )
    assert r.status_code == 400
    r = await placement.put(f"/resource_providers/{child}", {"name": "child", "parent_provider_uuid": grandchild})
    assert r.status_code == 400
    r = await placement.put(f"/resource_providers/{child}", {"name": "child", "parent_provider_uuid": other})
    assert r.status_code == 200 and r.json()["root_provider_uuid"] == other
    g = (await placement.get(f"/resource_providers/{grandchild}")).json()
    assert g["root_provider_uuid"] == other


async def test_inventories_generations_and_in_use(placement: Placement) -> None:
    rp = await placement.provider("cn")
    body = {
        "resource_provider_generation": 0,
        "inventories": {"VCPU": {"total": 4, "allocation_ratio": 2.0}, "MEMORY_MB": {"total": 1024}},
    }
    r = await placement.put(f"/resource_providers/{rp}/inventories", body)
    assert r.status_code == 200 and r.json()["resource_provider_generation"] == 1
    assert r.json()["inventories"]["VCPU"]["max_unit"] == 2147483647
    stale = await placement.put(f"/resource_providers/{rp}/inventories", body)
    assert stale.status_code == 409 and error_code(stale) == "placement.concurrent_update"
    r = await placement.post(
        f"/resource_providers/{rp}/inventories",
        {"resource_provider_generation": 1, "resource_class": "DISK_GB", "total": 10},
    )
    assert r.status_code == 201 and r.json()["resource_provider_generation"] == 2
    r = await placement.put(
        f"/resource_providers/{rp}/inventories/DISK_GB",
        {"resource_provider_generation": 2, "total": 20, "reserved": 20},
        version="1.25",
    )
    assert r.status_code == 400  # reserved == total only from 1.26
    r = await placement.put(
        f"/resource_providers/{rp}/inventories/DISK_GB", {"resource_provider_generation": 2, "total": 20, "reserved": 5}
    )
    assert r.status_code == 200 and r.json()["total"] == 20
    bad = await placement.put(
        f"/resource_providers/{rp}/inventories",
        {"resource_provider_generation": 3, "inventories": {"NOPE": {"total": 1}}},
    )
    assert bad.status_code == 400
    consumer = new_uuid()
    assert (await placement.claim(consumer, {rp: {"VCPU": 8}})).status_code == 204
    r = await placement.delete(f"/resource_providers/{rp}/inventories/VCPU")
    assert r.status_code == 409 and error_code(r) == "placement.inventory.inuse"
    gen = (await placement.get(f"/resource_providers/{rp}")).json()["generation"]
    r = await placement.put(
        f"/resource_providers/{rp}/inventories",
        {"resource_provider_generation": gen, "inventories": {"MEMORY_MB": {"total": 1}}},
    )
    assert r.status_code == 409 and error_code(r) == "placement.inventory.inuse"
    r = await placement.delete(f"/resource_providers/{rp}")
    assert r.status_code == 409 and error_code(r) == "placement.resource_provider.inuse"
    assert (await placement.delete(f"/resource_providers/{rp}/inventories/MEMORY_MB")).status_code == 204
    inv = (await placement.get(f"/resource_providers/{rp}/inventories")).json()["inventories"]
    assert set(inv) == {"VCPU", "DISK_GB"}


async def test_list_filters(placement: Placement) -> None:
    agg = new_uuid()
    big = await placement.provider("big", inventory={"VCPU": 16}, traits=["HW_CPU_X86_AVX2"], aggregates=[agg])
    small = await placement.provider("small", inventory={"VCPU": 2})

    async def names(query: str, version: str = "latest") -> set[str]:
        r = await placement.get(f"/resource_providers?{query}", version=version)
        assert r.status_code == 200, r.text
        return {p["uuid"] for p in r.json()["resource_providers"]}

    assert await names("resources=VCPU:4") == {big}
    assert await names("resources=VCPU:1") == {big, small}
    assert await names("required=HW_CPU_X86_AVX2") == {big}
    assert await names("required=!HW_CPU_X86_AVX2") == {small}
    assert await names(f"member_of=in:{agg}") == {big}
    assert await names(f"member_of=!{agg}") == {small}
    assert await names("name=small") == {small}
    r = await placement.get("/resource_providers?required=HW_CPU_X86_AVX2", version="1.17")
    assert r.status_code == 400
    assert (await placement.get("/resource_providers?resources=VCPU")).status_code == 400
    assert (await placement.get("/resource_providers?required=CUSTOM_NOPE")).status_code == 400
    assert (await placement.get("/resource_providers?bogus=1")).status_code == 400


async def test_last_modified_from_1_15(placement: Placement) -> None:
    await placement.provider("cn")
    r = await placement.get("/resource_providers", version="1.15")
    assert r.headers["cache-control"] == "no-cache" and r.headers["last-modified"].endswith("GMT")
    assert "last-modified" not in (await placement.get("/resource_providers", version="1.14")).headers
