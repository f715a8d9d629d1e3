"""Object storage with the real clients: python-swiftclient (library and ``swift`` CLI)
and ``openstack container/object``, against the session's running cloud.

The static large object is 64 MiB in 10 MiB segments by default; set
POCKETSTACK_E2E_SLO_MB=1024 and POCKETSTACK_E2E_SEGMENT_MB=100 for the acceptance
size (1 GiB in 100 MB segments).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml
from swiftclient import client as swift
from swiftclient.exceptions import ClientException
from swiftclient.utils import generate_temp_url

from tests.e2e.conftest import BIN, Cloud

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def _auth(cloud: Cloud, name: str) -> dict[str, str]:
    data = yaml.safe_load(cloud.clouds_yaml.read_text())["clouds"][name]["auth"]
    return {k: str(v) for k, v in data.items()}


def _connect(cloud: Cloud, name: str = "pocketstack-demo") -> swift.Connection:
    auth = _auth(cloud, name)
    return swift.Connection(
        authurl=auth["auth_url"] + "/v3",
        user=auth["username"],
        key=auth["password"],
        auth_version="3",
        os_options={
            "project_name": auth["project_name"],
            "user_domain_name": auth["user_domain_name"],
            "project_domain_name": auth["project_domain_name"],
        },
        retries=0,
    )


@pytest.fixture(name="conn")
def conn_fixture(cloud: Cloud) -> Iterator[swift.Connection]:
    conn = _connect(cloud)
    yield conn
    conn.close()


def _empty(conn: swift.Connection, container: str) -> None:
    for item in conn.get_container(container, full_listing=True)[1]:
        conn.delete_object(container, item["name"])
    conn.delete_container(container)


def test_swiftclient_basics_and_etag_mismatch(conn: swift.Connection) -> None:
    info = conn.get_capabilities()
    assert "slo" in info and "tempurl" in info
    conn.put_container("e2e-basic", headers={"X-Container-Meta-Team": "qa"})
    etag = conn.put_object("e2e-basic", "hello.txt", b"hello", content_type="text/plain")
    assert etag == hashlib.md5(b"hello").hexdigest()
    headers, body = conn.get_object("e2e-basic", "hello.txt")
    assert body == b"hello" and headers["content-type"] == "text/plain"
    with pytest.raises(ClientException) as refused:
        conn.put_object("e2e-basic", "bad.txt", b"body", etag="0" * 32)
    assert refused.value.http_status == 422
    names = [o["name"] for o in conn.get_container("e2e-basic")[1]]
    assert names == ["hello.txt"]
    account = conn.head_account()
    assert int(account["x-account-object-count"]) >= 1
    _empty(conn, "e2e-basic")


def test_static_large_object_round_trip(conn: swift.Connection, tmp_path: Path) -> None:
    total = int(os.environ.get("POCKETSTACK_E2E_SLO_MB", "64")) * MIB
    segment = int(os.environ.get("POCKETSTACK_E2E_SEGMENT_MB", "10")) * MIB
    conn.put_container("e2e-slo")
    conn.put_container("e2e-slo-segments")
    digest = hashlib.sha256()
    manifest = []
    block = os.urandom(MIB)
    for index, start in enumerate(range(0, total, segment)):
        size = min(segment, total - start)
        data = (block * (size // MIB + 1))[:size]
        data = index.to_bytes(4, "big") + data[4:]
        digest.update(data)
        etag = conn.put_object("e2e-slo-segments", f"big/{index:05d}", data)
        manifest.append({"path": f"/e2e-slo-segments/big/{index:05d}", "etag": etag, "size_bytes": size})
    conn.put_object("e2e-slo", "big", json.dumps(manifest), query_string="multipart-manifest=put")
    headers, chunks = conn.get_object("e2e-slo", "big", resp_chunk_size=4 * MIB)
    assert headers["x-static-large-object"] == "True" and int(headers["content-length"]) == total
    back = hashlib.sha256()
    for chunk in chunks:
        back.update(chunk)
    assert back.hexdigest() == digest.hexdigest()
    conn.delete_object("e2e-slo", "big", query_string="multipart-manifest=delete")
    assert conn.get_container("e2e-slo-segments")[1] == []
    conn.delete_container("e2e-slo")
    conn.delete_container("e2e-slo-segments")


def test_ten_thousand_objects_listed_with_a_delimiter(cloud: Cloud) -> None:
    first = _connect(cloud)
    first.put_container("e2e-many")
    names = [f"dir{i % 10}/obj{i:05d}" for i in range(10000)]

    def upload(chunk: list[str]) -> None:
        conn = _connect(cloud)
        for name in chunk:
            conn.put_object("e2e-many", name, b"x")
        conn.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, [names[i::8] for i in range(8)]))
    started = time.monotonic()
    _, listing = first.get_container("e2e-many", delimiter="/")
    assert [item["subdir"] for item in listing] == [f"dir{i}/" for i in range(10)]
    _, full = first.get_container("e2e-many", full_listing=True)
    assert len(full) == 10000 and [o["name"] for o in full] == sorted(names)
    _, one_dir = first.get_container("e2e-many", prefix="dir3/", full_listing=True)
    assert len(one_dir) == 1000
    assert time.monotonic() - started < 30
    head = first.head_container("e2e-many")
    assert head["x-container-object-count"] == "10000" and head["x-container-bytes-used"] == "10000"
    # Bulk delete through the client's own call takes them away in pages.
    body = "\n".join(f"/e2e-many/{n}" for n in names).encode()
    resp = requests.post(
        first.url + "?bulk-delete",
        data=body,
        headers={"X-Auth-Token": first.token, "Accept": "application/json", "Content-Type": "text/plain"},
        timeout=300,
    )
    assert resp.status_code == 200 and resp.json()["Number Deleted"] == 10000, resp.text
    first.delete_container("e2e-many")
    first.close()


def test_public_container_read_without_a_token(conn: swift.Connection) -> None:
    conn.put_container("e2e-public", headers={"X-Container-Read": ".r:*,.rlistings"})
    conn.put_object("e2e-public", "page.html", b"<p>hi</p>", content_type="text/html")
    url = f"{conn.url}/e2e-public/page.html"
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 200 and anonymous.content == b"<p>hi</p>"
    assert requests.get(f"{conn.url}/e2e-public", timeout=30).text == "page.html\n"
    assert requests.put(url, data=b"x", timeout=30).status_code == 401
    conn.post_container("e2e-public", headers={"X-Container-Read": ""})
    assert requests.get(url, timeout=30).status_code == 401
    _empty(conn, "e2e-public")


def test_temp_url_works_until_it_expires(conn: swift.Connection) -> None:
    conn.post_account({"X-Account-Meta-Temp-URL-Key": "e2e-secret"})
    conn.put_container("e2e-temp")
    conn.put_object("e2e-temp", "report.pdf", b"%PDF-1.7")
    path = f"{urlparse(conn.url).path}/e2e-temp/report.pdf"
    signed = generate_temp_url(path, 3, "e2e-secret", "GET", digest="sha256")
    origin = conn.url[: conn.url.index("/object/")]
    got = requests.get(origin + signed, timeout=30)
    assert got.status_code == 200 and got.content == b"%PDF-1.7"
    time.sleep(4)
    assert requests.get(origin + signed, timeout=30).status_code == 401
    _empty(conn, "e2e-temp")


def test_swift_cli_upload_download(cloud: Cloud, tmp_path: Path) -> None:
    auth = _auth(cloud, "pocketstack-demo")
    env = {
        **os.environ,
        "OS_AUTH_URL": auth["auth_url"] + "/v3",
        "OS_USERNAME": auth["username"],
        "OS_PASSWORD": auth["password"],
        "OS_PROJECT_NAME": auth["project_name"],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }
    source = tmp_path / "notes.txt"
    source.write_bytes(b"notes\n" * 1000)
    cli = str(BIN / "swift")

    def run(*args: str) -> str:
        proc = subprocess.run([cli, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    run("upload", "e2e-cli", "notes.txt", "--segment-size", "2000")
    assert "notes.txt" in run("list", "e2e-cli")
    (tmp_path / "out").mkdir()
    run("download", "e2e-cli", "notes.txt", "-o", "out/notes.txt")
    assert (tmp_path / "out" / "notes.txt").read_bytes() == source.read_bytes()
    run("delete", "e2e-cli")


def test_openstack_container_and_object_commands(cloud: Cloud, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(100000))
    created = cloud.openstack("container", "create", "e2e-osc", "-f", "json", user="demo")
    assert created[0]["container"] == "e2e-osc"
    assert "e2e-osc" in [c["Name"] for c in cloud.openstack("container", "list", "-f", "json", user="demo")]
    cloud.openstack("object", "create", "e2e-osc", str(source), "--name", "data.bin", "-f", "json", user="demo")
    listed = cloud.openstack("object", "list", "e2e-osc", "-f", "json", user="demo")
    assert [o["Name"] for o in listed] == ["data.bin"]
    target = tmp_path / "back.bin"
    cloud.openstack("object", "save", "e2e-osc", "data.bin", "--file", str(target), user="demo")
    assert target.read_bytes() == source.read_bytes()
    cloud.openstack("object", "delete", "e2e-osc", "data.bin", user="demo")
    cloud.openstack("container", "delete", "e2e-osc", user="demo")
    names = [c["Name"] for c in cloud.openstack("container", "list", "-f", "json", user="demo")]
    assert "e2e-osc" not in names
