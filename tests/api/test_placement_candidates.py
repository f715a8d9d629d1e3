"""Placement: GET /allocation_candidates (flat, traits, aggregates, nested, granular),
resource classes and traits."""

from __future__ import annotations

from typing import Any

from tests.api.placement_support import (
    Placement,
    new_uuid,
    placement_fixture,  # noqa: F401
)

Q = "/allocation_candidates?resources=VCPU:1,MEMORY_MB:512"


async def candidates(placement: Placement, query: str, version: str = "latest") -> dict[str, Any]:
    r = await placement.get(f"/allocation_candidates?{query}", version=version)
    assert r.status_code == 200, r.text
    return dict(r.json())


def providers_of(body: dict[str, Any]) -> list[set[str]]:
    return [set(req["allocations"]) for req in body["allocation_requests"]]


async def test_flat_candidates_respect_capacity_and_limit(placement: Placement) -> None:
    full = await placement.provider("full", inventory={"VCPU": 1, "MEMORY_MB": 1024})
    await placement.claim(new_uuid(), {full: {"VCPU": 1}})
    roomy = [await placement.provider(f"cn{i}", inventory={"VCPU": 8, "MEMORY_MB": 4096}) for i in range(3)]
    body = await candidates(placement, "resources=VCPU:1,MEMORY_MB:512")
    assert providers_of(body) == [{rp} for rp in roomy]
    summary = body["provider_summaries"][roomy[0]]
    assert summary["resources"]["VCPU"] == {"capacity": 8, "used": 0}
    assert summary["root_provider_uuid"] == roomy[0] and summary["traits"] == []
    assert body["allocation_requests"][0]["mappings"] == {"": [roomy[0]]}
    limited = await candidates(placement, "resources=VCPU:1&limit=2")
    assert len(limited["allocation_requests"]) == 2 and len(limited["provider_summaries"]) == 2
    old = await candidates(placement, "resources=VCPU:1", version="1.10")
    assert old["allocation_requests"][0]["allocations"][0]["resources"] == {"VCPU": 1}
    assert "traits" not in old["provider_summaries"][roomy[0]]
    assert "MEMORY_MB" not in old["provider_summaries"][roomy[0]]["resources"]
    assert (await candidates(placement, "resources=VCPU:9"))["allocation_requests"] == []


async def test_traits_and_aggregates(placement: Placement) -> None:
    agg = new_uuid()
    avx = await placement.provider("avx", inventory={"VCPU": 4}, traits=["HW_CPU_X86_AVX2"], aggregates=[agg])
    disabled = await placement.provider("off", inventory={"VCPU": 4}, traits=["COMPUTE_STATUS_DISABLED"])
    plain = await placement.provider("plain", inventory={"VCPU": 4})
    assert providers_of(await candidates(placement, "resources=VCPU:1&required=HW_CPU_X86_AVX2")) == [{avx}]
    got = providers_of(await candidates(placement, "resources=VCPU:1&required=!COMPUTE_STATUS_DISABLED"))
    assert got == [{avx}, {plain}]
    assert providers_of(await candidates(placement, f"resources=VCPU:1&member_of=in:{agg},{new_uuid()}")) == [{avx}]
    assert providers_of(await candidates(placement, f"resources=VCPU:1&member_of=!{agg}")) == [{disabled}, {plain}]
    any_of = "resources=VCPU:1&required=in:HW_CPU_X86_AVX2,COMPUTE_STATUS_DISABLED"
    assert providers_of(await candidates(placement, any_of)) == [{avx}, {disabled}]
    assert (
        await placement.get(f"/{any_of}".replace("/resources", "/allocation_candidates?resources"), version="1.38")
    ).status_code == 400
    r = await placement.get("/allocation_candidates?resources=VCPU:1&required=CUSTOM_UNKNOWN")
    assert r.status_code == 400
    r = await placement.get("/allocation_candidates?resources=VCPU:1&required=HW_CPU_X86_AVX2", version="1.16")
    assert r.status_code == 400
    assert (await placement.get("/allocation_candidates?required=HW_CPU_X86_AVX2")).status_code == 400
    assert (await placement.get("/allocation_candidates?resources=VCPU:x")).status_code == 400
    assert (await placement.get("/allocation_candidates?resources=VCPU:1&limit=0")).status_code == 400


