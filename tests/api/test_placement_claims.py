"""Placement: the one-shot claim of a new consumer (objects/claims.py) gives the same
answers and leaves the same state as the general allocation write."""

from __future__ import annotations

from tests.api.placement_support import (
    Placement,
    error_code,
    new_uuid,
    placement_fixture,  # noqa: F401
)


async def usages(placement: Placement, rp: str) -> dict[str, int]:
    return dict((await placement.get(f"/resource_providers/{rp}/usages")).json()["usages"])


async def generation(placement: Placement, rp: str) -> int:
    return int((await placement.get(f"/resource_providers/{rp}")).json()["generation"])


async def test_claim_on_two_providers_writes_everything(placement: Placement) -> None:
    a = await placement.provider("a", inventory={"VCPU": 8, "MEMORY_MB": 4096})
    b = await placement.provider("b", inventory={"DISK_GB": 100})
    gens = (await generation(placement, a), await generation(placement, b))
    consumer = new_uuid()
    r = await placement.claim(consumer, {a: {"VCPU": 2, "MEMORY_MB": 1024}, b: {"DISK_GB": 40}})
    assert r.status_code == 204, r.text
    shown = (await placement.get(f"/allocations/{consumer}")).json()
    assert shown["allocations"][a] == {"generation": gens[0] + 1, "resources": {"VCPU": 2, "MEMORY_MB": 1024}}
    assert shown["allocations"][b] == {"generation": gens[1] + 1, "resources": {"DISK_GB": 40}}
    assert (shown["consumer_generation"], shown["project_id"], shown["user_id"]) == (1, "proj", "user")
    assert await usages(placement, a) == {"VCPU": 2, "MEMORY_MB": 1024}
    assert await usages(placement, b) == {"DISK_GB": 40}
    listed = (await placement.get(f"/resource_providers/{b}/allocations")).json()["allocations"]
    assert listed == {consumer: {"resources": {"DISK_GB": 40}}}


async def test_failure_on_the_second_provider_leaves_nothing_behind(placement: Placement) -> None:
    # Provider uuids are claimed in sorted order: make sure the full one comes second.
    a = await placement.provider("a", inventory={"VCPU": 8})
    b = await placement.provider("b", inventory={"VCPU": 8})
    first, second = sorted([a, b])
    await placement.claim(new_uuid(), {second: {"VCPU": 8}})
    before = (await usages(placement, first), await generation(placement, first))
    consumer = new_uuid()
    r = await placement.claim(consumer, {first: {"VCPU": 2}, second: {"VCPU": 1}})
    assert r.status_code == 409
    detail = r.json()["errors"][0]["detail"]
    assert "exceed the capacity" in detail and second in detail and "'VCPU'" in detail
    assert (await usages(placement, first), await generation(placement, first)) == before
    assert (await placement.get(f"/allocations/{consumer}")).json() == {"allocations": {}}
    # The consumer row was rolled back too: a claim with generation null is a new consumer.
    assert (await placement.claim(consumer, {first: {"VCPU": 1}}, generation=None)).status_code == 204


async def test_failed_checks_give_the_general_paths_errors(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": {"total": 8, "step_size": 2, "max_unit": 4}})
    r = await placement.claim(new_uuid(), {rp: {"VCPU": 3}})
    assert r.status_code == 409 and "violates min_unit 1, max_unit 4 or step_size 2" in r.json()["errors"][0]["detail"]
    r = await placement.claim(new_uuid(), {rp: {"VCPU": 6}})
    assert r.status_code == 409 and "max_unit 4" in r.json()["errors"][0]["detail"]
    r = await placement.claim(new_uuid(), {rp: {"DISK_GB": 1}})
    assert r.status_code == 409 and f"Inventory for 'DISK_GB' on resource provider '{rp}' invalid" in r.text
    missing = new_uuid()
    r = await placement.claim(new_uuid(), {rp: {"VCPU": 2}, missing: {"VCPU": 2}})
    assert r.status_code == 400 and f"'{missing}' that does not exist" in r.text
    r = await placement.claim(new_uuid(), {rp: {"NOT_A_CLASS": 2}})
    assert r.status_code == 400
    assert await usages(placement, rp) == {"VCPU": 0}


async def test_existing_consumer_and_custom_classes_take_the_general_path(placement: Placement) -> None:
    assert (await placement.put("/resource_classes/CUSTOM_GOLD")).status_code == 201
    rp = await placement.provider("cn", inventory={"VCPU": 8, "CUSTOM_GOLD": 2})
    consumer = new_uuid()
    assert (await placement.claim(consumer, {rp: {"VCPU": 2, "CUSTOM_GOLD": 1}})).status_code == 204
    # Before 1.28 a second PUT replaces the allocations of the existing consumer.
    body = {"allocations": {rp: {"resources": {"VCPU": 3}}}, "project_id": "proj", "user_id": "user"}
    assert (await placement.put(f"/allocations/{consumer}", body, version="1.27")).status_code == 204
    assert await usages(placement, rp) == {"VCPU": 3, "CUSTOM_GOLD": 0}
    r = await placement.claim(consumer, {rp: {"VCPU": 1}}, generation=None)
    assert r.status_code == 409 and error_code(r) == "placement.concurrent_update"
    assert (await placement.get(f"/allocations/{consumer}")).json()["consumer_generation"] == 2
