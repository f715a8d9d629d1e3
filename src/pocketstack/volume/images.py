"""The volume service's client of the image API (over runtime.http()).

Reads made for the manager's own work (image data for a new volume) carry the service
token; an image made from a volume is created with the user's token so the user owns it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from pocketstack.common.errors import Invalid, NotFound, Unavailable
from pocketstack.runtime import Runtime
from pocketstack.web.paths import segment


class ImageClient:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _headers(self, token: str, service_token: str | None = None) -> dict[str, str]:
        headers = {"X-Auth-Token": token}
        if service_token:
            headers["X-Service-Token"] = service_token
        return headers

    async def get(self, image_id: str, token: str) -> dict[str, Any]:
        """The image record as ``token`` sees it; NotFound if it cannot."""
        async with self.runtime.http() as http:
            try:
                resp = await http.get(f"/image/v2/images/{segment(image_id)}", headers=self._headers(token))
            except httpx.HTTPError as exc:
                raise Unavailable(f"The image service could not be reached: {exc}") from None
        if resp.status_code == 404:
            raise NotFound(f"Image {image_id} could not be found.")
        if resp.status_code >= 400:
            raise Unavailable(f"The image service answered {resp.status_code} for image {image_id}")
        data: dict[str, Any] = resp.json()
        return data

    async def data(self, image_id: str) -> AsyncIterator[bytes]:
        """The image's bytes as they arrive (service token: the API checked access)."""
        token = await self.runtime.service_token()
        async with self.runtime.http() as http:
            async with http.stream(
                "GET", f"/image/v2/images/{segment(image_id)}/file", headers=self._headers(token)
            ) as resp:
                if resp.status_code == 204:
                    raise Invalid(f"Image {image_id} has no data (queued, or its data was lost)")
                if resp.status_code != 200:
                    raise Unavailable(f"Downloading image {image_id} failed with status {resp.status_code}")
                async for chunk in resp.aiter_bytes():
                    yield chunk

    async def create(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        async with self.runtime.http() as http:
            resp = await http.post("/image/v2/images", json=body, headers=self._headers(token))
        if resp.status_code in (400, 409):
            raise Invalid(f"The image service refused the new image: {resp.text.strip()}")
        if resp.status_code == 403:
            raise Invalid(f"The image service refused the new image (quota or policy): {resp.text.strip()}")
        if resp.status_code >= 400:
            raise Unavailable(f"The image service answered {resp.status_code} creating an image")
        data: dict[str, Any] = resp.json()
        return data

    async def upload(self, image_id: str, chunks: AsyncIterator[bytes], token: str | None) -> None:
        service_token = await self.runtime.service_token()
        headers = {"Content-Type": "application/octet-stream"}
        headers.update(self._headers(token or service_token, service_token if token else None))
        async with self.runtime.http() as http:
            resp = await http.put(f"/image/v2/images/{segment(image_id)}/file", content=chunks, headers=headers)
        if resp.status_code >= 400:
            raise Unavailable(f"Uploading to image {image_id} failed with status {resp.status_code}: {resp.text[:200]}")

    async def delete(self, image_id: str, token: str | None) -> None:
        service_token = await self.runtime.service_token()
        async with self.runtime.http() as http:
            await http.delete(f"/image/v2/images/{segment(image_id)}", headers=self._headers(token or service_token))
