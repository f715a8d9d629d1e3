"""Static and dynamic large objects, bulk delete and versioned containers."""

from __future__ import annotations

import hashlib
import io
import tarfile

import orjson

from tests.api.object_support import ObjectApi, api_fixture, object_config_fixture  # noqa: F401

SEG = [b"a" * 1000, b"b" * 1000, b"c" * 10]


async def _segments(api: ObjectApi) -> list[dict[str, object]]:
    await api.container("segs")
    manifest = []
    for i, data in enumerate(SEG):
        await api.put("segs", f"part/{i:03d}", data)
        manifest.append({"path": f"/segs/part/{i:03d}", "etag": hashlib.md5(data).hexdigest(), "size_bytes": len(data)})
    return manifest


def _slo_etag() -> str:
    return hashlib.md5("".join(hashlib.md5(d).hexdigest() for d in SEG).encode()).hexdigest()


async def test_static_large_object(api: ObjectApi) -> None:
    manifest = await _segments(api)
    await api.container("c")
    put = await api.call("PUT", "/c/big?multipart-manifest=put", content=orjson.dumps(manifest))
    assert put.status_code == 201, put.text
    assert put.headers["etag"] == f'"{_slo_etag()}"'
    got = await api.get("c", "big")
    assert got.status_code == 200 and got.content == b"".join(SEG)
    assert got.headers["x-static-large-object"] == "True" and got.headers["etag"] == f'"{_slo_etag()}"'
    assert got.headers["content-length"] == "2010"
    part = await api.get("c", "big", Range="bytes=990-1009")
    assert part.status_code == 206 and part.content == b"a" * 10 + b"b" * 10
    raw = await api.call("GET", "/c/big?multipart-manifest=get")
    assert [s["name"] for s in raw.json()] == [m["path"] for m in manifest]
    listing = (await api.call("GET", "/c?format=json")).json()
    assert listing[0]["bytes"] == 2010
    gone = await api.call("DELETE", "/c/big?multipart-manifest=delete", headers={"Accept": "application/json"})
    assert gone.status_code == 200 and gone.json()["Number Deleted"] == 4
    assert await api.names("segs") == [] and await api.names("c") == []


async def test_static_manifest_refused_when_segments_do_not_match(api: ObjectApi) -> None:
    manifest = await _segments(api)
    await api.container("c")
    bad = [dict(manifest[0], etag="0" * 32), dict(manifest[1], size_bytes=5), {"path": "/segs/missing"}]
    resp = await api.call("PUT", "/c/big?multipart-manifest=put", content=orjson.dumps(bad))
    assert resp.status_code == 400
    assert "Etag Mismatch" in resp.text and "Size Mismatch" in resp.text and "404" in resp.text
    for body in (b"not json", b"[]", b'{"path": 1}', b'[{"path": "nocontainer"}]', b'[{"path": "/a/b", "x": 1}]'):
        assert (await api.call("PUT", "/c/big?multipart-manifest=put", content=body)).status_code == 400, body
    assert await api.names("c") == []


async def test_static_large_object_with_a_changed_segment_is_a_conflict(api: ObjectApi) -> None:
    manifest = await _segments(api)
    await api.container("c")
    await api.call("PUT", "/c/big?multipart-manifest=put", content=orjson.dumps(manifest))
    await api.put("segs", "part/001", b"changed")
    assert (await api.get("c", "big")).status_code == 409


async def test_dynamic_large_object(api: ObjectApi) -> None:
    await _segments(api)
    await api.container("c")
    await api.put("c", "dlo", b"", **{"X-Object-Manifest": "segs/part/"})
    got = await api.get("c", "dlo")
    assert got.content == b"".join(SEG)
    assert got.headers["x-object-manifest"] == "segs/part/"
    assert got.headers["etag"] == f'"{_slo_etag()}"'
    head = await api.call("HEAD", "/c/dlo")
    assert head.headers["content-length"] == "2010"
    await api.put("segs", "part/003", b"d")
    assert (await api.get("c", "dlo")).content.endswith(b"cd")


async def test_bulk_delete(api: ObjectApi) -> None:
    await api.container("c")
    await api.container("full")
    await api.put("c", "a b")
    await api.put("c", "x")
    await api.put("full", "keep")
    body = b"/c/a%20b\n/c/x\n/c/missing\n/full\n"
    resp = await api.call("POST", "?bulk-delete", content=body, headers={"Accept": "application/json"})
    assert resp.status_code == 200
    report = resp.json()
    assert report["Number Deleted"] == 2 and report["Number Not Found"] == 1
    assert report["Errors"] == [["/full", "409 Conflict"]]
    plain = await api.call("POST", "?bulk-delete", content=b"/c\n")
    assert "Number Deleted: 1" in plain.text
    assert (await api.call("POST", "?bulk-delete", "alt", content=b"/c\n")).status_code == 403


