"""Placement: GET /allocation_candidates answers the same whether the trees are chosen by
the plain-SQL statement (resources only) or the filtered one (traits, aggregates), and
one-provider trees (no per-pair work) agree with trees that need it."""

from __future__ import annotations

from typing import Any

from tests.api.placement_support import (
    Placement,
    new_uuid,
    placement_fixture,  # noqa: F401
)

# A forbidden trait no provider has: the same answer, but through the filtered statement.
NO_OP_FILTER = "&required=!CUSTOM_NOBODY_HAS_IT"


async def candidates(placement: Placement, query: str, version: str = "latest") -> dict[str, Any]:
    r = await placement.get(f"/allocation_candidates?{query}", version=version)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def both(placement: Placement, query: str, version: str = "latest") -> dict[str, Any]:
    plain = await candidates(placement, query, version)
    filtered = await candidates(placement, query + NO_OP_FILTER, version)
    assert plain == filtered
    return plain


async def test_unit_limits_and_usage_decide_on_both_paths(placement: Placement) -> None:
    await placement.put("/traits/CUSTOM_NOBODY_HAS_IT")
    stepped = await placement.provider("stepped", inventory={"VCPU": {"total": 8, "step_size": 2}})
    capped = await placement.provider("capped", inventory={"VCPU": {"total": 8, "min_unit": 2, "max_unit": 3}})
    busy = await placement.provider("busy", inventory={"VCPU": {"total": 4, "allocation_ratio": 1.5}})
    await placement.claim(new_uuid(), {busy: {"VCPU": 3}})

    def chosen(body: dict[str, Any]) -> set[str]:
        return {rp for req in body["allocation_requests"] for rp in req["allocations"]}

    assert chosen(await both(placement, "resources=VCPU:1")) == {busy}
    assert chosen(await both(placement, "resources=VCPU:2")) == {stepped, capped, busy}
    assert chosen(await both(placement, "resources=VCPU:3")) == {capped, busy}
    assert chosen(await both(placement, "resources=VCPU:4")) == {stepped}
    body = await both(placement, "resources=VCPU:3")
    assert body["provider_summaries"][busy]["resources"]["VCPU"] == {"capacity": 6, "used": 3}


async def test_trees_on_both_paths_and_before_nesting(placement: Placement) -> None:
    await placement.put("/traits/CUSTOM_NOBODY_HAS_IT")
    flat = await placement.provider("flat", inventory={"VCPU": 4, "MEMORY_MB": 2048})
    root = await placement.provider("root", inventory={"VCPU": 4})
    numa = await placement.provider("numa", parent=root, inventory={"MEMORY_MB": 2048})
    body = await both(placement, "resources=VCPU:1,MEMORY_MB:512")
    allocations = [req["allocations"] for req in body["allocation_requests"]]
    assert {flat: {"resources": {"VCPU": 1, "MEMORY_MB": 512}}} in allocations
    assert {root: {"resources": {"VCPU": 1}}, numa: {"resources": {"MEMORY_MB": 512}}} in allocations
    assert len(allocations) == 2
    assert body["provider_summaries"][numa]["parent_provider_uuid"] == root
    assert body["provider_summaries"][numa]["root_provider_uuid"] == root
    assert body["provider_summaries"][flat]["parent_provider_uuid"] is None
    # Before 1.29 only a root may serve a request: the tree no longer qualifies.
    old = await both(placement, "resources=VCPU:1,MEMORY_MB:512", version="1.28")
    assert [set(req["allocations"]) for req in old["allocation_requests"]] == [{flat}]
    assert set(old["provider_summaries"]) == {flat}


async def test_limit_pages_through_trees_in_order(placement: Placement) -> None:
    made = [await placement.provider(f"cn{i}", inventory={"VCPU": 2}) for i in range(5)]
    full = made[1]
    await placement.claim(new_uuid(), {full: {"VCPU": 2}})
    body = await candidates(placement, "resources=VCPU:1&limit=3")
    picked = [next(iter(req["allocations"])) for req in body["allocation_requests"]]
    assert picked == [made[0], made[2], made[3]]
    assert set(body["provider_summaries"]) == set(picked)
