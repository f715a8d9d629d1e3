"""The object storage image store (``[image] store = "swift"``): each image a static
large object in a container of the cloud's object storage (Swift API), written and read
over HTTP with the service user's token, as Glance's swift store keeps images.

An upload streams into segments of ``segment_mb`` (``<container>_segments/<key>/NNNNN``)
while md5 and sha512 are computed, then the manifest ``<container>/<key>`` is written:
an image is visible only once complete, and a failed or refused upload deletes the
segments it wrote. A download is a GET of the manifest (with Range for offsets). Data
of dead processes' uploads (segments without a manifest) is not swept yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from pocketstack.common.context import new_request_id
from pocketstack.common.errors import PocketError
from pocketstack.image.store.base import CHUNK_SIZE, StoredData, StoreFull, StoreLimitExceeded, StoreNotFound
from pocketstack.runtime import Runtime
from pocketstack.web.paths import segment

PREFIX = "swift+pocketstack://"


class SwiftStoreError(PocketError):
    """The object storage answered what the image store did not expect."""


class SwiftStore:
    name = "swift"

    def __init__(self, runtime: Runtime, container: str = "glance", segment_mb: int = 200) -> None:
        self.runtime = runtime
        self.container = container
        self.segments = f"{container}_segments"
        self.segment_size = segment_mb * 1024 * 1024
        self._account: str | None = None

    # -- plumbing -------------------------------------------------------------------------
    async def _session(self) -> tuple[httpx.AsyncClient, str]:
        """A client with the service user's token, and the account's path."""
        token = await self.runtime.service_token()
        if self._account is None:
            ctx = await self.runtime.authenticator.authenticate(token, None, new_request_id())
            if not ctx.project_id:
                raise SwiftStoreError("The service user's token has no project: no object storage account.")
            self._account = f"/object/v1/AUTH_{ctx.project_id}"
            client = self.runtime.http()
            client.headers["X-Auth-Token"] = token
            async with client:
                for name in (self.container, self.segments):
                    resp = await client.put(f"{self._account}/{segment(name)}")
                    _check(resp, "create the image containers")
        client = self.runtime.http()
        client.headers["X-Auth-Token"] = token
        return client, self._account

    def _path(self, location: str) -> tuple[str, str]:
        if not location.startswith(PREFIX):
            raise StoreNotFound(f"Image data location {location!r} is not in this store")
        container, _, name = location[len(PREFIX) :].partition("/")
        if container != self.container or not name:
            raise StoreNotFound(f"Image data location {location!r} is not in this store")
        return container, name

    def location_of(self, key: str) -> str:
        return f"{PREFIX}{self.container}/{key}"

    # -- contract -------------------------------------------------------------------------
    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_size: int | None = None) -> StoredData:
        md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size = 0
        written: list[dict[str, Any]] = []
        client, account = await self._session()
        source = aiter(chunks)
        carry = b""
        done = False
        async with client:
            try:
                while not done:
                    taken = 0

                    async def body() -> AsyncIterator[bytes]:
                        nonlocal carry, done, size, taken
                        while taken < self.segment_size:
                            chunk = carry
                            carry = b""
                            if not chunk:
                                try:
                                    chunk = await anext(source)
                                except StopAsyncIteration:
                                    done = True
                                    return
                            room = self.segment_size - taken
                            chunk, carry = chunk[:room], chunk[room:]
                            size += len(chunk)
                            if max_size is not None and size > max_size:
                                raise StoreLimitExceeded(f"The image data is larger than the {max_size} bytes allowed")
                            md5.update(chunk)
                            sha512.update(chunk)
                            taken += len(chunk)
                            yield chunk

                    name = f"{key}/{len(written):05d}"
                    resp = await client.put(f"{account}/{self.segments}/{segment(name)}", content=body())
                    _check(resp, "store an image segment")
                    if taken or not written:
                        written.append({"path": f"/{self.segments}/{name}", "etag": resp.headers["etag"]})
                    elif taken == 0:
                        await client.delete(f"{account}/{self.segments}/{segment(name)}")
                manifest = orjson.dumps(written)
                resp = await client.put(
                    f"{account}/{self.container}/{segment(key)}?multipart-manifest=put", content=manifest
                )
                _check(resp, "store the image's manifest")
            except BaseException:
                for entry in written:
                    await client.delete(f"{account}{segment_path(entry['path'])}")
                raise
        return StoredData(self.location_of(key), size, md5.hexdigest(), sha512.hexdigest())

    async def get(self, location: str, *, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        container, name = self._path(location)
        client, account = await self._session()
        headers = {}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        async with client, client.stream("GET", f"{account}/{container}/{segment(name)}", headers=headers) as resp:
            if resp.status_code == 404:
                raise StoreNotFound(f"No image data at {location}")
            if resp.status_code == 416:
                return
            _check(resp, "read image data")
            async for chunk in resp.aiter_bytes(CHUNK_SIZE):
                yield chunk

    async def size(self, location: str) -> int:
        container, name = self._path(location)
        client, account = await self._session()
        async with client:
            resp = await client.head(f"{account}/{container}/{segment(name)}")
        if resp.status_code == 404:
            raise StoreNotFound(f"No image data at {location}")
        _check(resp, "size image data")
        return int(resp.headers["content-length"])

    async def move(self, location: str, key: str) -> str:
        container, name = self._path(location)
        client, account = await self._session()
        async with client:
            # The manifest moves; its segments stay where they are.
            resp = await client.request(
                "COPY",
                f"{account}/{container}/{segment(name)}?multipart-manifest=get",
                headers={"Destination": f"{self.container}/{key}"},
            )
            if resp.status_code == 404:
                raise StoreNotFound(f"No image data at {location}")
            _check(resp, "move image data")
            await client.delete(f"{account}/{container}/{segment(name)}")
        return self.location_of(key)

    async def delete(self, location: str) -> None:
        container, name = self._path(location)
        client, account = await self._session()
        async with client:
            resp = await client.delete(f"{account}/{container}/{segment(name)}?multipart-manifest=delete")
        if resp.status_code not in (200, 204, 404):
            _check(resp, "delete image data")

    async def intact(self, location: str) -> bool:
        return False  # downloads are verified against the digests

    async def seal(self, location: str) -> None:
        return None

    async def recover(self) -> tuple[set[str], set[str]]:
        return set(), set()


def segment_path(path: str) -> str:
    container, _, name = path.lstrip("/").partition("/")
    return f"/{segment(container)}/{segment(name)}"


def _check(resp: httpx.Response, what: str) -> None:
    if resp.status_code < 300:
        return
    if resp.status_code == 413:
        raise StoreFull(f"The object storage refused to {what}: {resp.text.strip()}")
    raise SwiftStoreError(f"The object storage refused to {what} ({resp.status_code}): {resp.text.strip()[:200]}")
