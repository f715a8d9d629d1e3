"""Image data: streamed upload/download, hashes, ranges, lifecycle, cut-off uploads,
storage quota, corrupt files, staging + import, deactivation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.image.service import ImageService
from pocketstack.image.store.fake import FakeStore
from pocketstack.testing.service import running_services
from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401

DATA = os.urandom(3 * 1024 * 1024 + 17)  # more than one 1 MiB chunk, not a multiple of it


async def _active(api: ImageApi, data: bytes = DATA, token: str = "demo", **body: Any) -> dict[str, Any]:
    img = await api.create(token, **body)
    resp = await api.upload(img["id"], data, token)
    assert resp.status_code == 204, resp.text
    return await api.show(img["id"], token)


async def test_upload_records_hashes_and_download_is_identical(api: ImageApi) -> None:
    img = await _active(api)
    assert img["status"] == "active"
    assert img["size"] == len(DATA)
    assert img["checksum"] == hashlib.md5(DATA).hexdigest()
    assert img["os_hash_algo"] == "sha512"
    assert img["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    resp = await api.get(f"/v2/images/{img['id']}/file")
    assert resp.status_code == 200
    assert resp.content == DATA
    assert resp.headers["content-md5"] == img["checksum"]
    assert resp.headers["content-length"] == str(len(DATA))
    assert resp.headers["content-type"] == "application/octet-stream"
    # Only the final file is in the store: no temporary leftovers.
    assert [p.name for p in api.stored_files()] == [img["id"]]


async def test_download_streams_in_chunks(api: ImageApi) -> None:
    img = await _active(api)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/v2/images/{img['id']}/file",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"x-auth-token", b"demo")],
    }
    await api.service.app(scope, receive, send)
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    assert b"".join(bodies) == DATA
    assert len(bodies) >= 4 and max(len(b) for b in bodies) <= 1024 * 1024


async def test_empty_image(api: ImageApi) -> None:
    img = await _active(api, b"")
    assert img["size"] == 0 and img["checksum"] == hashlib.md5(b"").hexdigest()
    assert (await api.get(f"/v2/images/{img['id']}/file")).content == b""


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=1048570-1048590", 1048570, 1048590),
        ("bytes=3145000-", 3145000, len(DATA) - 1),
        ("bytes=-100", len(DATA) - 100, len(DATA) - 1),
        ("bytes=10-99999999", 10, len(DATA) - 1),
    ],
)
async def test_range_downloads(api: ImageApi, header: str, start: int, end: int) -> None:
    img = await _active(api)
    resp = await api.get(f"/v2/images/{img['id']}/file", headers={"Range": header})
    assert resp.status_code == 206, resp.text
    assert resp.content == DATA[start : end + 1]
    assert resp.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (f"bytes={len(DATA)}-", 416),
        ("bytes=-0", 416),
        ("bytes=9-3", 400),
        ("lines=1-2", 400),
        ("bytes=1-2,5-6", 400),
    ],
)
async def test_bad_ranges(api: ImageApi, header: str, status: int) -> None:
    img = await _active(api, DATA)
    resp = await api.get(f"/v2/images/{img['id']}/file", headers={"Range": header})
    assert resp.status_code == status, resp.text


async def test_upload_to_active_image_conflicts(api: ImageApi) -> None:
    img = await _active(api)
    resp = await api.upload(img["id"], b"other data")
    assert resp.status_code == 409
    assert "not queued" in resp.text and "active" in resp.text
    assert (await api.get(f"/v2/images/{img['id']}/file")).content == DATA


async def test_download_of_queued_image_has_no_content(api: ImageApi) -> None:
    # Glance: 204 No Content for an image without data.
    img = await api.create()
    resp = await api.get(f"/v2/images/{img['id']}/file")
    assert resp.status_code == 204 and resp.content == b""


async def test_upload_needs_formats(api: ImageApi) -> None:
    img = await api.create(disk_format=None, container_format=None)
    resp = await api.upload(img["id"], b"abc")
    assert resp.status_code == 400 and "disk_format, container_format" in resp.text
    assert (await api.show(img["id"]))["status"] == "queued"


async def test_upload_policy(api: ImageApi) -> None:
    img = await api.create("demo")
    assert (await api.upload(img["id"], b"abc", "alt")).status_code == 404
    assert (await api.upload(img["id"], b"abc", "reader")).status_code == 403
    public = await api.create("admin", visibility="public")
    assert (await api.upload(public["id"], b"abc", "demo")).status_code == 403
    assert api.stored_files() == []


async def test_unknown_image_data(api: ImageApi) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await api.get(f"/v2/images/{missing}/file")).status_code == 404
    assert (await api.upload(missing, b"x")).status_code == 404


async def test_content_md5(api: ImageApi) -> None:
    img = await api.create()
    good = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
    bad = await api.upload(img["id"], b"hello", **{"Content-MD5": base64.b64encode(b"0" * 16).decode()})
    assert bad.status_code == 400 and "Content-MD5 mismatch" in bad.text
    assert (await api.show(img["id"]))["status"] == "queued"
    assert api.stored_files() == []
    assert (await api.upload(img["id"], b"hello", **{"Content-MD5": good})).status_code == 204
    other = await api.create()
    assert (await api.upload(other["id"], b"x", **{"Content-MD5": "nonsense"})).status_code == 400


async def _raw_put(api: ImageApi, image_id: str, chunks: list[bytes], *, disconnect: bool) -> list[dict]:
    """Drive the ASGI app directly so the client can vanish mid-body (httpx cannot)."""
    messages = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    messages.append({"type": "http.disconnect"} if disconnect else {"type": "http.request", "body": b""})
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "PUT",
        "path": f"/v2/images/{image_id}/file",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"x-auth-token", b"demo")],
    }
    await api.service.app(scope, receive, send)
    return sent


async def test_cut_off_upload_leaves_image_queued_and_no_file(api: ImageApi) -> None:
    img = await api.create()
    await _raw_put(api, img["id"], [b"x" * 700_000] * 3, disconnect=True)
    shown = await api.show(img["id"])
    assert shown["status"] == "queued" and shown["size"] is None
    assert api.stored_files() == []
    # The image can still be uploaded afterwards.
    sent = await _raw_put(api, img["id"], [b"y" * 1000, b"z" * 10], disconnect=False)
    assert sent[0]["status"] == 204
    assert (await api.show(img["id"]))["size"] == 1010


@pytest.fixture
def byte_quota(image_config: Config) -> Config:
    image_config.image.quota_bytes = 2 * 1024 * 1024
    return image_config


@pytest.mark.usefixtures("byte_quota")
async def test_storage_quota_refuses_without_partial_data(api: ImageApi) -> None:
    first = await _active(api, b"a" * (1024 * 1024))
    assert first["size"] == 1024 * 1024
    img = await api.create()
    # Announced size over the quota: refused before reading the body.
    resp = await api.upload(img["id"], b"b" * (1024 * 1024 + 1))
    assert resp.status_code == 413 and "storage quota exceeded" in resp.text.lower()
    # Unannounced (chunked) body over the quota: refused mid-stream, nothing kept.

    async def body():
        for _ in range(3):
            yield b"c" * 700_000

    resp = await api.client.put(
        f"/image/v2/images/{img['id']}/file",
        content=body(),
        headers={"X-Auth-Token": "demo", "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 413, resp.text
    assert (await api.show(img["id"]))["status"] == "queued"
    assert [p.name for p in api.stored_files()] == [first["id"]]
    # Exactly what is left still fits; other projects have their own quota.
    assert (await api.upload(img["id"], b"d" * (1024 * 1024))).status_code == 204
    assert (await _active(api, b"e" * (1024 * 1024), "alt"))["status"] == "active"


async def test_corrupt_file_is_never_served_silently(api: ImageApi) -> None:
    img = await _active(api)
    path = api.data_dir / "images" / img["id"]
    raw = bytearray(path.read_bytes())
    raw[5] ^= 0xFF  # same size, different content
    before = path.stat().st_mtime_ns
    path.write_bytes(bytes(raw))
    # An outside write a second after the upload (a write within the same clock tick
    # could keep the mtime, and only the inode/size/mtime identity is checked).
    os.utime(path, ns=(before + 10**9, before + 10**9))
    received = bytearray()
    # The client sees what it would over a socket: the body cut short.
    with pytest.raises(httpx.ReadError, match="corrupt"):
        async with api.client.stream(
            "GET", f"/image/v2/images/{img['id']}/file", headers={"X-Auth-Token": "demo"}
        ) as resp:
            assert resp.status_code == 200
            async for chunk in resp.aiter_raw():
                received += chunk
    assert len(received) < len(DATA)  # the last block was held back
    assert (await api.show(img["id"]))["status"] == "killed"
    # Killed: no readable data any more, answered as Glance does for that (204).
    again = await api.get(f"/v2/images/{img['id']}/file")
    assert again.status_code == 204 and again.content == b""


async def test_truncated_file_is_detected_before_sending(api: ImageApi) -> None:
    img = await _active(api)
    path = api.data_dir / "images" / img["id"]
    path.write_bytes(path.read_bytes()[:-1])  # the size tells, whatever the mtime
    # Found before the first byte: nothing is sent, the image is killed.
    resp = await api.get(f"/v2/images/{img['id']}/file")
    assert resp.status_code == 204 and resp.content == b""
    assert (await api.show(img["id"]))["status"] == "killed"


async def test_stage_and_import(api: ImageApi) -> None:
    img = await api.create()
    resp = await api.client.post(
        f"/image/v2/images/{img['id']}/import",
        json={"method": {"name": "glance-direct"}},
        headers={"X-Auth-Token": "demo"},
    )
    assert resp.status_code == 409 and "no staged data" in resp.text
    resp = await api.client.put(
        f"/image/v2/images/{img['id']}/stage",
        content=DATA,
        headers={"X-Auth-Token": "demo", "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 204, resp.text
    assert (await api.show(img["id"]))["status"] == "uploading"
    bad = await api.client.post(
        f"/image/v2/images/{img['id']}/import",
        json={"method": {"name": "web-download"}},
        headers={"X-Auth-Token": "demo"},
    )
    assert bad.status_code == 400 and "web-download" in bad.text
    resp = await api.client.post(
        f"/image/v2/images/{img['id']}/import",
        json={"method": {"name": "glance-direct"}},
        headers={"X-Auth-Token": "demo"},
    )
    assert resp.status_code == 202, resp.text
    shown = await api.show(img["id"])
    assert shown["status"] == "active" and shown["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert (await api.get(f"/v2/images/{img['id']}/file")).content == DATA
    assert [p.name for p in api.stored_files()] == [img["id"]]


async def test_delete_removes_data(api: ImageApi) -> None:
    img = await _active(api)
    assert api.stored_files()
    assert (await api.delete(img["id"])).status_code == 204
    assert api.stored_files() == []


async def test_deactivate_and_reactivate(api: ImageApi) -> None:
    img = await _active(api)
    url = f"/image/v2/images/{img['id']}/actions"
    assert (await api.client.post(f"{url}/deactivate", headers={"X-Auth-Token": "alt"})).status_code == 404
    assert (await api.client.post(f"{url}/deactivate", headers={"X-Auth-Token": "demo"})).status_code == 204
    shown = await api.show(img["id"])
    assert shown["status"] == "deactivated" and shown["stores"] == "file"  # the data stays in its store
    denied = await api.get(f"/v2/images/{img['id']}/file")
    assert denied.status_code == 403 and "deactivated" in denied.text
    assert (await api.get(f"/v2/images/{img['id']}/file", "admin")).content == DATA
    assert (await api.client.post(f"{url}/reactivate", headers={"X-Auth-Token": "demo"})).status_code == 204
    assert (await api.get(f"/v2/images/{img['id']}/file")).content == DATA
    queued = await api.create()
    resp = await api.client.post(
        f"/image/v2/images/{queued['id']}/actions/deactivate", headers={"X-Auth-Token": "demo"}
    )
    assert resp.status_code == 400 and "queued" in resp.text


async def test_store_failure_mid_upload_leaves_queued(tmp_path: Path) -> None:
    fake = FakeStore()
    fake.fail_put_after = 1000
    async with running_services([lambda rt: ImageService(rt, store=fake)], tmp_path) as (_rt, services, client):
        api = ImageApi(client, services["image"], tmp_path)  # type: ignore[arg-type]
        img = await api.create()
        resp = await api.upload(img["id"], b"q" * 5000)
        assert resp.status_code == 500
        assert (await api.show(img["id"]))["status"] == "queued"
        assert fake.blobs == {}
        fake.fail_put_after = None
        assert (await api.upload(img["id"], b"q" * 5000)).status_code == 204
        shown = await api.show(img["id"])
        # The image names the store its data is in, the one /v2/info/stores lists.
        assert shown["size"] == 5000 and shown["stores"] == "fake"
        assert (await api.get("/v2/info/stores")).json()["stores"][0]["id"] == "fake"
        fake.fail_get = True
        with pytest.raises(httpx.ReadError, match="injected"):
            await api.get(f"/v2/images/{img['id']}/file")


@pytest.mark.usefixtures("byte_quota")
async def test_concurrent_uploads_cannot_pass_the_quota_together(api: ImageApi) -> None:
    # Each upload alone fits (1.5 MiB of 2 MiB); both started before either is recorded
    # see the same room, so the one recorded second must be refused and keep nothing.
    first, second = await api.create(), await api.create()
    size = 1536 * 1024
    results = await asyncio.gather(
        api.upload(first["id"], b"f" * size), api.upload(second["id"], b"s" * size), return_exceptions=True
    )
    codes = sorted(r.status_code for r in results if not isinstance(r, BaseException))
    assert codes == [204, 413], results
    statuses = sorted([(await api.show(first["id"]))["status"], (await api.show(second["id"]))["status"]])
    assert statuses == ["active", "queued"]
    assert len(api.stored_files()) == 1


async def test_restart_puts_uploads_a_dead_process_left_back_to_queued(api: ImageApi) -> None:
    import datetime as dt

    from sqlalchemy import update

    from pocketstack.image.models import Image

    saving = await api.create(name="killed-mid-upload")
    kept = await api.create(name="still-uploading")
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
    async with api.service.deps.db.writer() as s:
        await s.execute(update(Image).where(Image.id == saving["id"]).values(status="saving", updated_at=old))
        await s.execute(update(Image).where(Image.id == kept["id"]).values(status="saving", updated_at=old))
    child = await asyncio.create_subprocess_exec("true")
    await child.wait()
    root = api.data_dir / "images"
    (root / f".{saving['id']}.{child.pid}.ab.part").write_bytes(b"half")
    # A live process still writes this one: left alone.
    (root / f".{kept['id']}.{os.getpid()}.cd.part").write_bytes(b"half")
    await api.service.start()
    assert (await api.show(saving["id"]))["status"] == "queued"
    assert (await api.show(kept["id"]))["status"] == "saving"
    assert [p.name for p in api.stored_files()] == [f".{kept['id']}.{os.getpid()}.cd.part"]
    # Queued again: the upload can be made again.
    assert (await api.upload(saving["id"], b"data")).status_code == 204
