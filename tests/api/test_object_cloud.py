"""Object storage in the whole cloud: the catalog's templated endpoint filled for each
token, Keystone tokens as Swift's keystoneauth takes them, and the paths Swift clients
look for at the endpoint's root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud


@pytest.fixture(name="cloud")
async def cloud_fixture(tmp_path: Path) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(tmp_path) as client:
        yield client


async def test_catalog_endpoint_is_the_tokens_account(cloud: CloudClient) -> None:
    token = await cloud.token("demo")
    resp = await cloud.http.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    body = resp.json()["token"]
    project = body["project"]["id"]
    stores = [s for s in body["catalog"] if s["type"] == "object-store"]
    assert stores and stores[0]["name"] == "swift"
    urls = {e["interface"]: e["url"] for e in stores[0]["endpoints"]}
    assert urls["public"] == f"http://pocketstack.test/object/v1/AUTH_{project}"
    catalog = await cloud.http.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})
    assert any(e["url"].endswith(f"AUTH_{project}") for s in catalog.json()["catalog"] for e in s["endpoints"])
    # The endpoint itself keeps its template, as Keystone's.
    admin = await cloud.token("admin")
    endpoints = (await cloud.http.get("/identity/v3/endpoints", headers={"X-Auth-Token": admin})).json()["endpoints"]
    assert any(e["url"].endswith("/object/v1/AUTH_%(project_id)s") for e in endpoints)
    # A token without a project has no account: the endpoint is left out of its catalog.
    unscoped = await cloud.token("demo", scope=None)
    resp = await cloud.http.get(
        "/identity/v3/auth/tokens", headers={"X-Auth-Token": admin, "X-Subject-Token": unscoped}
    )
    assert "catalog" not in resp.json()["token"] or not any(
        s["type"] == "object-store" and s["endpoints"] for s in resp.json()["token"].get("catalog", [])
    )

    headers = {"X-Auth-Token": token}
    account = f"/object/v1/AUTH_{project}"
    assert (await cloud.http.put(f"{account}/box", headers=headers)).status_code == 201
    put = await cloud.http.put(f"{account}/box/hello.txt", content=b"hi", headers=headers)
    assert put.status_code == 201 and put.headers["x-trans-id"].startswith("tx")
    assert (await cloud.http.get(f"{account}/box/hello.txt", headers=headers)).content == b"hi"
    # Another project's member is refused; admin of another project too (keystoneauth).
    assert (await cloud.http.get(f"{account}/box", headers={"X-Auth-Token": admin})).status_code == 403
    assert (await cloud.http.get(f"{account}/box", headers={"X-Auth-Token": "garbage"})).status_code == 401


async def test_root_paths_swift_clients_use(cloud: CloudClient) -> None:
    info = await cloud.http.get("/info")
    assert info.status_code == 200 and "swift" in info.json()
    assert (await cloud.http.get("/healthcheck")).text == "OK"
    cross = await cloud.http.get("/crossdomain.xml")
    assert cross.text.startswith('<?xml version="1.0"?>') and cross.text.endswith("</cross-domain-policy>")
    assert (await cloud.http.get("/object/openapi.json")).json()["paths"]["/v1/{account}/{container}/{object}"]
