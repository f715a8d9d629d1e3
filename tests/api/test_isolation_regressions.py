"""The leaks and wrong answers the isolation matrix (test_isolation_matrix.py) found, one
test each, so a regression names itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from tests.api.isolation_support import Callers, make_callers


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[CloudClient, Callers]]:
    async with in_process_cloud(tmp_path) as client:
        yield client, await make_callers(client)


def h(callers: Callers, role: str, **extra: str) -> dict[str, str]:
    return {**callers.headers(role), **extra}


async def test_volume_reads_take_the_reader_role(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    made = await client.http.post("/volume/v3/volumes", json={"volume": {"size": 1}}, headers=h(callers, "owner"))
    assert made.status_code == 202, made.text
    volume_id = made.json()["volume"]["id"]
    # A role on the project that no rule names read every volume, snapshot, backup...
    for path in (
        "/volumes",
        "/volumes/detail",
        f"/volumes/{volume_id}",
        f"/volumes/{volume_id}/metadata",
        "/snapshots",
        "/backups",
        "/os-volume-transfer",
        "/limits",
        f"/os-quota-sets/{callers.project_a}",
    ):
        r = await client.http.get(f"/volume/v3{path}", headers=h(callers, "norole"))
        assert r.status_code == 403, (path, r.text)
        assert (await client.http.get(f"/volume/v3{path}", headers=h(callers, "reader"))).status_code == 200, path
    # Another project's quota defaults are an admin's (volume_extension:quotas:show), as Cinder.
    r = await client.http.get(f"/volume/v3/os-quota-sets/{callers.project_a}/defaults", headers=h(callers, "other"))
    assert r.status_code == 403


async def test_tokens_are_validated_by_their_user_services_and_admins(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    subject = {"X-Subject-Token": callers.subject_token}
    for role in ("other", "reader", "norole"):
        for method in ("GET", "HEAD", "DELETE"):
            r = await client.http.request(method, "/identity/v3/auth/tokens", headers=h(callers, role, **subject))
            assert r.status_code == 403, (role, method, r.text)
    assert (
        await client.http.get("/identity/v3/auth/tokens", headers=h(callers, "owner", **subject))
    ).status_code == 200
    assert (
        await client.http.get("/identity/v3/auth/tokens", headers=h(callers, "admin", **subject))
    ).status_code == 200
    # The revocation list names users and audit ids: services and admins only.
    assert (await client.http.get("/identity/v3/OS-REVOKE/events", headers=h(callers, "owner"))).status_code == 403
    assert (await client.http.get("/identity/v3/OS-REVOKE/events", headers=h(callers, "admin"))).status_code == 200


async def test_catalog_records_and_domains_are_an_admins(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    for path in ("/services", "/endpoints", "/domains"):
        r = await client.http.get(f"/identity/v3{path}", headers=h(callers, "owner"))
        assert r.status_code == 403, (path, r.text)
        assert (await client.http.get(f"/identity/v3{path}", headers=h(callers, "admin"))).status_code == 200
    # A user's own catalog stays in reach.
    assert (await client.http.get("/identity/v3/auth/catalog", headers=h(callers, "owner"))).status_code == 200


async def test_a_projects_limit_is_refused_to_other_projects(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    admin = h(callers, "admin")
    service = await client.http.post("/identity/v3/services", json={"service": {"type": "iso"}}, headers=admin)
    service_id = service.json()["service"]["id"]
    registered = {"registered_limits": [{"service_id": service_id, "resource_name": "x", "default_limit": 2}]}
    assert (await client.http.post("/identity/v3/registered_limits", json=registered, headers=admin)).status_code == 201
    limit = {
        "limits": [
            {"service_id": service_id, "project_id": callers.project_a, "resource_name": "x", "resource_limit": 1}
        ]
    }
    made = await client.http.post("/identity/v3/limits", json=limit, headers=admin)
    limit_id = made.json()["limits"][0]["id"]
    r = await client.http.get(f"/identity/v3/limits/{limit_id}", headers=h(callers, "other"))
    assert r.status_code == 403 and "identity:get_limit" in r.text
    assert (await client.http.get(f"/identity/v3/limits/{limit_id}", headers=h(callers, "reader"))).status_code == 200


async def test_ip_availability_of_a_network_is_not_found_for_non_admins(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    made = await client.http.post(
        "/network/v2.0/networks", json={"network": {"name": "n"}}, headers=h(callers, "owner")
    )
    network_id = made.json()["network"]["id"]
    path = f"/network/v2.0/network-ip-availabilities/{network_id}"
    assert (await client.http.get(path, headers=h(callers, "owner"))).status_code == 404
    assert (await client.http.get(path, headers=h(callers, "admin"))).status_code == 200


async def test_image_member_changes_check_the_rule_before_the_member(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    body = {"name": "i", "disk_format": "raw", "container_format": "bare", "visibility": "shared"}
    image_id = (await client.http.post("/image/v2/images", json=body, headers=h(callers, "owner"))).json()["id"]
    path = f"/image/v2/images/{image_id}/members/{callers.project_b}"
    # A reader of the owner's project is refused (403), not told the member is missing.
    put = await client.http.put(path, json={"status": "accepted"}, headers=h(callers, "reader"))
    assert put.status_code == 403, put.text
    assert (await client.http.delete(path, headers=h(callers, "reader"))).status_code == 403


async def test_server_diagnostics_of_another_project_are_not_found(world: tuple[CloudClient, Callers]) -> None:
    client, callers = world
    flavors = (await client.http.get("/compute/v2.1/flavors", headers=h(callers, "norole"))).json()["flavors"]
    assert flavors  # any token lists flavors, as in Nova (no rule there)
    body = {"name": "i", "disk_format": "raw", "container_format": "bare"}
    image_id = (await client.http.post("/image/v2/images", json=body, headers=h(callers, "owner"))).json()["id"]
    await client.http.put(
        f"/image/v2/images/{image_id}/file",
        content=b"\0" * 512,
        headers=h(callers, "owner", **{"Content-Type": "application/octet-stream"}),
    )
    server = {"server": {"name": "s", "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
    made = await client.http.post(
        "/compute/v2.1/servers", json=server, headers=h(callers, "owner", **{"OpenStack-API-Version": "compute 2.37"})
    )
    assert made.status_code == 202, made.text
    path = f"/compute/v2.1/servers/{made.json()['server']['id']}/diagnostics"
    assert (await client.http.get(path, headers=h(callers, "other"))).status_code == 404
    assert (await client.http.get(path, headers=h(callers, "owner"))).status_code == 403
