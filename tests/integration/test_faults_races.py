"""Faults: 50 clients racing for the last of something, the whole cloud in-process on
SQLite (writers serialized) and on PostgreSQL (transactions really concurrent).

Bound: exactly the right number win, nothing is handed out twice, and every loser gets
the reference's error: the last instance of a quota (Nova: 403 "Quota exceeded for
instances"), the last address of a subnet (Neutron: 409 IpAddressGenerationFailure),
the last VCPU of a resource provider (Placement: 409 "would exceed the capacity"), and
one floating IP address asked for by all (Neutron: 409 IpAddressInUse). Prints
``FAULT {...}`` per race.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config
from tests.integration.conftest import fresh_postgres

pytestmark = pytest.mark.integration
RACERS = 50
C, N, P = "/compute/v2.1", "/network/v2.0", "/placement"


@pytest.fixture(params=["sqlite", "postgresql"])
async def c(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CloudClient]:
    config = cloud_config(tmp_path)
    if request.param == "postgresql":
        async with fresh_postgres() as url:
            config.database.url = url
            async with in_process_cloud(tmp_path, config) as client:
                yield client
    else:
        async with in_process_cloud(tmp_path, config) as client:
            yield client


async def _req(c: CloudClient, method: str, path: str, user: str = "admin", **kw: Any) -> Any:
    headers = {"X-Auth-Token": await c.token(user), **kw.pop("headers", {})}
    return await c.http.request(method, path, headers=headers, **kw)


def _report(case: str, c: CloudClient, started: float, winners: int) -> None:
    backend = "postgresql" if "postgresql" in c.cloud.config.database.url else "sqlite"
    elapsed = round(time.monotonic() - started, 3)
    print("FAULT " + json.dumps({"case": f"race-{case}", "db": backend, "racers": RACERS, "winners": winners,
                                 "seconds": elapsed, "work_lost": 0, "orphans": 0}))  # fmt: skip


async def _race(make: Any) -> list[Any]:
    return list(await asyncio.gather(*(make(i) for i in range(RACERS))))


async def test_races_for_the_last_one(c: CloudClient) -> None:
    await _last_quota_slot(c)
    await _last_ip_of_a_subnet(c)
    await _last_vcpu_in_placement(c)
    await _same_floating_ip(c)


async def _last_quota_slot(c: CloudClient) -> None:
    demo_project = (await _req(c, "GET", "/identity/v3/auth/projects", "demo")).json()["projects"][0]["id"]
    quota = {"quota_set": {"instances": 1}}
    assert (await _req(c, "PUT", f"{C}/os-quota-sets/{demo_project}", json=quota)).status_code == 200
    body = {"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = (await _req(c, "POST", "/image/v2/images", json=body)).json()["id"]
    headers = {"Content-Type": "application/octet-stream"}
    await _req(c, "PUT", f"/image/v2/images/{image}/file", content=b"\0" * 512, headers=headers)
    server = {"server": {"name": "race", "flavorRef": "1", "imageRef": image, "networks": "none"}}
    version = {"OpenStack-API-Version": "compute 2.37"}
    await c.token("demo")
    started = time.monotonic()
    answers = await _race(lambda i: _req(c, "POST", f"{C}/servers", "demo", json=server, headers=version))
    won = [a for a in answers if a.status_code == 202]
    assert len(won) == 1, [a.status_code for a in answers]
    lost = [a for a in answers if a.status_code != 202]
    assert {a.status_code for a in lost} == {403}
    assert all("Quota exceeded for instances" in a.text for a in lost), lost[0].text
    listed = (await _req(c, "GET", f"{C}/servers?all_tenants=1")).json()["servers"]
    assert len(listed) == 1
    _report("last-quota-slot", c, started, len(won))


async def _last_ip_of_a_subnet(c: CloudClient) -> None:
    net = (await _req(c, "POST", f"{N}/networks", json={"network": {"name": "race"}})).json()["network"]["id"]
    pool = [{"start": "10.9.0.10", "end": "10.9.0.12"}]
    sub = {"subnet": {"network_id": net, "cidr": "10.9.0.0/24", "ip_version": 4, "allocation_pools": pool}}
    assert (await _req(c, "POST", f"{N}/subnets", json=sub)).status_code == 201
    # Fill the pool (a DHCP port may hold one address), then free one: the racers want it.
    made: list[str] = []
    while (answer := await _req(c, "POST", f"{N}/ports", json={"port": {"network_id": net}})).status_code == 201:
        made.append(answer.json()["port"]["id"])
    assert made and (await _req(c, "DELETE", f"{N}/ports/{made[0]}")).status_code == 204
    started = time.monotonic()
    answers = await _race(lambda i: _req(c, "POST", f"{N}/ports", json={"port": {"network_id": net}}))
    won = [a for a in answers if a.status_code == 201]
    assert len(won) == 1, [a.status_code for a in answers]
    assert won[0].json()["port"]["fixed_ips"][0]["ip_address"] in ("10.9.0.10", "10.9.0.11", "10.9.0.12")
    lost = [a for a in answers if a.status_code != 201]
    assert {(a.status_code, a.json()["NeutronError"]["type"]) for a in lost} == {(409, "IpAddressGenerationFailure")}
    ports = (await _req(c, "GET", f"{N}/ports?network_id={net}")).json()["ports"]
    addresses = [p["fixed_ips"][0]["ip_address"] for p in ports if p["fixed_ips"]]
    assert len(addresses) == 3 and len(set(addresses)) == 3, addresses
    _report("last-ip-of-subnet", c, started, len(won))


async def _last_vcpu_in_placement(c: CloudClient) -> None:
    version = {"OpenStack-API-Version": "placement 1.28"}
    rp = str(uuid.uuid4())
    made = await _req(c, "POST", f"{P}/resource_providers", json={"name": "race-rp", "uuid": rp}, headers=version)
    assert made.status_code == 200, made.text
    inv = {"resource_provider_generation": 0, "inventories": {"VCPU": {"total": 1}}}
    put = await _req(c, "PUT", f"{P}/resource_providers/{rp}/inventories", json=inv, headers=version)
    assert put.status_code == 200, put.text
    project, user = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "allocations": {rp: {"resources": {"VCPU": 1}}},
        "project_id": project,
        "user_id": user,
        "consumer_generation": None,
    }
    started = time.monotonic()
    answers = await _race(lambda i: _req(c, "PUT", f"{P}/allocations/{uuid.uuid4()}", json=body, headers=version))
    won = [a for a in answers if a.status_code == 204]
    assert len(won) == 1, [(a.status_code, a.text) for a in answers if a.status_code != 409][:3]
    lost = [a for a in answers if a.status_code != 204]
    assert {a.status_code for a in lost} == {409}
    assert all("would exceed the capacity" in a.text for a in lost), lost[0].text
    usages = (await _req(c, "GET", f"{P}/resource_providers/{rp}/usages", headers=version)).json()["usages"]
    assert usages == {"VCPU": 1}
    _report("last-vcpu-in-placement", c, started, len(won))


async def _same_floating_ip(c: CloudClient) -> None:
    ext = {"network": {"name": "race-ext", "router:external": True}}
    net = (await _req(c, "POST", f"{N}/networks", json=ext)).json()["network"]["id"]
    sub = {"subnet": {"network_id": net, "cidr": "203.0.113.0/24", "ip_version": 4}}
    assert (await _req(c, "POST", f"{N}/subnets", json=sub)).status_code == 201
    want = {"floatingip": {"floating_network_id": net, "floating_ip_address": "203.0.113.77"}}
    started = time.monotonic()
    answers = await _race(lambda i: _req(c, "POST", f"{N}/floatingips", json=want))
    won = [a for a in answers if a.status_code == 201]
    assert len(won) == 1, [(a.status_code, a.text) for a in answers][:3]
    lost = [a for a in answers if a.status_code != 201]
    assert {(a.status_code, a.json()["NeutronError"]["type"]) for a in lost} == {(409, "IpAddressInUse")}
    fips = (await _req(c, "GET", f"{N}/floatingips?floating_ip_address=203.0.113.77")).json()["floatingips"]
    assert len(fips) == 1
    _report("same-floating-ip", c, started, len(won))
