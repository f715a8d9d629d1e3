"""Shared helpers for the image API tests: a running image service and short calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.image.service import ImageService, create
from pocketstack.testing.service import auth, running_services

PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
PATCH_TYPE_V20 = "application/openstack-images-v2.0-json-patch"


@dataclass
class ImageApi:
    client: httpx.AsyncClient
    service: ImageService
    data_dir: Path

    async def create(self, token: str = "demo", expect: int = 201, **body: Any) -> dict[str, Any]:
        body.setdefault("disk_format", "raw")
        body.setdefault("container_format", "bare")
        resp = await self.client.post("/image/v2/images", json=body, headers=auth(token))
        assert resp.status_code == expect, resp.text
        return resp.json() if expect == 201 else {"text": resp.text}

    async def get(self, path: str, token: str = "demo", **kw: Any) -> httpx.Response:
        return await self.client.get(f"/image{path}", headers=auth(token, **kw.pop("headers", {})), **kw)

    async def show(self, image_id: str, token: str = "demo") -> dict[str, Any]:
        resp = await self.get(f"/v2/images/{image_id}", token)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def patch(
        self, image_id: str, ops: Any, token: str = "demo", content_type: str = PATCH_TYPE
    ) -> httpx.Response:
        return await self.client.patch(
            f"/image/v2/images/{image_id}", json=ops, headers=auth(token, **{"Content-Type": content_type})
        )

    async def upload(self, image_id: str, data: bytes, token: str = "demo", **headers: str) -> httpx.Response:
        return await self.client.put(
            f"/image/v2/images/{image_id}/file",
            content=data,
            headers=auth(token, **{"Content-Type": "application/octet-stream", **headers}),
        )

    async def delete(self, image_id: str, token: str = "demo") -> httpx.Response:
        return await self.client.delete(f"/image/v2/images/{image_id}", headers=auth(token))

    async def list_ids(self, query: str = "", token: str = "demo") -> list[str]:
        resp = await self.get(f"/v2/images{query}", token)
        assert resp.status_code == 200, resp.text
        return [img["id"] for img in resp.json()["images"]]

    def stored_files(self) -> list[Path]:
        root = self.data_dir / "images"
        return sorted(p for p in root.iterdir()) if root.exists() else []


@pytest.fixture(name="image_config")
def image_config_fixture(tmp_path: Path) -> Config:
    return Config(data_dir=tmp_path)


@pytest.fixture(name="api")
async def api_fixture(tmp_path: Path, image_config: Config) -> AsyncIterator[ImageApi]:
    async with running_services([create], tmp_path, config=image_config) as (_runtime, services, client):
        service = services["image"]
        assert isinstance(service, ImageService)
        yield ImageApi(client, service, tmp_path)


def glance_message(resp: httpx.Response) -> str:
    """The text of a Glance error body (status line, blank line, message)."""
    return resp.text