async def test_nested_tree_spreads_resources(placement: Placement) -> None:
    cn = await placement.provider("cn", inventory={"VCPU": 8, "MEMORY_MB": 4096})
    pf1 = await placement.provider("pf1", parent=cn, inventory={"SRIOV_NET_VF": 4}, traits=["CUSTOM_PHYSNET_A"])
    pf2 = await placement.provider("pf2", parent=cn, inventory={"SRIOV_NET_VF": 4}, traits=["CUSTOM_PHYSNET_B"])
    body = await candidates(placement, "resources=VCPU:1,SRIOV_NET_VF:1")
    assert providers_of(body) == [{cn, pf1}, {cn, pf2}]
    assert set(body["provider_summaries"]) == {cn, pf1, pf2}
    assert body["provider_summaries"][pf1]["parent_provider_uuid"] == cn
    only_a = await candidates(placement, "resources=VCPU:1,SRIOV_NET_VF:1&required=CUSTOM_PHYSNET_A")
    assert providers_of(only_a) == [{cn, pf1}]
    # Before 1.29 nested providers do not serve requests.
    assert (await candidates(placement, "resources=VCPU:1,SRIOV_NET_VF:1", "1.28"))["allocation_requests"] == []
    # Granular: two VFs from two different PFs, isolated.
    both = await candidates(
        placement, "resources=VCPU:1&resources1=SRIOV_NET_VF:1&resources2=SRIOV_NET_VF:1&group_policy=isolate"
    )
    assert providers_of(both) == [{cn, pf1, pf2}, {cn, pf1, pf2}]
    assert {tuple(r["mappings"]["1"]) for r in both["allocation_requests"]} == {(pf1,), (pf2,)}
    none = await candidates(placement, "resources1=SRIOV_NET_VF:3&resources2=SRIOV_NET_VF:3&group_policy=none")
    assert {
        tuple(sorted(r["allocations"][pf]["resources"].items()))
        for r in none["allocation_requests"]
        for pf in r["allocations"]
    } == {(("SRIOV_NET_VF", 3),)}
    r = await placement.get("/allocation_candidates?resources1=VCPU:1&resources2=VCPU:1")
    assert r.status_code == 400  # group_policy is required with two groups
    assert providers_of(await candidates(placement, f"resources=SRIOV_NET_VF:1&in_tree={pf2}")) == [{pf1}, {pf2}]
    other = await placement.provider("other", inventory={"VCPU": 8})
    assert providers_of(await candidates(placement, f"resources=VCPU:1&in_tree={other}")) == [{other}]
    root_only = await candidates(placement, "resources=VCPU:1&root_required=!CUSTOM_PHYSNET_A")
    assert providers_of(root_only) == [{cn}, {other}]


async def test_combined_groups_never_overcommit_one_provider(placement: Placement) -> None:
    cn = await placement.provider("cn", inventory={"VCPU": 3})
    body = await candidates(placement, "resources1=VCPU:2&resources2=VCPU:2&group_policy=none")
    assert body["allocation_requests"] == []
    body = await candidates(placement, "resources1=VCPU:1&resources2=VCPU:2&group_policy=none")
    assert body["allocation_requests"][0]["allocations"] == {cn: {"resources": {"VCPU": 3}}}


