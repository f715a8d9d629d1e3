"""Images kept in the cloud's object storage (``[image] store = "swift"``): the image API
is the same, the data lives as static large objects in the service user's account."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.image import service as image_service
from pocketstack.object import service as object_service
from pocketstack.testing.service import auth, running_services

DATA = os.urandom(2 * 1024 * 1024 + 12345)
# StaticAuthenticator's service token is admin's: project p-admin.
ACCOUNT = "/object/v1/AUTH_p-admin"


@pytest.fixture(name="client")
async def client_fixture(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = Config(data_dir=tmp_path)
    config.image.store = "swift"
    config.image.swift_segment_mb = 1
    config.object.expirer_interval = 0
    async with running_services([object_service.create, image_service.create], tmp_path, config=config) as (
        _runtime,
        _services,
        client,
    ):
        yield client


async def _image(client: httpx.AsyncClient) -> str:
    resp = await client.post(
        "/image/v2/images", json={"disk_format": "raw", "container_format": "bare"}, headers=auth("demo")
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def test_upload_download_delete_through_object_storage(client: httpx.AsyncClient, tmp_path: Path) -> None:
    image_id = await _image(client)
    put = await client.put(
        f"/image/v2/images/{image_id}/file",
        content=DATA,
        headers=auth("demo", **{"Content-Type": "application/octet-stream"}),
    )
    assert put.status_code == 204, put.text
    shown = (await client.get(f"/image/v2/images/{image_id}", headers=auth("demo"))).json()
    assert shown["status"] == "active" and shown["size"] == len(DATA)
    assert shown["checksum"] == hashlib.md5(DATA).hexdigest()
    assert shown["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert shown["stores"] == "swift"
    got = await client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo"))
    assert got.status_code == 200 and got.content == DATA
    part = await client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo", Range="bytes=1048570-1048590"))
    assert part.status_code == 206 and part.content == DATA[1048570:1048591]
    # Three 1 MiB segments and a manifest in the service account; no file under images/.
    segments = await client.get(f"{ACCOUNT}/glance_segments?format=json", headers=auth("admin"))
    assert [s["bytes"] for s in segments.json()] == [1048576, 1048576, 12345]
    manifest = await client.head(f"{ACCOUNT}/glance/{image_id}", headers=auth("admin"))
    assert manifest.headers["x-static-large-object"] == "True"
    assert not (tmp_path / "images").exists() or not any((tmp_path / "images").iterdir())
    assert (await client.delete(f"/image/v2/images/{image_id}", headers=auth("demo"))).status_code == 204
    assert (await client.get(f"{ACCOUNT}/glance_segments?format=json", headers=auth("admin"))).json() == []
    assert (await client.get(f"{ACCOUNT}/glance?format=json", headers=auth("admin"))).json() == []


async def test_refused_upload_leaves_no_segments(client: httpx.AsyncClient) -> None:
    image_id = await _image(client)
    resp = await client.put(
        f"/image/v2/images/{image_id}/file",
        content=DATA,
        headers=auth("demo", **{"Content-Type": "application/octet-stream", "Content-MD5": "0" * 32}),
    )
    assert resp.status_code == 400
    assert (await client.get(f"{ACCOUNT}/glance_segments?format=json", headers=auth("admin"))).json() == []
    shown = (await client.get(f"/image/v2/images/{image_id}", headers=auth("demo"))).json()
    assert shown["status"] == "queued"


async def test_empty_image(client: httpx.AsyncClient) -> None:
    image_id = await _image(client)
    put = await client.put(
        f"/image/v2/images/{image_id}/file",
        content=b"",
        headers=auth("demo", **{"Content-Type": "application/octet-stream"}),
    )
    assert put.status_code == 204, put.text
    got = await client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo"))
    assert got.status_code in (200, 204) and got.content == b""


async def test_staged_import_moves_the_manifest(client: httpx.AsyncClient) -> None:
    image_id = await _image(client)
    staged = await client.put(
        f"/image/v2/images/{image_id}/stage",
        content=DATA,
        headers=auth("demo", **{"Content-Type": "application/octet-stream"}),
    )
    assert staged.status_code == 204, staged.text
    imported = await client.post(
        f"/image/v2/images/{image_id}/import", json={"method": {"name": "glance-direct"}}, headers=auth("demo")
    )
    assert imported.status_code == 202, imported.text
    for _ in range(100):
        shown = (await client.get(f"/image/v2/images/{image_id}", headers=auth("demo"))).json()
        if shown["status"] == "active":
            break
        await asyncio.sleep(0.05)
    assert shown["status"] == "active"
    assert (await client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo"))).content == DATA
    names = [o["name"] for o in (await client.get(f"{ACCOUNT}/glance?format=json", headers=auth("admin"))).json()]
    assert names == [image_id]


async def test_upload_past_the_quota_leaves_no_segments(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.image.store = "swift"
    config.image.swift_segment_mb = 1
    config.image.quota_bytes = 1024 * 1024 + 10
    config.object.expirer_interval = 0
    async with running_services([object_service.create, image_service.create], tmp_path, config=config) as (
        _runtime,
        _services,
        client,
    ):
        image_id = await _image(client)
        resp = await client.put(
            f"/image/v2/images/{image_id}/file",
            content=DATA,
            headers=auth("demo", **{"Content-Type": "application/octet-stream"}),
        )
        assert resp.status_code == 413, resp.text
        listing = await client.get(f"{ACCOUNT}/glance_segments?format=json", headers=auth("admin"))
        assert listing.status_code == 404 or listing.json() == []


async def test_an_import_cut_off_by_a_restart_can_run_again(client: httpx.AsyncClient, tmp_path: Path) -> None:
    import datetime as dt

    from sqlalchemy import update

    from pocketstack.db import Database
    from pocketstack.image import data
    from pocketstack.image.models import Image

    image_id = await _image(client)
    staged = await client.put(
        f"/image/v2/images/{image_id}/stage",
        content=DATA,
        headers=auth("demo", **{"Content-Type": "application/octet-stream"}),
    )
    assert staged.status_code == 204
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pocketstack.db'}")
    try:
        async with db.writer() as session:
            await session.execute(
                update(Image).where(Image.id == image_id).values(status="importing", updated_at=dt.datetime(2020, 1, 1))
            )
        await data.reset_abandoned(db, _NoStore())
    finally:
        await db.close()
    assert (await client.get(f"/image/v2/images/{image_id}", headers=auth("demo"))).json()["status"] == "uploading"
    imported = await client.post(
        f"/image/v2/images/{image_id}/import", json={"method": {"name": "glance-direct"}}, headers=auth("demo")
    )
    assert imported.status_code == 202
    assert (await client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo"))).content == DATA


class _NoStore:
    async def recover(self) -> tuple[set[str], set[str]]:
        return set(), set()
