"""Glance v2: images."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import orjson

from pocketstack.client.base import Resource, ServiceClient, seg


class ImageClient(ServiceClient):
    service = "image"
    prefix = "/image/v2"

    async def images(self, **filters: Any) -> list[Resource]:
        return list((await self.get("/images", **filters))["images"])

    async def image(self, image_id: str) -> Resource:
        return dict(await self.get(f"/images/{seg(image_id)}"))

    async def create_image(self, name: str, **attrs: Any) -> Resource:
        """A queued image record (``disk_format``, ``container_format``, ``visibility``...)."""
        body = {"name": name, "disk_format": "raw", "container_format": "bare", **attrs}
        return dict(await self.post("/images", body))

    async def upload(self, image_id: str, data: bytes | AsyncIterable[bytes]) -> None:
        """Store the image's bytes (it becomes ``active``); an async iterable streams."""
        await self.request(
            "PUT", f"/images/{seg(image_id)}/file", content=data, headers={"Content-Type": "application/octet-stream"}
        )

    async def delete_image(self, image_id: str) -> None:
        await self.delete(f"/images/{seg(image_id)}")

    async def update_image(self, image_id: str, **changes: Any) -> Resource:
        """Set attributes (``name``, ``visibility``, ...) with a JSON-patch of ``replace`` ops."""
        ops = [{"op": "replace", "path": f"/{key}", "value": value} for key, value in changes.items()]
        return dict(
            await self.request(
                "PATCH",
                f"/images/{seg(image_id)}",
                content=orjson.dumps(ops),
                headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
            )
        )

    async def share(self, image_id: str, project_id: str) -> Resource:
        """Add ``project_id`` as a member (the image must be ``shared``)."""
        return dict(await self.post(f"/images/{seg(image_id)}/members", {"member": project_id}))

    async def members(self, image_id: str) -> list[Resource]:
        return list((await self.get(f"/images/{seg(image_id)}/members"))["members"])
