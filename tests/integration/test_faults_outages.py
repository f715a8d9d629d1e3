"""Faults: PostgreSQL and RabbitMQ outages for a distributed cloud (every service its
own ``pocketstack serve`` process), made with a TCP proxy of the test's own between the
processes and the machine's shared servers (which are never stopped: others use them).

Bounds: during a database outage every API answers 503 with a message naming the
database, none later than the configured connect timeout (plus slack), and the cloud
serves again without a restart once the proxy is back; builds in flight while the
broker is cut all end ACTIVE (no cast lost). Prints ``FAULT {...}`` per outage: time to
recover, work lost, orphans.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.integration.conftest import PG_PORT, fresh_postgres
from tests.integration.distributed_support import Processes, free_port, issue_token, reachable
from tests.integration.fault_proxy import FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

ORDER = ("identity", "placement", "image", "network", "volume", "compute")
CONNECT_TIMEOUT = 3.0
STATEMENT_TIMEOUT = 3.0
BUILDS = 8


class Outages:
    def __init__(self, procs: Processes, db: FaultProxy, bus: FaultProxy) -> None:
        self.procs, self.db, self.bus = procs, db, bus


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def cloud(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Outages]:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    tmp_path = Path(tmp_path_factory.mktemp("outages"))
    async with fresh_postgres() as db_url:
        db, bus = FaultProxy(PG_PORT), FaultProxy(5672)
        await db.start()
        await bus.start()
        procs = Processes(tmp_path, {name: free_port() for name in ORDER})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKETSTACK_", "OS_"))}
        env.update(
            POCKETSTACK_DATABASE_URL=db_url.replace(f":{PG_PORT}/", f":{db.port}/"),
            POCKETSTACK_DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
            POCKETSTACK_DATABASE_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
            POCKETSTACK_BUS_URL=f"amqp://guest:guest@127.0.0.1:{bus.port}/",
            POCKETSTACK_BUS_NAMESPACE=f"it{uuid.uuid4().hex[:10]}",
            POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS="4",
            POCKETSTACK_IDENTITY_ADMIN_PASSWORD="admin",
            POCKETSTACK_IDENTITY_DEMO_PASSWORD="demo",
            POCKETSTACK_IDENTITY_SERVICE_PASSWORD="service",
            POCKETSTACK_COMPUTE_DRIVER="fake",
            POCKETSTACK_COMPUTE_FAKE_HOSTS="2",
            POCKETSTACK_COMPUTE_LOCAL_AGENTS="true",
            POCKETSTACK_COMPUTE_HEARTBEAT_INTERVAL="1",
            POCKETSTACK_COMPUTE_FAKE_BOOT_DELAY="1.0",
            POCKETSTACK_NETWORK_BACKEND="fake",
            POCKETSTACK_NETWORK_LOCAL_AGENTS="true",
            POCKETSTACK_IMAGE_TINY_GUEST="false",
            POCKETSTACK_LOGGING_LEVEL="WARNING",
        )
        for name in ORDER:
            env[f"POCKETSTACK_ENDPOINTS_{name.upper()}"] = procs.url(name)
        try:
            for name in ORDER:
                await procs.start(env, name, name, "--port", str(procs.ports[name]))
            yield Outages(procs, db, bus)
        finally:
            await db.restore()
            await bus.restore()
            await procs.stop_all()
            await db.close()
            await bus.close()


def _report(case: str, **values: Any) -> None:
    print("FAULT " + json.dumps({"case": case, **values}))


async def test_database_outage_is_503_then_serves_again(cloud: Outages) -> None:
    d = cloud.procs
    async with httpx.AsyncClient(timeout=60) as client:
        token = (await issue_token(client, d.url("identity"), "admin", "admin", "admin")).headers["x-subject-token"]
        client.headers["X-Auth-Token"] = token
        reads = {
            "compute": f"{d.url('compute')}/compute/v2.1/servers",
            "placement": f"{d.url('placement')}/placement/resource_providers",
            "image": f"{d.url('image')}/image/v2/images",
            "network": f"{d.url('network')}/network/v2.0/networks",
            "volume": f"{d.url('volume')}/volume/v3/volumes",
        }
        for url in reads.values():
            assert (await client.get(url)).status_code == 200
        await cloud.db.cut()
        slowest = 0.0
        try:
            for name, url in reads.items():
                started = time.monotonic()
                answer = await client.get(url)
                took = time.monotonic() - started
                slowest = max(slowest, took)
                assert answer.status_code == 503, f"{name}: {answer.status_code} {answer.text}"
                assert "database" in answer.text and "cannot be reached" in answer.text, f"{name}: {answer.text}"
                assert took < CONNECT_TIMEOUT + 2, f"{name} took {took:.1f}s"
            login = await client.post(
                f"{d.url('identity')}/identity/v3/auth/tokens",
                json={"auth": {"identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"id": "default"}, "password": "admin"}}}}},
            )  # fmt: skip
            assert login.status_code == 503, login.text
        finally:
            await cloud.db.restore()
        restored = time.monotonic()
        pending = dict(reads)
        while pending:
            for name, url in list(pending.items()):
                if (await client.get(url)).status_code == 200:
                    del pending[name]
            assert time.monotonic() - restored < 30, f"still failing after the database came back: {pending}"
            await asyncio.sleep(0.1)
    _report(
        "postgresql-outage",
        slowest_answer_s=round(slowest, 3),
        recover_s=round(time.monotonic() - restored, 3),
        work_lost=0,
        orphans=0,
    )


async def test_database_partition_answers_503_within_the_timeouts(cloud: Outages) -> None:
    """No byte gets through (the connections stay open): only the timeouts end the wait,
    a pooled connection's statement (its pre-ping) and then the new connect."""
    d = cloud.procs
    bound = STATEMENT_TIMEOUT + CONNECT_TIMEOUT + 2
    async with httpx.AsyncClient(timeout=60) as client:
        token = (await issue_token(client, d.url("identity"), "admin", "admin", "admin")).headers["x-subject-token"]
        client.headers["X-Auth-Token"] = token
        reads = {
            "compute": f"{d.url('compute')}/compute/v2.1/flavors",
            "placement": f"{d.url('placement')}/placement/resource_providers",
            "image": f"{d.url('image')}/image/v2/images",
            "network": f"{d.url('network')}/network/v2.0/networks",
            "volume": f"{d.url('volume')}/volume/v3/types",
        }

        async def timed(url: str) -> tuple[int, str, float]:
            started = time.monotonic()
            answer = await client.get(url)
            return answer.status_code, answer.text, time.monotonic() - started

        for url in reads.values():
            assert (await client.get(url)).status_code == 200
        await cloud.db.hang()
        try:
            answers = dict(zip(reads, await asyncio.gather(*(timed(u) for u in reads.values())), strict=True))
        finally:
            await cloud.db.restore()
        restored = time.monotonic()
        for name, (status, text, took) in answers.items():
            assert status == 503 and "cannot be reached" in text, f"{name}: {status} {text}"
            assert took < bound, f"{name} waited {took:.1f}s (bound {bound:g}s)"
        pending = dict(reads)
        while pending:
            for name, url in list(pending.items()):
                if (await client.get(url)).status_code == 200:
                    del pending[name]
            assert time.monotonic() - restored < 30, f"still failing after the partition healed: {pending}"
            await asyncio.sleep(0.1)
    _report(
        "postgresql-partition",
        slowest_answer_s=round(max(took for _, _, took in answers.values()), 3),
        bound_s=bound,
        recover_s=round(time.monotonic() - restored, 3),
        work_lost=0,
        orphans=0,
    )


