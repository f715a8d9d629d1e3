"""Bad input against the whole cloud: malformed JSON, wrong content types, bodies over
``[server] max_body_bytes``, deeply nested JSON, invalid UTF-8, CR/LF that a response
would reflect, and ``..`` in names that reach the filesystem. Every answer is a 4xx in
the API's own error format (never a 500, never a split response)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config

LIMIT = 64 * 1024
# One JSON create per API, and how its errors look.
CREATES = {
    "identity": ("/identity/v3/projects", {"project": {"name": "p1"}}),
    "compute": ("/compute/v2.1/os-keypairs", {"keypair": {"name": "k1"}}),
    "network": ("/network/v2.0/networks", {"network": {"name": "n1"}}),
    "image": ("/image/v2/images", {"name": "i1"}),
    "placement": ("/placement/resource_providers", {"name": "rp1"}),
    "volume": ("/volume/v3/types", {"volume_type": {"name": "t1"}}),
}


def error_message(service: str, r: httpx.Response) -> str:
    """The message of an error answer, checking it has its API's shape."""
    if service == "image":
        assert r.headers["content-type"].startswith("text/plain"), r.text
        return r.text
    body = r.json()
    if service == "identity":
        return str(body["error"]["message"])
    if service in ("compute", "volume"):
        ((_fault, inner),) = body.items()
        assert inner["code"] == r.status_code
        return str(inner["message"])
    if service == "network":
        return str(body["NeutronError"]["message"])
    return str(body["errors"][0]["detail"])


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[CloudClient]:
    config = cloud_config(tmp_path)
    config.server.max_body_bytes = LIMIT
    async with in_process_cloud(tmp_path, config) as c:
        yield c


async def _headers(cloud: CloudClient, **extra: str) -> dict[str, str]:
    return {"X-Auth-Token": await cloud.token("admin"), **extra}


