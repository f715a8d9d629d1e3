"""Regressions the OpenAPI fuzzing found (tests/api/test_fuzz_openapi.py): each request
here once answered 500; it must be a 4xx in the API's own error format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pocketstack.compute import service as compute
from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.service import auth, running_services
from pocketstack.web.paths import segment

V = "/compute/v2.1"


@pytest.fixture
async def nova(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_services([compute.create], tmp_path) as (runtime, _services, client):
        await compute.bootstrap(runtime)
        yield client


async def test_flavor_sizes_past_the_database_integer_are_400(nova: httpx.AsyncClient) -> None:
    # A digit string escapes the schema's bounds; it overflowed SQLite's INTEGER (500).
    for field, value in [("vcpus", "26844868553873630383"), ("ram", 2**31), ("disk", "99999999999999999999")]:
        flavor = {"name": f"big-{field}", "ram": 512, "vcpus": 1, "disk": 1, field: value}
        r = await nova.post(V + "/flavors", json={"flavor": flavor}, headers=auth("admin"))
        assert r.status_code == 400, r.text
        assert f"{field} must be <= 2147483647" in r.json()["badRequest"]["message"]
    fits = {"name": "largest", "ram": 2**31 - 1, "vcpus": "2147483647", "disk": 0}
    r = await nova.post(V + "/flavors", json={"flavor": fits}, headers=auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["flavor"]["vcpus"] == 2**31 - 1


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(tmp_path) as c:
        yield c


async def test_proxied_ids_stay_one_segment_of_the_called_api(cloud: CloudClient) -> None:
    # Compute's proxies put the id the caller chose into a call to another service: a
    # control character made httpx refuse the URL (500), '..' became that API's root,
    # '?' a query of it. Each is now one percent-encoded segment: a plain 404.
    headers = {"X-Auth-Token": await cloud.token("admin")}
    for ident in ["a%17b", "%2E%2E", "..%2F..%2Fv3", "x%3Fall_tenants%3D1", "x%23y"]:
        for path in ["images", "os-volumes", "os-snapshots", "os-networks", "os-floating-ips"]:
            r = await cloud.http.get(f"/compute/v2.1/{path}/{ident}", headers=headers)
            assert r.status_code == 404, (path, ident, r.status_code, r.text)
            assert "itemNotFound" in r.json(), r.text
        r = await cloud.http.post(
            f"/compute/v2.1/images/{ident}/metadata", json={"metadata": {"k": "v"}}, headers=headers
        )
        assert r.status_code == 404, (ident, r.text)


def test_segment_encodes_every_reserved_character_and_dot_segments() -> None:
    assert segment("a/b?c#d%e\x17") == "a%2Fb%3Fc%23d%25e%17"
    assert segment("..") == "%2E%2E" and segment(".") == "%2E"
    assert segment("3f2c.img") == "3f2c.img"


async def test_domain_create_with_a_taken_explicit_id_is_409(cloud: CloudClient) -> None:
    headers = {"X-Auth-Token": await cloud.token("admin")}
    first = {"domain": {"name": "d1", "explicit_domain_id": "fuzz-domain"}}
    r = await cloud.http.post("/identity/v3/domains", json=first, headers=headers)
    assert r.status_code == 201, r.text
    again = {"domain": {"name": "d2", "explicit_domain_id": "fuzz-domain"}}
    r = await cloud.http.post("/identity/v3/domains", json=again, headers=headers)
    assert r.status_code == 409, r.text
    assert "Duplicate entry found with ID fuzz-domain" in r.json()["error"]["message"]
    r = await cloud.http.post(
        "/identity/v3/domains", json={"domain": {"name": "x", "explicit_domain_id": "default"}}, headers=headers
    )
    assert r.status_code == 409, r.text


async def test_query_limits_and_markers_nova_and_neutron_take(cloud: CloudClient) -> None:
    token = await cloud.token("admin")
    latest = {"X-Auth-Token": token, "OpenStack-API-Version": "compute latest"}
    # A limit past SQLite's integer overflowed the query (500); Nova caps it at max_limit.
    for path in ["/servers", "/servers/detail", "/os-migrations", "/os-simple-tenant-usage"]:
        r = await cloud.http.get(f"/compute/v2.1{path}?limit=99999999999999999999999", headers=latest)
        assert r.status_code == 200, (path, r.text)
    # limit=0 with no usage linked to the last of no rows (IndexError, 500).
    r = await cloud.http.get("/compute/v2.1/os-simple-tenant-usage?limit=0", headers=latest)
    assert r.status_code == 200 and "tenant_usages_links" not in r.json(), r.text
    # A marker on service providers: the not-found wording had no entry for the noun (500).
    r = await cloud.http.get("/network/v2.0/service-providers?marker=zzz", headers={"X-Auth-Token": token})
    assert r.status_code == 404, r.text
    assert r.json()["NeutronError"]["type"] == "ServiceProviderNotFound"


async def test_integers_past_sqlite_in_queries_and_ids_are_not_overflows(cloud: CloudClient) -> None:
    token = await cloud.token("admin")
    placement = {"X-Auth-Token": token, "OpenStack-API-Version": "placement latest"}
    huge = "99999999999999999999"
    # An amount no inventory holds matches nothing (it overflowed the SQL parameter).
    for path in [f"/allocation_candidates?resources=VCPU:{huge}", f"/resource_providers?resources=VCPU:{huge}"]:
        r = await cloud.http.get("/placement" + path, headers=placement)
        assert r.status_code == 200, (path, r.text)
        assert not next(v for k, v in r.json().items() if k in ("allocation_requests", "resource_providers"))
    # A query integer past SQL's is a 400 naming the bound.
    r = await cloud.http.get(f"/placement/allocation_candidates?resources=VCPU:1&limit={huge}", headers=placement)
    assert r.status_code == 400 and "must be <=" in r.json()["errors"][0]["detail"], r.text
    # An aggregate id past the column's integer is no aggregate.
    r = await cloud.http.get(f"/compute/v2.1/os-aggregates/{huge}", headers={"X-Auth-Token": token})
    assert r.status_code == 404 and "itemNotFound" in r.json(), r.text


async def test_volume_type_and_qos_names_with_non_ascii_capitals_are_409_when_taken(cloud: CloudClient) -> None:
    headers = {"X-Auth-Token": await cloud.token("admin")}
    # SQLite's lower() folds ASCII only: a taken name with 'Ü' passed the check and hit
    # the unique index (500). A taken name is Cinder's 409, ASCII case ignored.
    for path, key in [("/volume/v3/types", "volume_type"), ("/volume/v3/qos-specs", "qos_specs")]:
        r = await cloud.http.post(path, json={key: {"name": "Über-Name"}}, headers=headers)
        assert r.status_code == 200, r.text
        for taken in ["Über-Name"]:
            r = await cloud.http.post(path, json={key: {"name": taken}}, headers=headers)
            assert r.status_code == 409, (path, taken, r.text)
            assert "already exists" in r.json()["conflictingRequest"]["message"]


async def test_quota_and_rule_values_past_the_database_integer_are_400(cloud: CloudClient) -> None:
    headers = {"X-Auth-Token": await cloud.token("admin")}
    project = (await cloud.http.get("/identity/v3/projects?name=demo", headers=headers)).json()["projects"][0]["id"]
    huge = 2**70
    # Each overflowed SQLite (500) or, for Neutron, stored a float quota (200).
    cases = [
        ("PUT", f"/compute/v2.1/os-quota-sets/{project}", {"quota_set": {"instances": huge}}, "badRequest"),
        ("PUT", f"/compute/v2.1/os-quota-sets/{project}", {"quota_set": {"cores": str(huge)}}, "badRequest"),
        ("PUT", "/compute/v2.1/os-quota-class-sets/default", {"quota_class_set": {"ram": str(huge)}}, "badRequest"),
        ("PUT", f"/volume/v3/os-quota-sets/{project}", {"quota_set": {"volumes": huge}}, "badRequest"),
        ("PUT", "/volume/v3/os-quota-class-sets/default", {"quota_class_set": {"gigabytes": str(huge)}}, "badRequest"),
        ("PUT", f"/network/v2.0/quotas/{project}", {"quota": {"network": huge}}, "NeutronError"),
    ]
    for method, path, body, shape in cases:
        r = await cloud.http.request(method, path, json=body, headers=headers)
        assert r.status_code == 400, (path, body, r.text)
        assert shape in r.json(), r.text
    group = {"server_group": {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": str(huge)}}}
    r = await cloud.http.post(
        "/compute/v2.1/os-server-groups", json=group, headers={**headers, "OpenStack-API-Version": "compute 2.64"}
    )
    assert r.status_code == 400 and "max_server_per_host" in r.text, r.text
    # The largest value still fits.
    r = await cloud.http.put(
        f"/compute/v2.1/os-quota-sets/{project}", json={"quota_set": {"instances": 2**31 - 1}}, headers=headers
    )
    assert r.status_code == 200 and r.json()["quota_set"]["instances"] == 2**31 - 1, r.text
