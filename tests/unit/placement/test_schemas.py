"""Placement's schema builders return one object per variant, so validation compiles
each schema once instead of once per request."""

from __future__ import annotations

from pocketstack.placement import schemas
from pocketstack.web import validation


def test_builders_return_the_same_schema_object() -> None:
    assert schemas.allocations_put(39) is schemas.allocations_put(39)
    assert schemas.allocations_post(39) is schemas.allocations_post(39)
    assert schemas.provider_create(True) is schemas.provider_create(True)
    assert schemas.allocations_put(7) is not schemas.allocations_put(39)


def test_validating_many_bodies_compiles_the_schema_once() -> None:
    body = {
        "allocations": {"5a8e9b3e-6a0e-4f4f-9d3a-1b2c3d4e5f60": {"resources": {"VCPU": 1}}},
        "project_id": "p",
        "user_id": "u",
        "consumer_generation": None,
        "consumer_type": "INSTANCE",
    }
    before = len(validation._compiled)
    for _ in range(5):
        assert validation.validate(schemas.allocations_put(39), body) == body
    assert len(validation._compiled) <= before + 1