async def test_broker_outage_during_builds_loses_no_cast(cloud: Outages) -> None:
    d = cloud.procs
    async with httpx.AsyncClient(timeout=60) as client:
        token = (await issue_token(client, d.url("identity"), "admin", "admin", "admin")).headers["x-subject-token"]
        client.headers["X-Auth-Token"] = token
        image = (
            await client.post(
                f"{d.url('image')}/image/v2/images",
                json={"name": "img", "disk_format": "raw", "container_format": "bare"},
            )
        ).json()
        put = await client.put(
            f"{d.url('image')}/image/v2/images/{image['id']}/file",
            content=b"\0" * 4096,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204, put.text
        compute = f"{d.url('compute')}/compute/v2.1"
        body = {"server": {"name": "b", "flavorRef": "1", "imageRef": image["id"], "networks": "none"}}
        headers = {"OpenStack-API-Version": "compute 2.37"}
        servers = []
        for _ in range(BUILDS):
            made = await client.post(f"{compute}/servers", json=body, headers=headers)
            assert made.status_code == 202, made.text
            servers.append(made.json()["server"]["id"])
        # Cut while the builds are being scheduled, cast to hosts and spawned.
        await asyncio.sleep(0.1)
        await cloud.bus.cut()
        await asyncio.sleep(3.0)
        await cloud.bus.restore()
        restored = time.monotonic()
        statuses: dict[str, str] = {}
        while time.monotonic() - restored < 90:
            statuses = {
                sid: (await client.get(f"{compute}/servers/{sid}")).json()["server"]["status"] for sid in servers
            }
            if "BUILD" not in statuses.values():
                break
            await asyncio.sleep(0.5)
        recovered = time.monotonic() - restored
        lost = [sid for sid, status in statuses.items() if status != "ACTIVE"]
        # A message handled twice must not claim twice: one allocation per server.
        orphans = []
        for sid in servers:
            held = await client.get(
                f"{d.url('placement')}/placement/allocations/{sid}", headers={"OpenStack-API-Version": "placement 1.28"}
            )
            if len(held.json()["allocations"]) != 1:
                orphans.append(f"{sid}: {held.json()['allocations']}")
        _report("rabbitmq-outage-during-builds", builds=BUILDS, recover_s=round(recovered, 3), work_lost=len(lost),
                orphans=len(orphans))  # fmt: skip
        faults = [(await client.get(f"{compute}/servers/{sid}")).json()["server"].get("fault") for sid in lost]
        assert not lost, f"{statuses}\n{faults}"
        assert not orphans, orphans
        for sid in servers:
            assert (await client.delete(f"{compute}/servers/{sid}")).status_code == 204
