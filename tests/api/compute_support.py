"""Shared helpers for the compute API tests: the cloud with placement, image and
compute in-process, an active image, and polling for a server's status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pocketstack.common.config import Config
from pocketstack.compute import service as compute
from pocketstack.compute.service import ComputeService
from pocketstack.image import service as image
from pocketstack.placement import service as placement
from pocketstack.runtime import Runtime
from pocketstack.testing.service import auth, running_services

V = "/compute/v2.1"


def mv(token: str, version: str = "2.1") -> dict[str, str]:
    return auth(token, **{"OpenStack-API-Version": f"compute {version}"})


@dataclass
class Cloud:
    runtime: Runtime
    compute: ComputeService
    client: httpx.AsyncClient
    image_id: str

    async def boot(
        self, name: str = "vm", token: str = "demo", expect: int = 202, version: str = "2.37", **server: Any
    ) -> dict[str, Any]:
        body = {"server": {"name": name, "flavorRef": "1", "imageRef": self.image_id, "networks": "none", **server}}
        r = await self.client.post(V + "/servers", json=body, headers=mv(token, version))
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def show(self, server_id: str, token: str = "admin", version: str = "2.1") -> dict[str, Any]:
        r = await self.client.get(f"{V}/servers/{server_id}", headers=mv(token, version))
        assert r.status_code == 200, r.text
        return dict(r.json()["server"])

    async def wait(self, server_id: str, *statuses: str, timeout: float = 10.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            server = await self.show(server_id)
            if server["status"] in statuses:
                return server
            if loop.time() > deadline:
                raise AssertionError(f"server {server_id} stayed {server['status']}, wanted {statuses}")
            await asyncio.sleep(0.02)

    async def wait_gone(self, server_id: str, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            r = await self.client.get(f"{V}/servers/{server_id}", headers=auth("admin"))
            if r.status_code == 404:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"server {server_id} was not deleted")

    async def action(
        self, server_id: str, body: dict[str, Any], token: str = "demo", version: str = "2.1"
    ) -> httpx.Response:
        return await self.client.post(f"{V}/servers/{server_id}/action", json=body, headers=mv(token, version))


async def make_image(client: httpx.AsyncClient, **extra: Any) -> str:
    body = {"name": "tiny", "disk_format": "raw", "container_format": "bare", "visibility": "public", **extra}
    r = await client.post("/image/v2/images", json=body, headers=auth("admin"))
    assert r.status_code == 201, r.text
    image_id = str(r.json()["id"])
    up = await client.put(
        f"/image/v2/images/{image_id}/file",
        content=b"x" * 1024,
        headers={**auth("admin"), "Content-Type": "application/octet-stream"},
    )
    assert up.status_code == 204, up.text
    return image_id


@asynccontextmanager
async def cloud(tmp_path: Path, *, hosts: int = 1, **compute_settings: Any) -> AsyncIterator[Cloud]:
    cfg = Config(data_dir=tmp_path)
    cfg.compute.driver = "fake"
    cfg.compute.fake_hosts = hosts
    for key, value in compute_settings.items():
        setattr(cfg.compute, key, value)
    factories = [placement.create, image.create, compute.create]
    async with running_services(factories, tmp_path, config=cfg) as (runtime, services, client):
        await compute.bootstrap(runtime)
        image_id = await make_image(client)
        svc = services["compute"]
        assert isinstance(svc, ComputeService)
        yield Cloud(runtime, svc, client, image_id)
