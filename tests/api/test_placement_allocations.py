"""Placement: allocations (both body forms), consumer generations, usages, races."""

from __future__ import annotations

import asyncio

from tests.api.placement_support import (
    Placement,
    error_code,
    new_uuid,
    placement_fixture,  # noqa: F401
)


async def test_claim_show_and_usages(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 4, "MEMORY_MB": 2048})
    consumer = new_uuid()
    assert (await placement.claim(consumer, {rp: {"VCPU": 2, "MEMORY_MB": 512}})).status_code == 204
    shown = (await placement.get(f"/allocations/{consumer}")).json()
    assert shown["allocations"][rp]["resources"] == {"VCPU": 2, "MEMORY_MB": 512}
    assert shown["consumer_generation"] == 1 and shown["project_id"] == "proj"
    assert shown["consumer_type"] == "INSTANCE"
    usage = (await placement.get(f"/resource_providers/{rp}/usages")).json()
    assert usage["usages"] == {"VCPU": 2, "MEMORY_MB": 512}
    by_rp = (await placement.get(f"/resource_providers/{rp}/allocations")).json()
    assert by_rp["allocations"] == {consumer: {"resources": {"VCPU": 2, "MEMORY_MB": 512}}}
    totals = (await placement.get("/usages?project_id=proj", version="1.9")).json()
    assert totals == {"usages": {"VCPU": 2, "MEMORY_MB": 512}}
    typed = (await placement.get("/usages?project_id=proj")).json()
    assert typed["usages"]["INSTANCE"]["consumer_count"] == 1
    assert (await placement.get("/usages")).status_code == 400
    assert (await placement.delete(f"/allocations/{consumer}")).status_code == 204
    assert (await placement.get(f"/allocations/{consumer}")).json() == {"allocations": {}}
    assert (await placement.delete(f"/allocations/{consumer}")).status_code == 404
    assert (await placement.get(f"/resource_providers/{rp}/usages")).json()["usages"]["VCPU"] == 0


async def test_capacity_and_unit_constraints(placement: Placement) -> None:
    rp = await placement.provider(
        "cn",
        inventory={
            "VCPU": {"total": 4, "allocation_ratio": 2.0, "max_unit": 4},
            "DISK_GB": {"total": 100, "step_size": 10, "reserved": 50},
        },
    )
    assert (await placement.claim(new_uuid(), {rp: {"VCPU": 5}})).status_code == 409  # over max_unit
    assert (await placement.claim(new_uuid(), {rp: {"DISK_GB": 15}})).status_code == 409  # step size
    assert (await placement.claim(new_uuid(), {rp: {"DISK_GB": 60}})).status_code == 409  # reserved counts
    assert (await placement.claim(new_uuid(), {rp: {"DISK_GB": 50}})).status_code == 204
    for _ in range(2):  # overcommit: capacity (4 - 0) * 2 = 8
        assert (await placement.claim(new_uuid(), {rp: {"VCPU": 4}})).status_code == 204
    r = await placement.claim(new_uuid(), {rp: {"VCPU": 1}})
    assert r.status_code == 409 and "exceed the capacity" in r.json()["errors"][0]["detail"]
    assert (await placement.claim(new_uuid(), {rp: {"MEMORY_MB": 1}})).status_code == 409  # no inventory
    assert (await placement.claim(new_uuid(), {new_uuid(): {"VCPU": 1}})).status_code == 400
    assert (await placement.claim(new_uuid(), {rp: {"VCPU": 0}})).status_code == 400


