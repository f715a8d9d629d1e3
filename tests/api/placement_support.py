"""Shared fixture and helpers for the placement API tests: a Placement client that
speaks one microversion and a few shortcuts for building providers.

The tests run on SQLite by default. ``POCKETSTACK_PLACEMENT_TEST_DB=postgresql`` (or
``mariadb``) runs them on a fresh database on the local server instead, to catch dialect
problems (the race-safe claim UPDATE above all)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.placement.service import create
from pocketstack.testing.service import running_services
from tests.integration.conftest import fresh_mariadb, fresh_postgres

P = "/placement"


class Placement:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    def headers(self, token: str = "admin", version: str = "latest") -> dict[str, str]:
        return {"X-Auth-Token": token, "OpenStack-API-Version": f"placement {version}"}

    async def call(
        self, method: str, path: str, *, token: str = "admin", version: str = "latest", **kw: Any
    ) -> httpx.Response:
        return await self.client.request(method, P + path, headers=self.headers(token, version), **kw)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", path, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.call("PUT", path, json=json, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.call("POST", path, json=json, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("DELETE", path, **kw)

    async def provider(
        self,
        name: str,
        parent: str | None = None,
        inventory: dict[str, Any] | None = None,
        traits: list[str] | None = None,
        aggregates: list[str] | None = None,
    ) -> str:
        body: dict[str, Any] = {"name": name}
        if parent:
            body["parent_provider_uuid"] = parent
        r = await self.post("/resource_providers", body)
        assert r.status_code == 200, r.text
        rp = r.json()["uuid"]
        gen = 0
        if inventory:
            inv = {rc: v if isinstance(v, dict) else {"total": v} for rc, v in inventory.items()}
            r = await self.put(
                f"/resource_providers/{rp}/inventories", {"inventories": inv, "resource_provider_generation": gen}
            )
            assert r.status_code == 200, r.text
            gen = r.json()["resource_provider_generation"]
        if traits:
            for t in traits:
                if t.startswith("CUSTOM_"):
                    await self.put(f"/traits/{t}")
            r = await self.put(
                f"/resource_providers/{rp}/traits", {"traits": traits, "resource_provider_generation": gen}
            )
            assert r.status_code == 200, r.text
            gen = r.json()["resource_provider_generation"]
        if aggregates:
            r = await self.put(
                f"/resource_providers/{rp}/aggregates", {"aggregates": aggregates, "resource_provider_generation": gen}
            )
            assert r.status_code == 200, r.text
        return rp

    async def claim(
        self,
        consumer: str,
        allocations: dict[str, dict[str, int]],
        *,
        generation: int | None = None,
        version: str = "latest",
    ) -> httpx.Response:
        body = {
            "allocations": {rp: {"resources": res} for rp, res in allocations.items()},
            "project_id": "proj",
            "user_id": "user",
            "consumer_generation": generation,
            "consumer_type": "INSTANCE",
        }
        return await self.put(f"/allocations/{consumer}", body, version=version)


def new_uuid() -> str:
    return str(uuid.uuid4())


def error_code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["code"])


def _database() -> AbstractAsyncContextManager[str]:
    """A database URL for one test: empty (SQLite in tmp_path) unless the env var names a server."""
    kind = os.environ.get("POCKETSTACK_PLACEMENT_TEST_DB", "sqlite")
    if kind == "postgresql":
        return fresh_postgres()
    if kind == "mariadb":
        return fresh_mariadb()
    if kind != "sqlite":
        raise ValueError(f"POCKETSTACK_PLACEMENT_TEST_DB must be sqlite, postgresql or mariadb, not {kind!r}")
    return nullcontext("")


@pytest.fixture(name="placement")
async def placement_fixture(tmp_path: Path) -> AsyncIterator[Placement]:
    async with _database() as url:
        config = Config(data_dir=tmp_path)
        config.database.url = url
        async with running_services([create], tmp_path, config=config) as (_runtime, _services, client):
            yield Placement(client)
