"""Shared helpers for the volume API tests: volume + image services in-process, short calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.image import service as image_service
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services
from pocketstack.volume.backends.fake import FakeBackend
from pocketstack.volume.service import VolumeService

LATEST = "volume 3.71"


@dataclass
class VolumeApi:
    client: httpx.AsyncClient
    service: VolumeService
    runtime: Runtime
    data_dir: Path

    @property
    def backend(self) -> Any:
        return self.service.backend

    def headers(self, token: str, version: str | None = LATEST) -> dict[str, str]:
        extra = {"OpenStack-API-Version": version} if version else {}
        return auth(token, **extra)

    async def request(
        self, method: str, path: str, token: str = "demo", version: str | None = LATEST, **kw: Any
    ) -> httpx.Response:
        headers = {**self.headers(token, version), **kw.pop("headers", {})}
        return await self.client.request(method, f"/volume/v3{path}", headers=headers, **kw)

    async def create(
        self, token: str = "demo", expect: int = 202, wait: str | None = "available", **volume: Any
    ) -> Any:
        volume.setdefault("size", 1)
        resp = await self.request("POST", "/volumes", token, json={"volume": volume})
        assert resp.status_code == expect, resp.text
        if expect != 202:
            return resp.json()
        vol = resp.json()["volume"]
        return await self.wait(vol["id"], wait, token) if wait else vol

    async def show(self, volume_id: str, token: str = "demo") -> dict[str, Any]:
        resp = await self.request("GET", f"/volumes/{volume_id}", token)
        assert resp.status_code == 200, resp.text
        return resp.json()["volume"]  # type: ignore[no-any-return]

    async def wait(self, volume_id: str, status: str, token: str = "admin", timeout: float = 20) -> dict[str, Any]:
        """Poll until the volume has ``status`` (fails fast on an unexpected error status)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            vol = await self.show(volume_id, token)
            if vol["status"] == status:
                return vol
            if vol["status"].startswith("error") and not status.startswith("error"):
                raise AssertionError(f"volume {volume_id} went to {vol['status']}, wanted {status}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"volume {volume_id} still {vol['status']}, wanted {status}")
            await asyncio.sleep(0.01)

    async def wait_gone(self, path: str, token: str = "admin", timeout: float = 20) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while (await self.request("GET", path, token)).status_code != 404:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{path} still exists")
            await asyncio.sleep(0.01)

    async def action(self, volume_id: str, body: dict[str, Any], token: str = "demo", **kw: Any) -> httpx.Response:
        return await self.request("POST", f"/volumes/{volume_id}/action", token, json=body, **kw)

    async def snapshot(self, volume_id: str, token: str = "demo", wait: bool = True, **extra: Any) -> dict[str, Any]:
        resp = await self.request("POST", "/snapshots", token, json={"snapshot": {"volume_id": volume_id, **extra}})
        assert resp.status_code == 202, resp.text
        snap = resp.json()["snapshot"]
        deadline = asyncio.get_running_loop().time() + 20
        while wait and snap["status"] != "available":
            assert not snap["status"].startswith("error"), snap
            assert asyncio.get_running_loop().time() < deadline, snap
            await asyncio.sleep(0.01)
            snap = (await self.request("GET", f"/snapshots/{snap['id']}", token)).json()["snapshot"]
        return snap  # type: ignore[no-any-return]


def fault(resp: httpx.Response, status: int) -> str:
    """The message of a Cinder fault body with this status (asserts the shape)."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert len(body) == 1, body
    (inner,) = body.values()
    assert inner["code"] == status
    return str(inner["message"])


@pytest.fixture(name="vapi")
async def vapi_fixture(tmp_path: Path) -> AsyncIterator[VolumeApi]:
    backend = FakeBackend(capacity_gb=100)

    def volume_factory(runtime: Runtime) -> VolumeService:
        return VolumeService(runtime, backend=backend)

    config = Config(data_dir=tmp_path)
    async with running_services([volume_factory, image_service.create], tmp_path, config=config) as (
        runtime,
        services,
        client,
    ):
        svc = services["volume"]
        assert isinstance(svc, VolumeService)
        yield VolumeApi(client, svc, runtime, tmp_path)
