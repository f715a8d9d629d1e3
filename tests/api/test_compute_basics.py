"""Compute API: version discovery, flavors, key pairs, limits and quota sets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pocketstack.compute import service as compute
from pocketstack.testing.service import auth, running_services

V = "/compute/v2.1"


def mv(token: str, version: str = "2.1") -> dict[str, str]:
    return auth(token, **{"OpenStack-API-Version": f"compute {version}"})


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_services([compute.create], tmp_path) as (runtime, _services, client):
        await compute.bootstrap(runtime)
        yield client


async def test_version_discovery_needs_no_token(client: httpx.AsyncClient) -> None:
    root = await client.get("/compute/")
    assert root.status_code == 200
    # Nova lists the legacy v2.0 endpoint first (Tempest checks), then v2.1.
    v20, v21 = root.json()["versions"]
    assert v20["id"] == "v2.0" and v20["status"] == "SUPPORTED"
    assert v21["id"] == "v2.1" and v21["min_version"] == "2.1"
    one = await client.get(V)
    assert one.json()["version"]["version"] == v21["version"]
    legacy = await client.get("/compute/v2/")
    assert legacy.json()["version"]["links"] == v20["links"]
    # The legacy endpoint serves the API at 2.1, whatever microversion is asked.
    flavors = await client.get("/compute/v2/flavors/1", headers=mv("demo", "2.55"))
    assert flavors.status_code == 200 and "description" not in flavors.json()["flavor"]


async def test_microversion_negotiation(client: httpx.AsyncClient) -> None:
    r = await client.get(V + "/flavors", headers=mv("demo", "2.55"))
    assert r.headers["openstack-api-version"] == "compute 2.55"
    assert r.headers["x-openstack-nova-api-version"] == "2.55"
    assert "description" in r.json()["flavors"][0]
    old = await client.get(V + "/flavors", headers=auth("demo"))
    assert "description" not in old.json()["flavors"][0]
    bad = await client.get(V + "/flavors", headers=mv("demo", "2.999"))
    assert bad.status_code == 406
    assert "notAcceptable" in bad.json()
    legacy = await client.get(V + "/flavors", headers=auth("demo", **{"X-OpenStack-Nova-API-Version": "2.60"}))
    assert legacy.headers["x-openstack-nova-api-version"] == "2.60"


async def test_default_flavors_and_detail(client: httpx.AsyncClient) -> None:
    r = await client.get(V + "/flavors/detail", headers=auth("demo"))
    by_name = {f["name"]: f for f in r.json()["flavors"]}
    assert set(by_name) == {"m1.tiny", "m1.small", "m1.medium", "m1.large"}
    tiny = by_name["m1.tiny"]
    assert (tiny["vcpus"], tiny["ram"], tiny["disk"]) == (1, 512, 1)
    assert tiny["swap"] == ""
    new = await client.get(V + "/flavors/1", headers=mv("demo", "2.75"))
    assert new.json()["flavor"]["swap"] == 0


async def test_flavor_create_needs_admin_and_rejects_bad_input(client: httpx.AsyncClient) -> None:
    body = {"flavor": {"name": "big", "ram": 999999, "vcpus": 1, "disk": 1}}
    denied = await client.post(V + "/flavors", json=body, headers=auth("demo"))
    assert denied.status_code == 403
    made = await client.post(V + "/flavors", json=body, headers=auth("admin"))
    assert made.status_code == 200
    assert made.json()["flavor"]["ram"] == 999999
    dup = await client.post(V + "/flavors", json=body, headers=auth("admin"))
    assert dup.status_code == 409
    bad = await client.post(
        V + "/flavors", json={"flavor": {"name": "x", "ram": 0, "vcpus": 1, "disk": 1}}, headers=auth("admin")
    )
    assert bad.status_code == 400
    assert "ram" in bad.json()["badRequest"]["message"]


async def test_private_flavor_access_and_extra_specs(client: httpx.AsyncClient) -> None:
    body = {
        "flavor": {
            "name": "secret",
            "id": "sec",
            "ram": 256,
            "vcpus": 1,
            "disk": 0,
            "os-flavor-access:is_public": False,
        }
    }
    assert (await client.post(V + "/flavors", json=body, headers=auth("admin"))).status_code == 200
    assert (await client.get(V + "/flavors/sec", headers=auth("demo"))).status_code == 404
    grant = {"addTenantAccess": {"tenant": "p-demo"}}
    r = await client.post(V + "/flavors/sec/action", json=grant, headers=auth("admin"))
    assert r.json()["flavor_access"] == [{"flavor_id": "sec", "tenant_id": "p-demo"}]
    assert (await client.get(V + "/flavors/sec", headers=auth("demo"))).status_code == 200
    assert (await client.get(V + "/flavors/sec", headers=auth("alt"))).status_code == 404
    specs = {"extra_specs": {"hw:cpu_policy": "shared", "aggregate:ssd": True}}
    r = await client.post(V + "/flavors/sec/os-extra_specs", json=specs, headers=auth("admin"))
    assert r.json()["extra_specs"] == {"hw:cpu_policy": "shared", "aggregate:ssd": "true"}
    shown = await client.get(V + "/flavors/sec", headers=mv("demo", "2.61"))
    assert shown.json()["flavor"]["extra_specs"]["hw:cpu_policy"] == "shared"
    assert (await client.delete(V + "/flavors/sec/os-extra_specs/nope", headers=auth("admin"))).status_code == 404


async def test_keypairs_generate_import_and_isolation(client: httpx.AsyncClient) -> None:
    r = await client.post(V + "/os-keypairs", json={"keypair": {"name": "gen"}}, headers=mv("demo", "2.2"))
    assert r.status_code == 201
    generated = r.json()["keypair"]
    assert generated["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert generated["type"] == "ssh" and len(generated["fingerprint"].split(":")) == 16
    imported = {"keypair": {"name": "imp", "public_key": generated["public_key"]}}
    r = await client.post(V + "/os-keypairs", json=imported, headers=mv("alt", "2.2"))
    assert r.json()["keypair"]["fingerprint"] == generated["fingerprint"]
    assert "private_key" not in r.json()["keypair"]
    listed = await client.get(V + "/os-keypairs", headers=auth("demo"))
    assert [k["keypair"]["name"] for k in listed.json()["keypairs"]] == ["gen"]
    dup = await client.post(V + "/os-keypairs", json={"keypair": {"name": "gen"}}, headers=auth("demo"))
    assert dup.status_code == 409
    garbage = {"keypair": {"name": "bad", "public_key": "ssh-rsa not-base64!"}}
    assert (await client.post(V + "/os-keypairs", json=garbage, headers=auth("demo"))).status_code == 400
    need_key = await client.post(V + "/os-keypairs", json={"keypair": {"name": "x"}}, headers=mv("demo", "2.92"))
    assert need_key.status_code == 400
    assert (await client.delete(V + "/os-keypairs/gen", headers=mv("demo", "2.2"))).status_code == 204
    assert (await client.get(V + "/os-keypairs/gen", headers=auth("demo"))).status_code == 404


async def test_limits_and_quota_sets(client: httpx.AsyncClient) -> None:
    r = await client.get(V + "/limits", headers=auth("demo"))
    absolute = r.json()["limits"]["absolute"]
    assert absolute["maxTotalInstances"] == 10 and absolute["totalInstancesUsed"] == 0
    assert (
        await client.put(V + "/os-quota-sets/p-demo", json={"quota_set": {"instances": 5}}, headers=auth("demo"))
    ).status_code == 403
    r = await client.put(
        V + "/os-quota-sets/p-demo", json={"quota_set": {"instances": 5, "cores": "7"}}, headers=auth("admin")
    )
    assert r.status_code == 200 and r.json()["quota_set"]["instances"] == 5
    shown = await client.get(V + "/os-quota-sets/p-demo", headers=mv("demo", "2.57"))
    assert shown.json()["quota_set"]["cores"] == 7 and "injected_files" not in shown.json()["quota_set"]
    old = await client.get(V + "/os-quota-sets/p-demo", headers=auth("demo"))
    assert old.json()["quota_set"]["floating_ips"] == 10
    detail = await client.get(V + "/os-quota-sets/p-demo/detail", headers=auth("demo"))
    assert detail.json()["quota_set"]["instances"] == {"limit": 5, "in_use": 0, "reserved": 0}
    bad = await client.put(V + "/os-quota-sets/p-demo", json={"quota_set": {"bogus": 1}}, headers=auth("admin"))
    assert bad.status_code == 400
    assert (await client.get(V + "/os-quota-sets/p-alt", headers=auth("demo"))).status_code == 403
    assert (await client.delete(V + "/os-quota-sets/p-demo", headers=auth("admin"))).status_code == 202
    reset = await client.get(V + "/os-quota-sets/p-demo", headers=auth("demo"))
    assert reset.json()["quota_set"]["instances"] == 10
