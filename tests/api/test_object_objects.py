"""Objects: streamed PUT with the ETag checked, GET with ranges and conditions, HEAD,
POST metadata, COPY and X-Copy-From, DELETE, expiry, and bad input."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from email.utils import formatdate

from pocketstack.object import objects
from tests.api.object_support import ObjectApi, api_fixture, object_config_fixture  # noqa: F401

BODY = b"0123456789" * 100


async def test_put_get_head_roundtrip(api: ObjectApi) -> None:
    await api.container("c")
    put = await api.put("c", "dir/file.txt", BODY, **{"X-Object-Meta-Color": "blue"})
    assert put.headers["etag"] == hashlib.md5(BODY).hexdigest()
    assert put.headers["last-modified"]
    got = await api.get("c", "dir/file.txt")
    assert got.status_code == 200 and got.content == BODY
    assert got.headers["content-type"] == "text/plain"  # guessed from the name
    assert got.headers["x-object-meta-color"] == "blue"
    assert got.headers["content-length"] == str(len(BODY)) and got.headers["accept-ranges"] == "bytes"
    # The metadata is kept beside the data too (JSON), so the index could be rebuilt from the files.
    beside = [f.with_suffix(".json").read_text() for f in api.blob_files()]
    assert len(beside) == 1 and '"dir/file.txt"' in beside[0] and '"x-object-meta-color":"blue"' in beside[0]
    head = await api.call("HEAD", "/c/dir/file.txt")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(BODY)) and head.headers["etag"] == put.headers["etag"]
    assert float(head.headers["x-timestamp"]) > 0


async def test_names_with_odd_characters_never_touch_paths(api: ObjectApi) -> None:
    await api.container("c")
    # A client that does not normalize dot segments sends them as they are.
    status, _ = await _raw_put(api, "/object/v1/AUTH_p-demo/c/../../etc/passwd", b"dots")
    assert status == 201
    assert (await api.names("c")) == ["../../etc/passwd"]
    for name in ["a//b/", "sp ace/ünï", "%2F..%2F"]:
        await api.put("c", name, name.encode())
        got = await api.get("c", name)
        assert got.status_code == 200 and got.content == name.encode(), name
    files = api.blob_files()
    assert len(files) == 4
    assert all(p.is_relative_to(api.data_dir / "objects") for p in files)
    assert not any("passwd" in str(p) or "ace" in str(p) for p in files)


async def test_etag_mismatch_is_422_and_nothing_is_stored(api: ObjectApi) -> None:
    await api.container("c")
    resp = await api.call("PUT", "/c/o", content=BODY, headers={"ETag": "0" * 32})
    assert resp.status_code == 422 and "ETag" in resp.text
    assert (await api.get("c", "o")).status_code == 404
    assert api.blob_files() == []
    assert list((api.data_dir / "objects" / "tmp").iterdir()) == []
    ok = await api.call("PUT", "/c/o", content=BODY, headers={"ETag": f'"{hashlib.md5(BODY).hexdigest()}"'})
    assert ok.status_code == 201


async def test_chunked_upload_and_length_required(api: ObjectApi) -> None:
    await api.container("c")

    async def parts() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 70000

    resp = await api.call("PUT", "/c/chunked", content=parts())
    assert resp.status_code == 201
    assert (await api.get("c", "chunked")).content == b"x" * 350000
    # Neither Content-Length nor chunked: Swift's 411.
    scope_resp = await _raw_put(api, "/object/v1/AUTH_p-demo/c/nolength")
    assert scope_resp[0] == 411 and b"Content-Length" in scope_resp[1]


async def _raw_put(api: ObjectApi, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """A PUT straight to the app: its path as given, and without a length or chunked
    encoding when ``body`` is None (httpx always sends one of them)."""
    app = api.service.app
    scope = {
        "type": "http",
        "method": "PUT",
        "path": path,
        "root_path": "/object",
        "query_string": b"",
        "headers": [(b"x-auth-token", b"demo")],
    }
    if body is not None:
        scope["headers"].append((b"content-length", str(len(body)).encode()))  # type: ignore[attr-defined]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body or b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc, arg-type]


async def test_ranges(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "r", BODY)
    part = await api.get("c", "r", Range="bytes=10-19")
    assert part.status_code == 206 and part.content == BODY[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(BODY)}"
    assert (await api.get("c", "r", Range="bytes=-5")).content == BODY[-5:]
    assert (await api.get("c", "r", Range="bytes=995-")).content == BODY[995:]
    assert (await api.get("c", "r", Range="bytes=990-5000")).content == BODY[990:]
    missed = await api.get("c", "r", Range="bytes=5000-")
    assert missed.status_code == 416 and missed.headers["content-range"] == f"bytes */{len(BODY)}"
    assert (await api.get("c", "r", Range="bytes=9-3")).status_code == 200  # malformed: whole body
    many = await api.get("c", "r", Range="bytes=0-1,10-12,5000-6000")
    assert many.status_code == 206 and many.headers["content-type"].startswith("multipart/byteranges;boundary=")
    boundary = many.headers["content-type"].split("boundary=")[1]
    assert int(many.headers["content-length"]) == len(many.content)
    parts = [p for p in many.content.split(f"--{boundary}".encode()) if p.strip() and p.strip() != b"--"]
    assert len(parts) == 2
    assert b"Content-Range: bytes 0-1/1000" in parts[0] and parts[0].endswith(b"\r\n\r\n" + BODY[0:2] + b"\r\n")
    assert b"Content-Range: bytes 10-12/1000" in parts[1] and parts[1].endswith(BODY[10:13] + b"\r\n")
    head = await api.call("HEAD", "/c/r", headers={"Range": "bytes=0-1,4-5"})
    assert head.status_code == 206 and head.content == b""
    assert head.headers["content-type"].startswith("multipart/byteranges") and int(head.headers["content-length"]) > 4
    assert (await api.get("c", "r", Range="pages=1-2")).status_code == 200


async def test_conditional_requests(api: ObjectApi) -> None:
    await api.container("c")
    etag = (await api.put("c", "o", BODY)).headers["etag"]
    assert (await api.get("c", "o", **{"If-None-Match": etag})).status_code == 304
    assert (await api.get("c", "o", **{"If-None-Match": '"other"'})).status_code == 200
    assert (await api.get("c", "o", **{"If-Match": etag})).status_code == 200
    failed = await api.get("c", "o", **{"If-Match": '"other"'})
    assert failed.status_code == 412
    later = formatdate(time.time() + 3600, usegmt=True)
    earlier = formatdate(time.time() - 3600, usegmt=True)
    assert (await api.get("c", "o", **{"If-Modified-Since": later})).status_code == 304
    assert (await api.get("c", "o", **{"If-Modified-Since": earlier})).status_code == 200
    assert (await api.get("c", "o", **{"If-Unmodified-Since": earlier})).status_code == 412
    assert (await api.get("c", "o", **{"If-Modified-Since": "not a date"})).status_code == 200
    exists = await api.call("PUT", "/c/o", content=b"new", headers={"If-None-Match": "*"})
    assert exists.status_code == 412
    assert (await api.call("PUT", "/c/fresh", content=b"new", headers={"If-None-Match": "*"})).status_code == 201


async def test_post_replaces_metadata_and_content_type(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o", BODY, **{"X-Object-Meta-A": "1", "Content-Type": "application/x-thing"})
    resp = await api.call("POST", "/c/o", headers={"X-Object-Meta-B": "2"})
    assert resp.status_code == 202
    head = await api.call("HEAD", "/c/o")
    assert head.headers["x-object-meta-b"] == "2" and "x-object-meta-a" not in head.headers
    assert head.headers["content-type"] == "application/x-thing"
    await api.call("POST", "/c/o", headers={"Content-Type": "text/csv"})
    assert (await api.call("HEAD", "/c/o")).headers["content-type"] == "text/csv"
    assert (await api.get("c", "o")).content == BODY
    assert (await api.call("POST", "/c/missing", headers={"X-Object-Meta-B": "2"})).status_code == 404


async def test_copy_and_copy_from(api: ObjectApi) -> None:
    await api.container("a")
    await api.container("b")
    await api.put("a", "src", BODY, **{"X-Object-Meta-Kept": "yes", "Content-Type": "text/x-src"})
    copied = await api.call("COPY", "/a/src", headers={"Destination": "b/dst", "X-Object-Meta-New": "1"})
    assert copied.status_code == 201
    assert copied.headers["x-object-meta-new"] == "1" and copied.headers["x-object-meta-kept"] == "yes"
    assert copied.headers["x-copied-from"] == "a/src" and copied.headers["x-copied-from-last-modified"]
    head = await api.call("HEAD", "/b/dst")
    assert head.headers["x-object-meta-kept"] == "yes" and head.headers["x-object-meta-new"] == "1"
    assert head.headers["content-type"] == "text/x-src"
    assert (await api.get("b", "dst")).content == BODY
    via_put = await api.call("PUT", "/b/dst2", headers={"X-Copy-From": "/a/src", "X-Fresh-Metadata": "true"})
    assert via_put.status_code == 201
    assert "x-object-meta-kept" not in (await api.call("HEAD", "/b/dst2")).headers
    itself = await api.call("COPY", "/a/src", headers={"Destination": "a/src", "X-Object-Meta-Again": "1"})
    assert itself.status_code == 201
    assert (await api.get("a", "src")).content == BODY
    # The source's bytes survive its deletion (the copy is its own blob).
    assert (await api.call("DELETE", "/a/src")).status_code == 204
    assert (await api.get("b", "dst")).content == BODY
    assert (await api.call("COPY", "/a/src", headers={"Destination": "b/x"})).status_code == 404
    assert (await api.call("COPY", "/b/dst", headers={})).status_code == 412
    assert (await api.call("COPY", "/b/dst", headers={"Destination": "nocontainer"})).status_code == 400
    assert (await api.call("PUT", "/b/x", headers={"X-Copy-From": "a/gone"})).status_code == 404


async def test_delete_and_usage(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o", BODY)
    assert (await api.call("DELETE", "/c/o")).status_code == 204
    assert (await api.call("DELETE", "/c/o")).status_code == 404
    assert (await api.get("c", "o")).status_code == 404
    head = await api.head_container("c")
    assert head["x-container-object-count"] == "0" and head["x-container-bytes-used"] == "0"
    assert api.blob_files() == []


async def test_overwrite_keeps_one_blob(api: ObjectApi) -> None:
    await api.container("c")
    for i in range(3):
        await api.put("c", "o", bytes([i]) * 10)
    assert (await api.get("c", "o")).content == bytes([2]) * 10
    assert len(api.blob_files()) == 1


async def test_expiry(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "soon", b"x", **{"X-Delete-After": "1"})
    head = await api.call("HEAD", "/c/soon")
    assert int(head.headers["x-delete-at"]) <= time.time() + 2
    past = await api.call("PUT", "/c/o", content=b"x", headers={"X-Delete-At": str(int(time.time()) - 10)})
    assert past.status_code == 400 and "past" in past.text
    assert (await api.call("PUT", "/c/o", content=b"x", headers={"X-Delete-At": "soon"})).status_code == 400
    assert (await api.call("PUT", "/c/o", content=b"x", headers={"X-Delete-After": "-1"})).status_code == 400
    for far in ({"X-Delete-At": "1" + "0" * 30}, {"X-Delete-After": "9" * 30}, {"X-Delete-At": "1e999"}):
        assert (await api.call("PUT", "/c/o", content=b"x", headers=far)).status_code == 400, far
    await asyncio.sleep(1.2)
    assert (await api.get("c", "soon")).status_code == 404
    assert await api.names("c") == []
    removed = await objects.expire_due(api.service.deps)
    assert removed == 1
    assert (await api.head_container("c"))["x-container-object-count"] == "0"
    assert api.blob_files() == []


async def test_object_bad_input(api: ObjectApi) -> None:
    await api.container("c")
    assert (await api.call("PUT", "/c/" + "n" * 1025, content=b"x")).status_code == 400
    assert (await api.call("PUT", "/nocontainer/o", content=b"x")).status_code == 404
    resp = await api.call("PUT", "/c/o", content=b"x", headers={"X-Object-Meta-K": "v" * 300})
    assert resp.status_code == 400
    assert (await api.call("PUT", "/c/o", content=b"x", headers={"Content-Type": "t" * 300})).status_code == 400
    assert (
        await api.call("PUT", "/c/o", content=b"x", headers={"X-Object-Manifest": "nocontainer"})
    ).status_code == 400
    assert (await api.call("GET", "/c/missing")).status_code == 404
    assert (await api.call("PATCH", "/c/o")).status_code == 405


async def test_large_body_over_the_limit_is_refused(api: ObjectApi) -> None:
    api.service.deps.limits.max_file_size = 1000
    await api.container("c")
    assert (await api.call("PUT", "/c/big", content=b"x" * 1001)).status_code == 413

    async def parts() -> AsyncIterator[bytes]:
        yield b"x" * 600
        yield b"x" * 600

    assert (await api.call("PUT", "/c/big", content=parts())).status_code == 413
    assert api.blob_files() == []


async def test_concurrent_writers_keep_counts_exact(api: ObjectApi) -> None:
    await api.container("c")

    async def write(i: int) -> None:
        # Ten names, each written by five writers at once, with different sizes.
        resp = await api.call("PUT", f"/c/n{i % 10}", content=b"x" * (i + 1))
        assert resp.status_code == 201

    await asyncio.gather(*(write(i) for i in range(50)))
    listing = (await api.call("GET", "/c?format=json")).json()
    head = await api.head_container("c")
    assert len(listing) == 10 == int(head["x-container-object-count"])
    assert sum(item["bytes"] for item in listing) == int(head["x-container-bytes-used"])
    assert len(api.blob_files()) == 10
    for item in listing:
        assert (await api.get("c", item["name"])).content == b"x" * item["bytes"]

    await asyncio.gather(*(api.call("DELETE", f"/c/n{i % 10}") for i in range(30)))
    head = await api.head_container("c")
    assert head["x-container-object-count"] == "0" and head["x-container-bytes-used"] == "0"
    assert api.blob_files() == []
