"""Image records and data from the image API, as the compute service (service token).

The driver runs on the cloud's behalf, possibly long after the user's request (power
on, resume, a re-fetch after the cache was pruned), so it authenticates with the
service token only; the image API lets the service user read any image.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from pocketstack.compute.virt.qemu.imagecache import ImageError


class ImageAPISource:
    def __init__(self, http: Callable[[], httpx.AsyncClient], service_token: Callable[[], Awaitable[str]]) -> None:
        self._make_http = http
        self._http: httpx.AsyncClient | None = None
        self._token = service_token

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = self._make_http()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def metadata(self, image_id: str) -> dict[str, Any]:
        try:
            resp = await self.http.get(f"/image/v2/images/{image_id}", headers={"X-Auth-Token": await self._token()})
        except httpx.HTTPError as exc:
            raise ImageError(f"the image service could not be reached: {exc}") from None
        if resp.status_code != 200:
            raise ImageError(f"the image service answered {resp.status_code} for image {image_id}")
        data: dict[str, Any] = resp.json()
        return data

    async def data(self, image_id: str) -> AsyncIterator[bytes]:
        headers = {"X-Auth-Token": await self._token()}
        try:
            async with self.http.stream("GET", f"/image/v2/images/{image_id}/file", headers=headers) as resp:
                if resp.status_code != 200:
                    raise ImageError(f"the image service answered {resp.status_code} for the data of image {image_id}")
                async for chunk in resp.aiter_bytes(1024 * 1024):
                    yield chunk
        except httpx.HTTPError as exc:
            raise ImageError(f"download of image {image_id} failed: {exc}") from None