async def raw(
    cloud: CloudClient, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A request straight into the ASGI app: no client normalizes its path or checks its headers."""
    sent: list[MutableMapping[str, Any]] = []
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> MutableMapping[str, Any]:
        return pending.pop() if pending else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "root_path": "",
    }
    assert cloud.cloud.dispatcher is not None
    await cloud.cloud.dispatcher(scope, receive, send)
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_malformed_and_invalid_utf8_json_are_400_in_each_format(cloud: CloudClient) -> None:
    headers = await _headers(cloud, **{"Content-Type": "application/json"})
    for service, (path, _body) in CREATES.items():
        for junk in [b'{"x": ', b"{'single': 'quotes'}", b'{"name": "\xff\xfe"}', b"\xef\xbb\xbf{}", b"[1,]"]:
            r = await cloud.http.post(path, content=junk, headers=headers)
            assert r.status_code == 400, (service, junk, r.text)
            assert "JSON" in error_message(service, r) or "UTF-8" in error_message(service, r), r.text
    # Invalid UTF-8 in the path and the query string is a 404/4xx, not a decoding crash.
    r = await cloud.http.get("/identity/v3/users/%FF%FE", headers=headers)
    assert r.status_code == 404, r.text
    r = await cloud.http.get("/compute/v2.1/servers?name=%FF", headers=headers)
    assert r.status_code == 200, r.text
    status, _headers_out, body = await raw(cloud, "GET", "/identity/v3/users", [(b"x-auth-token", b"\xff\xfe")])
    assert status == 401, body


async def test_content_types_as_each_reference_api(cloud: CloudClient) -> None:
    token = await _headers(cloud)

    async def post(service: str, content_type: str | None, name: str) -> httpx.Response:
        path, body = CREATES[service]
        body = {k: ({**v, "name": name} if isinstance(v, dict) else name) for k, v in body.items()}
        headers = dict(token)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return await cloud.http.post(path, content=httpx.Request("POST", "/", json=body).content, headers=headers)

    # Keystone's json_body hook: JSON, +json or no Content-Type; anything else 400.
    assert (await post("identity", "text/plain", "a")).status_code == 400
    assert "application/json in Content-Type" in error_message("identity", await post("identity", "text/xml", "b"))
    assert (await post("identity", None, "c")).status_code == 201
    assert (await post("identity", "application/json; charset=UTF-8", "d")).status_code == 201
    # Nova: 415 Unsupported Content-Type, but none or text/plain is taken as JSON.
    r = await post("compute", "application/xml", "k1")
    assert r.status_code == 415 and error_message("compute", r) == "Unsupported Content-Type"
    assert (await post("compute", "text/plain", "k2")).status_code == 200
    # Cinder's wsgi: 400 Unsupported Content-Type for anything but its JSON types.
    r = await post("volume", "text/plain", "t1")
    assert r.status_code == 400 and error_message("volume", r) == "Unsupported Content-Type"
    assert (await post("volume", "application/vnd.openstack.volume+json", "t2")).status_code == 200
    # Placement's require_content: exactly application/json, else 415 (even when absent).
    for content_type in ("text/plain", None):
        r = await post("placement", content_type, "rp")
        assert r.status_code == 415 and "use application/json" in error_message("placement", r)
    # Neutron and Glance parse the body whatever the header says.
    assert (await post("network", "text/plain", "n1")).status_code == 201
    assert (await post("image", "text/plain", "i1")).status_code == 201
    # ... but Glance's PATCH takes only its JSON Patch media types: 415.
    image_id = (await post("image", "application/json", "i2")).json()["id"]
    r = await cloud.http.patch(
        f"/image/v2/images/{image_id}",
        json=[{"op": "replace", "path": "/name", "value": "x"}],
        headers={**token, "Content-Type": "application/json"},
    )
    assert r.status_code == 415, r.text


async def test_bodies_over_max_body_bytes_are_413(cloud: CloudClient) -> None:
    headers = await _headers(cloud, **{"Content-Type": "application/json"})
    big = b'{"x": "' + b"a" * LIMIT + b'"}'

    async def chunked() -> AsyncIterator[bytes]:
        # No Content-Length: the limit holds on what arrives.
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    for service, (path, _body) in CREATES.items():
        r = await cloud.http.post(path, content=big, headers=headers)
        assert r.status_code == 413, (service, r.text)
        assert str(LIMIT) in error_message(service, r)
        r = await cloud.http.post(path, content=chunked(), headers=headers)
        assert r.status_code == 413, (service, r.text)
    # Image data streams past the JSON limit: uploads are not held to it.
    meta = {"name": "big", "disk_format": "raw", "container_format": "bare"}
    image = (await cloud.http.post("/image/v2/images", json=meta, headers=headers)).json()
    r = await cloud.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=b"\0" * (LIMIT * 2),
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 204, r.text


async def test_deeply_nested_json_is_400(cloud: CloudClient) -> None:
    headers = await _headers(cloud, **{"Content-Type": "application/json"})
    beyond_the_parser = b"[" * 20_000 + b"]" * 20_000
    # Within orjson's limit, but deep enough to overflow jsonschema's recursive error
    # messages (Glance's extra properties were a 500).
    within_the_parser = b'{"x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    free_form = {
        "identity": "/identity/v3/ec2tokens",
        "compute": "/compute/v2.1/servers",
        "network": "/network/v2.0/ports",
        "image": "/image/v2/images",
        "placement": "/placement/resource_providers",
        "volume": "/volume/v3/volumes",
    }
    for service, path in free_form.items():
        for body in (beyond_the_parser, within_the_parser):
            r = await cloud.http.post(path, content=body, headers=headers)
            assert r.status_code == 400, (service, r.text)
            error_message(service, r)
    # A reasonable depth still reaches the handler's own checks.
    r = await cloud.http.post("/image/v2/images", content=b'{"x": ' + b"[" * 60 + b"]" * 60 + b"}", headers=headers)
    assert r.status_code == 400 and "nested" not in r.text


async def test_reflected_cr_lf_never_splits_a_response(cloud: CloudClient) -> None:
    token = (await cloud.token("admin")).encode()
    # The Host header comes back in version discovery's Location and links.
    status, headers, _ = await raw(cloud, "GET", "/identity/", [(b"host", b"evil\r\nSet-Cookie: a=b")])
    assert status == 300
    names = [k for k, _v in headers]
    assert b"set-cookie" not in names
    assert all(b"\r" not in v and b"\n" not in v for _k, v in headers)
    assert dict(headers)[b"location"].startswith(b"http://evil%0D%0ASet-Cookie: a=b/identity")
    # A server tag is reflected in the Location of PUT .../tags/{tag}.
    image = await cloud.http.post(
        "/image/v2/images",
        json={"name": "t", "disk_format": "raw", "container_format": "bare"},
        headers={"X-Auth-Token": token.decode()},
    )
    image_id = image.json()["id"]
    await cloud.http.put(
        f"/image/v2/images/{image_id}/file",
        content=b"\0" * 512,
        headers={"X-Auth-Token": token.decode(), "Content-Type": "application/octet-stream"},
    )
    server = {"name": "vm", "flavorRef": "1", "imageRef": image_id, "networks": "none"}
    mv = {"X-Auth-Token": token.decode(), "OpenStack-API-Version": "compute 2.37"}
    r = await cloud.http.post("/compute/v2.1/servers", json={"server": server}, headers=mv)
    assert r.status_code == 202, r.text
    server_id = r.json()["server"]["id"]
    for _ in range(500):
        shown = (await cloud.http.get(f"/compute/v2.1/servers/{server_id}", headers=mv)).json()["server"]
        if shown["status"] != "BUILD":
            break
        await asyncio.sleep(0.02)
    assert shown["status"] == "ACTIVE", shown
    tag_path = f"/compute/v2.1/servers/{server_id}/tags/x\r\nSet-Cookie: a=b\u00e9"
    headers_in = [(b"x-auth-token", token), (b"openstack-api-version", b"compute 2.26")]
    status, headers, body = await raw(cloud, "PUT", tag_path, headers_in)
    assert status == 201, body
    assert b"set-cookie" not in [k for k, _v in headers]
    assert dict(headers)[b"location"].endswith(b"/tags/x%0D%0ASet-Cookie%3A%20a%3Db%C3%A9")


async def test_dot_dot_in_names_that_reach_the_filesystem(cloud: CloudClient, tmp_path: Path) -> None:
    token = await cloud.token("admin")
    headers = {"X-Auth-Token": token}
    raw_headers = [(b"x-auth-token", token.encode()), (b"content-type", b"application/octet-stream")]
    # Image ids name the store's files: a caller's id must be a UUID.
    r = await cloud.http.post("/image/v2/images", json={"id": "../../etc/passwd"}, headers=headers)
    assert r.status_code == 400, r.text
    for path in ["/image/v2/images/../file", "/image/v2/images/..%2F..%2Fetc%2Fpasswd/file"]:
        status, _h, body = await raw(cloud, "GET", path, raw_headers[:1])
        assert status == 404, body
        status, _h, body = await raw(cloud, "PUT", path, raw_headers, b"data")
        assert status == 404, body
    r = await cloud.http.get("/image/v2/images/..%2F..%2Fetc%2Fpasswd/file", headers=headers)
    assert r.status_code == 404, r.text
    # Volume names are labels: the backend's file is named by the volume's id.
    body = {"volume": {"size": 1, "name": "../../../escaped"}}
    r = await cloud.http.post("/volume/v3/volumes", json=body, headers=headers)
    assert r.status_code == 202, r.text
    volume_id = r.json()["volume"]["id"]
    for _ in range(200):
        state = (await cloud.http.get(f"/volume/v3/volumes/{volume_id}", headers=headers)).json()["volume"]
        if state["status"] != "creating":
            break
        await asyncio.sleep(0.02)
    assert state["status"] == "available", state
    assert not list(tmp_path.parent.rglob("*escaped*"))
    assert any(volume_id in p.name for p in (tmp_path / "volumes").iterdir())
    # Console output and other server paths look the server up by id first.
    for ident in ["..", "..%2F..%2Fetc%2Fpasswd"]:
        status, _h, body = await raw(
            cloud,
            "POST",
            f"/compute/v2.1/servers/{ident}/action",
            [(b"x-auth-token", token.encode()), (b"content-type", b"application/json")],
            b'{"os-getConsoleOutput": {}}',
        )
        assert status == 404, body


# Query strings every collection GET gets: the documents declare no query parameters,
# so the fuzz layer never sends these.
BAD_QUERIES = [
    "limit=abc",
    "limit=-1",
    "limit=99999999999999999999999",
    "limit=0",
    "marker=zzz",
    "marker=%00",
    "limit=1&marker=00000000-0000-0000-0000-000000000000",
    "sort_key=%3Bdrop&sort_dir=sideways",
    "sort=name:sideways",
    "changes-since=9999-99-99T99:99:99Z",
    "name=%00%FF",
    "all_tenants=maybe&all_projects=2",
    "tags=,,&not-tags-any=%2C",
    "created_at=gt:junk",
    "resources=VCPU:abc&required=!&member_of=in:",
    "include_subtree=x&effective&include_names=x",
    "start=junk&end=junk",
    "ip=[&flavor=%FF&image=../..",
]


async def test_bad_query_strings_on_every_collection_are_never_a_server_error(cloud: CloudClient) -> None:
    token = await cloud.token("admin")
    versions = {"compute": "compute latest", "volume": "volume latest", "placement": "placement latest"}
    for service in CREATES:
        doc = (await cloud.http.get(f"/{service}/openapi.json")).json()
        headers = {"X-Auth-Token": token}
        if service in versions:
            headers["OpenStack-API-Version"] = versions[service]
        for path, operations in doc["paths"].items():
            if "get" not in operations or "{" in path:
                continue
            for query in BAD_QUERIES:
                r = await cloud.http.get(f"/{service}{path}?{query}", headers=headers)
                # Cinder's manageable volumes answer an unknown host with its 503.
                assert r.status_code < 500 or (r.status_code == 503 and "manageable" in path), (path, query, r.text)
                if r.status_code >= 400:
                    error_message(service, r)


async def test_nul_characters_are_refused_before_any_database_sees_them(cloud: CloudClient) -> None:
    # PostgreSQL's text columns refuse NUL: every name, description, filter and id with
    # one was a 500 there. Bodies and query strings with NUL are a 400, paths a 404.
    headers = await _headers(cloud)
    for service, (path, body) in CREATES.items():
        nul_body = {k: ({**v, "name": "a\u0000b"} if isinstance(v, dict) else "a\u0000b") for k, v in body.items()}
        r = await cloud.http.post(path, json=nul_body, headers=headers)
        assert r.status_code == 400 and "NUL" in error_message(service, r), (service, r.text)
        r = await cloud.http.get(f"{path}?name=a%00b", headers=headers)
        # A handler that reads no query (compute's key pairs) never sees it: 200.
        assert r.status_code in (200, 400), (service, r.text)
        assert r.status_code == 200 or "NUL" in error_message(service, r), (service, r.text)
        r = await cloud.http.get(f"{path}/a%00b", headers=headers)
        assert r.status_code in (404, 405), (service, r.text)
        error_message(service, r)
    # An escaped backslash before "u0000" is text, not NUL.
    r = await cloud.http.post(
        "/identity/v3/projects",
        content=b'{"project": {"name": "p-nul-text", "description": "\\\\u0000"}}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 201 and r.json()["project"]["description"] == "\\u0000", r.text
