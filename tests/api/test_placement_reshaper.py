"""POST /reshaper (1.30): a resource moves from a root provider to a child together with
the allocations on it, atomically; conflicts and bad input leave everything as it was."""

from __future__ import annotations

from typing import Any

from tests.api.placement_support import (
    Placement,
    error_code,
    new_uuid,
    placement_fixture,  # noqa: F401
)


async def _generation(placement: Placement, rp: str) -> int:
    return int((await placement.get(f"/resource_providers/{rp}")).json()["generation"])


def _consumer(allocations: dict[str, dict[str, int]], generation: int | None) -> dict[str, Any]:
    return {
        "allocations": {rp: {"resources": res} for rp, res in allocations.items()},
        "project_id": "proj",
        "user_id": "user",
        "consumer_generation": generation,
        "consumer_type": "INSTANCE",
    }


async def _split(placement: Placement) -> tuple[str, str, str]:
    """A root with VCPU and VGPU, a child with nothing yet, a consumer using both."""
    root = await placement.provider("cn", inventory={"VCPU": 8, "VGPU": 4})
    child = await placement.provider("gpu0", parent=root)
    consumer = new_uuid()
    assert (await placement.claim(consumer, {root: {"VCPU": 2, "VGPU": 1}})).status_code == 204
    return root, child, consumer


async def test_moves_inventory_and_allocations_together(placement: Placement) -> None:
    root, child, consumer = await _split(placement)
    # Neither step alone is allowed: the VGPU inventory is in use.
    alone = await placement.put(
        f"/resource_providers/{root}/inventories",
        {"inventories": {"VCPU": {"total": 8}}, "resource_provider_generation": await _generation(placement, root)},
    )
    assert alone.status_code == 409 and error_code(alone) == "placement.inventory.inuse"
    body = {
        "inventories": {
            root: {
                "inventories": {"VCPU": {"total": 8}},
                "resource_provider_generation": await _generation(placement, root),
            },
            child: {
                "inventories": {"VGPU": {"total": 4}},
                "resource_provider_generation": await _generation(placement, child),
            },
        },
        "allocations": {consumer: _consumer({root: {"VCPU": 2}, child: {"VGPU": 1}}, 1)},
    }
    assert (await placement.post("/reshaper", body, version="1.29")).status_code == 404
    resp = await placement.post("/reshaper", body)
    assert resp.status_code == 204, resp.text
    shown = (await placement.get(f"/allocations/{consumer}")).json()
    assert {rp: a["resources"] for rp, a in shown["allocations"].items()} == {root: {"VCPU": 2}, child: {"VGPU": 1}}
    assert shown["consumer_generation"] == 2  # counted on, not restarted
    assert (await placement.get(f"/resource_providers/{root}/usages")).json()["usages"] == {"VCPU": 2}
    assert (await placement.get(f"/resource_providers/{child}/usages")).json()["usages"] == {"VGPU": 1}
    assert set((await placement.get(f"/resource_providers/{root}/inventories")).json()["inventories"]) == {"VCPU"}


async def test_conflicts_and_bad_input_change_nothing(placement: Placement) -> None:
    root, child, consumer = await _split(placement)
    other = new_uuid()
    assert (await placement.claim(other, {root: {"VGPU": 1}})).status_code == 204

    def body(root_gen: int, child_gen: int, consumer_gen: int | None) -> dict[str, Any]:
        return {
            "inventories": {
                root: {"inventories": {"VCPU": {"total": 8}}, "resource_provider_generation": root_gen},
                child: {"inventories": {"VGPU": {"total": 4}}, "resource_provider_generation": child_gen},
            },
            "allocations": {consumer: _consumer({root: {"VCPU": 2}, child: {"VGPU": 1}}, consumer_gen)},
        }

    root_gen, child_gen = await _generation(placement, root), await _generation(placement, child)
    stale = await placement.post("/reshaper", body(root_gen - 1, child_gen, 1))
    assert stale.status_code == 409 and error_code(stale) == "placement.concurrent_update"
    wrong_consumer = await placement.post("/reshaper", body(root_gen, child_gen, 7))
    assert wrong_consumer.status_code == 409
    # Another consumer's VGPU is still on the root: its inventory cannot go.
    in_use = await placement.post("/reshaper", body(root_gen, child_gen, 1))
    assert in_use.status_code == 409 and error_code(in_use) == "placement.inventory.inuse"
    # Over the new capacity.
    too_big = body(root_gen, child_gen, 1)
    too_big["allocations"][other] = _consumer({child: {"VGPU": 1}}, 1)
    too_big["inventories"][child]["inventories"]["VGPU"]["total"] = 1
    assert (await placement.post("/reshaper", too_big)).status_code == 409
    for bad in ({"inventories": {}}, {"inventories": {root: {}}, "allocations": {}}, [], {"allocations": {}}):
        resp = await placement.post("/reshaper", bad)
        assert resp.status_code == 400, (bad, resp.text)
    missing = body(root_gen, child_gen, 1)
    missing["inventories"][new_uuid()] = {"inventories": {}, "resource_provider_generation": 0}
    assert (await placement.post("/reshaper", missing)).status_code == 400
    # Everything as before.
    assert await _generation(placement, root) == root_gen and await _generation(placement, child) == child_gen
    shown = (await placement.get(f"/allocations/{consumer}")).json()
    assert shown["allocations"][root]["resources"] == {"VCPU": 2, "VGPU": 1} and shown["consumer_generation"] == 1
    assert (await placement.get(f"/resource_providers/{root}/usages")).json()["usages"] == {"VCPU": 2, "VGPU": 2}
    # Moving the other consumer too makes it valid.
    both = body(root_gen, child_gen, 1)
    both["allocations"][other] = _consumer({child: {"VGPU": 1}}, 1)
    assert (await placement.post("/reshaper", both)).status_code == 204
    assert (await placement.get(f"/resource_providers/{child}/usages")).json()["usages"] == {"VGPU": 2}


async def test_only_admins_and_services_reshape(placement: Placement) -> None:
    root = await placement.provider("cn", inventory={"VCPU": 8})
    body = {
        "inventories": {root: {"inventories": {"VCPU": {"total": 4}}, "resource_provider_generation": 1}},
        "allocations": {},
    }
    assert (await placement.post("/reshaper", body, token="demo")).status_code == 403