async def test_resource_classes(placement: Placement) -> None:
    names = [c["name"] for c in (await placement.get("/resource_classes")).json()["resource_classes"]]
    assert {"VCPU", "MEMORY_MB", "DISK_GB", "PCPU"} <= set(names)
    assert (await placement.post("/resource_classes", {"name": "CUSTOM_GOLD"})).status_code == 201
    assert (await placement.post("/resource_classes", {"name": "CUSTOM_GOLD"})).status_code == 409
    assert (await placement.post("/resource_classes", {"name": "GOLD"})).status_code == 400
    assert (await placement.put("/resource_classes/CUSTOM_GOLD")).status_code == 204
    assert (await placement.put("/resource_classes/CUSTOM_SILVER")).status_code == 201
    assert (await placement.delete("/resource_classes/VCPU")).status_code == 400
    rp = await placement.provider("cn", inventory={"CUSTOM_GOLD": 1})
    assert (await placement.delete("/resource_classes/CUSTOM_GOLD")).status_code == 409
    assert (await placement.delete(f"/resource_providers/{rp}")).status_code == 204
    assert (await placement.delete("/resource_classes/CUSTOM_GOLD")).status_code == 204
    assert (await placement.get("/resource_classes/CUSTOM_GOLD")).status_code == 404
    r = await placement.put("/resource_classes/CUSTOM_SILVER", {"name": "CUSTOM_BRONZE"}, version="1.6")
    assert r.status_code == 200 and r.json()["name"] == "CUSTOM_BRONZE"
    assert (await placement.get("/resource_classes", version="1.1")).status_code == 404


async def test_traits(placement: Placement) -> None:
    assert (await placement.put("/traits/CUSTOM_FAST")).status_code == 201
    assert (await placement.put("/traits/CUSTOM_FAST")).status_code == 204
    assert (await placement.put("/traits/FAST")).status_code == 400
    assert (await placement.get("/traits/CUSTOM_FAST")).status_code == 204
    assert (await placement.get("/traits/CUSTOM_SLOW")).status_code == 404
    listed = (await placement.get("/traits?name=startswith:CUSTOM_")).json()["traits"]
    assert listed == ["CUSTOM_FAST"]
    assert "COMPUTE_STATUS_DISABLED" in (await placement.get("/traits")).json()["traits"]
    rp = await placement.provider("cn", traits=["CUSTOM_FAST", "HW_CPU_X86_AVX"])
    got = (await placement.get(f"/resource_providers/{rp}/traits")).json()
    assert got["traits"] == ["CUSTOM_FAST", "HW_CPU_X86_AVX"]
    assert (await placement.get("/traits?associated=true")).json()["traits"] == ["CUSTOM_FAST", "HW_CPU_X86_AVX"]
    assert (await placement.delete("/traits/CUSTOM_FAST")).status_code == 409
    stale = await placement.put(f"/resource_providers/{rp}/traits", {"traits": [], "resource_provider_generation": 0})
    assert stale.status_code == 409
    unknown = await placement.put(
        f"/resource_providers/{rp}/traits",
        {"traits": ["CUSTOM_NOPE"], "resource_provider_generation": got["resource_provider_generation"]},
    )
    assert unknown.status_code == 400
    assert (await placement.delete(f"/resource_providers/{rp}/traits")).status_code == 204
    assert (await placement.delete("/traits/CUSTOM_FAST")).status_code == 204
    assert (await placement.delete("/traits/HW_CPU_X86_AVX")).status_code == 400
    assert (await placement.get("/traits", version="1.5")).status_code == 404


async def test_aggregates_generation_from_1_19(placement: Placement) -> None:
    rp = await placement.provider("cn")
    a, b = new_uuid(), new_uuid()
    r = await placement.put(f"/resource_providers/{rp}/aggregates", [a], version="1.1")
    assert r.status_code == 200 and r.json() == {"aggregates": [a]}
    gen = (await placement.get(f"/resource_providers/{rp}")).json()["generation"]
    r = await placement.put(
        f"/resource_providers/{rp}/aggregates", {"aggregates": [a, b], "resource_provider_generation": gen}
    )
    assert r.status_code == 200 and sorted(r.json()["aggregates"]) == sorted([a, b])
    stale = await placement.put(
        f"/resource_providers/{rp}/aggregates", {"aggregates": [], "resource_provider_generation": gen}
    )
    assert stale.status_code == 409