async def test_versioned_container(api: ObjectApi) -> None:
    await api.container("archive")
    await api.container("c", **{"X-Versions-Location": "archive"})
    assert (await api.head_container("c"))["x-versions-location"] == "archive"
    await api.put("c", "o", b"v1")
    await api.put("c", "o", b"v2")
    assert (await api.get("c", "o")).content == b"v2"
    assert len(await api.names("archive")) == 1
    assert (await api.call("DELETE", "/c/o")).status_code == 204
    assert (await api.get("c", "o")).content == b"v1"
    assert await api.names("archive") == []
    head = await api.head_container("c")
    assert head["x-container-object-count"] == "1" and head["x-container-bytes-used"] == "2"
    assert (await api.call("DELETE", "/c/o")).status_code == 204
    assert (await api.get("c", "o")).status_code == 404
    bad = await api.call("POST", "/c", headers={"X-Versions-Location": "a/b"})
    assert bad.status_code == 400


async def test_history_location_keeps_deleted_versions(api: ObjectApi) -> None:
    await api.container("hist")
    await api.container("c", **{"X-History-Location": "hist"})
    await api.put("c", "o", b"v1")
    await api.put("c", "o", b"v2")
    assert (await api.call("DELETE", "/c/o")).status_code == 204
    assert (await api.get("c", "o")).status_code == 404
    assert len(await api.names("hist")) == 2


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


async def test_extract_archive_and_bulk_delete_by_delete(api: ObjectApi) -> None:
    body = _tar({"docs/a.txt": b"alpha", "docs/sub/b.txt": b"beta", "pics/c.png": b"png"})
    resp = await api.call("PUT", "?extract-archive=tar", content=body, headers={"Accept": "application/json"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["Number Files Created"] == 3 and resp.json()["Errors"] == []
    assert await api.names("docs") == ["a.txt", "sub/b.txt"]
    assert (await api.get("pics", "c.png")).content == b"png"
    gz = _tar({"x/y": b"z"}, "w:gz")
    into = await api.call("PUT", "/docs?extract-archive=tar.gz", content=gz)
    assert into.status_code == 200 and "Number Files Created: 1" in into.text
    assert (await api.get("docs", "x/y")).content == b"z"
    top = await api.call(
        "PUT", "?extract-archive=tar", content=_tar({"loose": b"x"}), headers={"Accept": "application/json"}
    )
    assert top.json()["Number Files Created"] == 0 and top.json()["Errors"]
    assert (await api.call("PUT", "?extract-archive=zip", content=b"PK")).status_code == 400
    assert (await api.call("PUT", "?extract-archive=tar", content=b"not a tar")).status_code == 400
    assert (await api.call("PUT", "?extract-archive=tar", "alt", content=body)).status_code == 403
    assert (await api.call("PUT", "")).status_code == 405
    gone = await api.call(
        "DELETE", "?bulk-delete", content=b"pics/c.png\npics\n", headers={"Accept": "application/json"}
    )
    assert gone.status_code == 200 and gone.json()["Number Deleted"] == 2
    assert "pics" not in (await api.call("GET", "")).text


async def test_copy_of_a_large_object_is_its_content(api: ObjectApi) -> None:
    manifest = await _segments(api)
    await api.container("c")
    await api.call("PUT", "/c/big?multipart-manifest=put", content=orjson.dumps(manifest))
    await api.put("c", "dlo", b"", **{"X-Object-Manifest": "segs/part/"})
    for source in ("big", "dlo"):
        copied = await api.call("COPY", f"/c/{source}", headers={"Destination": f"c/{source}-copy"})
        assert copied.status_code == 201, copied.text
        head = await api.call("HEAD", f"/c/{source}-copy")
        assert "x-static-large-object" not in head.headers and "x-object-manifest" not in head.headers
        assert head.headers["content-length"] == "2010"
        assert (await api.get("c", f"{source}-copy")).content == b"".join(SEG)
    # ?multipart-manifest=get copies the manifest itself.
    as_manifest = await api.call("COPY", "/c/big?multipart-manifest=get", headers={"Destination": "c/big-manifest"})
    assert as_manifest.status_code == 201
    assert (await api.call("HEAD", "/c/big-manifest")).headers["x-static-large-object"] == "True"


async def test_static_large_object_with_segment_ranges(api: ObjectApi) -> None:
    await _segments(api)
    await api.container("c")
    manifest = [
        {"path": "/segs/part/000", "range": "10-19"},
        {"path": "/segs/part/001", "range": "-5"},
        {"path": "/segs/part/002"},
    ]
    put = await api.call("PUT", "/c/ranged?multipart-manifest=put", content=orjson.dumps(manifest))
    assert put.status_code == 201, put.text
    etags = [hashlib.md5(d).hexdigest() for d in SEG]
    expected = hashlib.md5(f"{etags[0]}:10-19;{etags[1]}:995-999;{etags[2]}".encode()).hexdigest()
    assert put.headers["etag"] == f'"{expected}"'
    got = await api.get("c", "ranged")
    assert got.content == b"a" * 10 + b"b" * 5 + b"c" * 10
    assert (await api.get("c", "ranged", Range="bytes=8-11")).content == b"aabb"
    bad = await api.call(
        "PUT", "/c/bad?multipart-manifest=put", content=orjson.dumps([{"path": "/segs/part/000", "range": "5-5000"}])
    )
    assert bad.status_code == 400 and "Invalid range" in bad.text
