"""Regressions the OpenAPI fuzzing found (tests/api/test_fuzz_openapi.py): each request
here once answered 500; it must be a 4xx in the API's own error format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pocketstack.compute import service as compute
from pocketstack.testing.service import auth, running_services

V = "/compute/v2.1"


@pytest.fixture
async def nova(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_services([compute.create], tmp_path) as (runtime, _services, client):
        await compute.bootstrap(runtime)
        yield client


async def test_flavor_sizes_past_the_database_integer_are_400(nova: httpx.AsyncClient) -> None:
    # A digit string escapes the schema's bounds; it overflowed SQLite's INTEGER (500).
    for field, value in [("vcpus", "26844868553873630383"), ("ram", 2**31), ("disk", "99999999999999999999")]:
        flavor = {"name": f"big-{field}", "ram": 512, "vcpus": 1, "disk": 1, field: value}
        r = await nova.post(V + "/flavors", json={"flavor": flavor}, headers=auth("admin"))
        assert r.status_code == 400, r.text
        assert f"{field} must be <= 2147483647" in r.json()["badRequest"]["message"]
    fits = {"name": "largest", "ram": 2**31 - 1, "vcpus": "2147483647", "disk": 0}
    r = await nova.post(V + "/flavors", json={"flavor": fits}, headers=auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["flavor"]["vcpus"] == 2**31 - 1
