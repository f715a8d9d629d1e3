"""Shared helpers for the object storage API tests: the service alone, in-process, with
StaticAuthenticator's users (admin, demo, alt, reader) and a reseller admin."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.object.service import ObjectService, create
from pocketstack.testing.auth import ADMIN, ALT, DEMO, READER, StaticAuthenticator
from pocketstack.testing.service import running_services

RESELLER = dataclasses.replace(ADMIN, user_id="u-reseller", project_id="p-reseller", roles=("ResellerAdmin",))
DEMO_ACCOUNT = "/object/v1/AUTH_p-demo"
ALT_ACCOUNT = "/object/v1/AUTH_p-alt"


@dataclass
class ObjectApi:
    client: httpx.AsyncClient
    service: ObjectService
    data_dir: Path

    async def call(
        self, method: str, path: str, token: str | None = "demo", *, account: str = DEMO_ACCOUNT, **kw: Any
    ) -> httpx.Response:
        headers = {k: str(v) for k, v in kw.pop("headers", {}).items()}
        if token is not None:
            headers["X-Auth-Token"] = token
        return await self.client.request(method, f"{account}{path}", headers=headers, **kw)

    async def container(self, name: str, token: str = "demo", **headers: str) -> None:
        resp = await self.call("PUT", f"/{name}", token, headers=headers)
        assert resp.status_code in (201, 202), resp.text

    async def put(
        self, container: str, name: str, data: bytes = b"data", token: str = "demo", **headers: str
    ) -> httpx.Response:
        resp = await self.call("PUT", f"/{container}/{name}", token, content=data, headers=headers)
        assert resp.status_code == 201, resp.text
        return resp

    async def get(self, container: str, name: str, token: str | None = "demo", **headers: str) -> httpx.Response:
        return await self.call("GET", f"/{container}/{name}", token, headers=headers)

    async def names(self, container: str, query: str = "", token: str = "demo") -> list[str]:
        resp = await self.call("GET", f"/{container}?format=json{'&' + query if query else ''}", token)
        assert resp.status_code == 200, resp.text
        return [item.get("name", item.get("subdir")) for item in resp.json()]

    async def head_container(self, container: str, token: str = "demo") -> httpx.Headers:
        resp = await self.call("HEAD", f"/{container}", token)
        assert resp.status_code == 204, resp.text
        return resp.headers

    def blob_files(self) -> list[Path]:
        root = self.data_dir / "objects"
        return sorted(p for p in root.rglob("*.data")) if root.exists() else []


@pytest.fixture(name="object_config")
def object_config_fixture(tmp_path: Path) -> Config:
    config = Config(data_dir=tmp_path)
    config.object.expirer_interval = 0
    return config


@pytest.fixture(name="api")
async def api_fixture(tmp_path: Path, object_config: Config) -> AsyncIterator[ObjectApi]:
    tokens = {"admin": ADMIN, "demo": DEMO, "alt": ALT, "reader": READER, "reseller": RESELLER}
    async with running_services(
        [create], tmp_path, config=object_config, authenticator=StaticAuthenticator(tokens)
    ) as (_runtime, services, client):
        service = services["object"]
        assert isinstance(service, ObjectService)
        yield ObjectApi(client, service, tmp_path)