async def test_consumer_generations_from_1_28(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 8})
    consumer = new_uuid()
    assert (await placement.claim(consumer, {rp: {"VCPU": 1}}, generation=None)).status_code == 204
    r = await placement.claim(consumer, {rp: {"VCPU": 2}}, generation=None)
    assert r.status_code == 409 and error_code(r) == "placement.concurrent_update"
    assert (await placement.claim(consumer, {rp: {"VCPU": 2}}, generation=1)).status_code == 204
    r = await placement.claim(consumer, {rp: {"VCPU": 3}}, generation=1)
    assert r.status_code == 409 and error_code(r) == "placement.concurrent_update"
    assert (await placement.get(f"/allocations/{consumer}")).json()["consumer_generation"] == 2
    # An empty allocation set (1.28+) removes the consumer; it can then start again at null.
    assert (await placement.claim(consumer, {}, generation=2)).status_code == 204
    assert (await placement.get(f"/allocations/{consumer}")).json() == {"allocations": {}}
    assert (await placement.claim(consumer, {rp: {"VCPU": 1}}, generation=None)).status_code == 204


async def test_old_list_form_and_missing_project_before_1_8(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 8})
    consumer = new_uuid()
    body = {"allocations": [{"resource_provider": {"uuid": rp}, "resources": {"VCPU": 3}}]}
    assert (await placement.put(f"/allocations/{consumer}", body, version="1.7")).status_code == 204
    assert (await placement.put(f"/allocations/{consumer}", body, version="1.8")).status_code == 400
    body |= {"project_id": "p", "user_id": "u"}
    assert (await placement.put(f"/allocations/{consumer}", body, version="1.8")).status_code == 204
    shown = (await placement.get(f"/allocations/{consumer}", version="1.11")).json()
    assert shown == {
        "allocations": {rp: {"generation": shown["allocations"][rp]["generation"], "resources": {"VCPU": 3}}}
    }


async def test_post_moves_allocations_between_consumers(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 4})
    instance, migration = new_uuid(), new_uuid()
    assert (await placement.claim(instance, {rp: {"VCPU": 4}})).status_code == 204
    body = {
        instance: {
            "allocations": {},
            "project_id": "proj",
            "user_id": "user",
            "consumer_generation": 1,
            "consumer_type": "INSTANCE",
        },
        migration: {
            "allocations": {rp: {"resources": {"VCPU": 4}}},
            "project_id": "proj",
            "user_id": "user",
            "consumer_generation": None,
            "consumer_type": "MIGRATION",
        },
    }
    r = await placement.post("/allocations", body)
    assert r.status_code == 204, r.text
    assert (await placement.get(f"/allocations/{instance}")).json() == {"allocations": {}}
    assert (await placement.get(f"/allocations/{migration}")).json()["allocations"][rp]["resources"] == {"VCPU": 4}
    assert (await placement.post("/allocations", body, version="1.12")).status_code == 404


async def test_allocation_bumps_provider_generation(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 4})
    before = (await placement.get(f"/resource_providers/{rp}")).json()["generation"]
    await placement.claim(new_uuid(), {rp: {"VCPU": 1}})
    assert (await placement.get(f"/resource_providers/{rp}")).json()["generation"] == before + 1


async def test_concurrent_claims_for_the_last_slot_exactly_one_wins(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 10})
    assert (await placement.claim(new_uuid(), {rp: {"VCPU": 9}})).status_code == 204
    results = await asyncio.gather(*[placement.claim(new_uuid(), {rp: {"VCPU": 1}}) for _ in range(25)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(204) == 1 and codes.count(409) == 24
    assert (await placement.get(f"/resource_providers/{rp}/usages")).json()["usages"]["VCPU"] == 10


async def test_concurrent_writes_of_one_consumer_with_generation(placement: Placement) -> None:
    rp = await placement.provider("cn", inventory={"VCPU": 100})
    consumer = new_uuid()
    await placement.claim(consumer, {rp: {"VCPU": 1}})
    results = await asyncio.gather(*[placement.claim(consumer, {rp: {"VCPU": n}}, generation=1) for n in range(2, 12)])
    assert sorted(r.status_code for r in results).count(204) == 1
    usage = (await placement.get(f"/resource_providers/{rp}/usages")).json()["usages"]["VCPU"]
    assert usage == (await placement.get(f"/allocations/{consumer}")).json()["allocations"][rp]["resources"]["VCPU"]
