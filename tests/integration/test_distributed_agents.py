"""One process per host's agents (DESIGN §3): the compute process runs no agent of its
own (``[compute] local_agents`` auto = false on RabbitMQ), nor does the network process,
and two ``pocketstack serve compute-agent,network-agent --agent-host hN`` processes are
the cloud's compute hosts h1 and h2 (fake driver, fake network backend).

Builds land on both hosts and go ACTIVE with their ports plugged by the agent process of
their host (nothing else could plug them), a delete works across the processes, and an
agent stopped with SIGTERM exits cleanly, its host goes down in ``os-services`` after
``service_down_time`` while the other host keeps building; started again, it is up
and reconciles its server's power state (the fake driver's VMs died with it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import fresh_postgres
from tests.integration.distributed_support import RABBIT, Processes, free_port, issue_token, reachable, wait_for

pytestmark = pytest.mark.integration

API = "identity,placement,image,network"
DOWN_TIME = 3.0


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Processes]:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    async with fresh_postgres() as db_url:
        procs = Processes(tmp_path, {"api": free_port(), "compute": free_port()})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKETSTACK_", "OS_"))}
        env.update(
            POCKETSTACK_DATABASE_URL=db_url,
            POCKETSTACK_BUS_URL=RABBIT,
            POCKETSTACK_BUS_NAMESPACE=f"it{uuid.uuid4().hex[:10]}",
            POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS="4",
            # Known passwords for the logins below, and the service user's for the
            # processes without identity (each would otherwise need identity's secrets.toml).
            POCKETSTACK_IDENTITY_ADMIN_PASSWORD="admin",
            POCKETSTACK_IDENTITY_DEMO_PASSWORD="demo",
            POCKETSTACK_IDENTITY_SERVICE_PASSWORD="service",
            POCKETSTACK_COMPUTE_DRIVER="fake",
            POCKETSTACK_COMPUTE_HEARTBEAT_INTERVAL="0.5",
            POCKETSTACK_COMPUTE_SERVICE_DOWN_TIME=str(DOWN_TIME),
            POCKETSTACK_COMPUTE_POWER_SYNC_INTERVAL="1",
            POCKETSTACK_NETWORK_BACKEND="fake",
            POCKETSTACK_IMAGE_TINY_GUEST="false",
            POCKETSTACK_LOGGING_LEVEL="WARNING",
        )
        for name in API.split(","):
            env[f"POCKETSTACK_ENDPOINTS_{name.upper()}"] = procs.url("api")
        env["POCKETSTACK_ENDPOINTS_COMPUTE"] = procs.url("compute")
        try:
            await procs.start(env, "api", API, "--port", str(procs.ports["api"]))
            # The agents wait for the conductor: they start beside the compute process.
            await asyncio.gather(
                procs.start(env, "compute", "compute", "--port", str(procs.ports["compute"])),
                procs.start(env, "h1", "compute-agent,network-agent", "--agent-host", "h1"),
                procs.start(env, "h2", "compute-agent,network-agent", "--agent-host", "h2"),
            )
            yield procs
        finally:
            await procs.stop_all()


async def _services(client: httpx.AsyncClient, compute: str) -> dict[str, dict[str, Any]]:
    resp = await client.get(f"{compute}/os-services", params={"binary": "nova-compute"})
    assert resp.status_code == 200, resp.text
    return {s["host"]: s for s in resp.json()["services"]}


async def _gone(client: httpx.AsyncClient, url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while (await client.get(url)).status_code != 404:
        assert time.monotonic() < deadline, f"{url} still there"
        await asyncio.sleep(0.1)


async def test_agents_of_each_host_in_their_own_process(cloud: Processes) -> None:
    api, compute = cloud.url("api"), f"{cloud.url('compute')}/compute/v2.1"
    network = f"{api}/network/v2.0"
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers["X-Auth-Token"] = (await issue_token(client, api, "admin", "admin", "admin")).headers[
            "x-subject-token"
        ]
        # The compute hosts are the agent processes, and only they (no local fake-host).
        deadline = time.monotonic() + 10
        while set(await _services(client, compute)) != {"h1", "h2"}:
            assert time.monotonic() < deadline, await _services(client, compute)
            await asyncio.sleep(0.2)
        assert {s["state"] for s in (await _services(client, compute)).values()} == {"up"}

        image = (
            await client.post(
                f"{api}/image/v2/images",
                json={"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
            )
        ).json()
        put = await client.put(
            f"{api}/image/v2/images/{image['id']}/file",
            content=b"\0" * 1024,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204, put.text
        net = (await client.post(f"{network}/networks", json={"network": {"name": "n"}})).json()["network"]
        subnet = await client.post(
            f"{network}/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.8.0.0/24", "ip_version": 4}}
        )
        assert subnet.status_code == 201, subnet.text

        # Anti-affinity: the two servers must land on distinct hosts, i.e. on both agents.
        group = await client.post(
            f"{compute}/os-server-groups",
            json={"server_group": {"name": "spread", "policy": "anti-affinity"}},
            headers={"OpenStack-API-Version": "compute 2.64"},
        )
        assert group.status_code == 200, group.text

        async def boot(name: str, hints: dict[str, Any] | None = None) -> str:
            body: dict[str, Any] = {
                "server": {"name": name, "flavorRef": "1", "imageRef": image["id"], "networks": [{"uuid": net["id"]}]}
            }
            if hints:
                body["os:scheduler_hints"] = hints
            made = await client.post(f"{compute}/servers", json=body)
            assert made.status_code == 202, made.text + cloud.log("compute")
            return str(made.json()["server"]["id"])

        hint = {"group": group.json()["server_group"]["id"]}
        ids = [await boot("a", hint), await boot("b", hint)]
        servers = [await wait_for(client, f"{compute}/servers/{i}", "server", "status", "ACTIVE") for i in ids]
        by_host = {s["OS-EXT-SRV-ATTR:host"]: s for s in servers}
        assert set(by_host) == {"h1", "h2"}
        for host, server in by_host.items():
            # Bound to the host and plugged (ACTIVE): by that host's network agent, the
            # only one serving network-agent.<host> (no process runs local agents).
            ports = (await client.get(f"{network}/ports", params={"device_id": server["id"]})).json()["ports"]
            assert [(p["binding:host_id"], p["status"]) for p in ports] == [(host, "ACTIVE")]
            assert server["addresses"]["n"][0]["addr"].startswith("10.8.0.")
            events = (await client.get(f"{compute}/servers/{server['id']}/os-instance-actions")).json()
            assert [a["action"] for a in events["instanceActions"]] == ["create"]

        # Delete on h2: the h2 agent destroys it and deletes its port; placement frees it.
        doomed = by_host["h2"]["id"]
        assert (await client.delete(f"{compute}/servers/{doomed}")).status_code == 204
        await _gone(client, f"{compute}/servers/{doomed}")
        assert (await client.get(f"{network}/ports", params={"device_id": doomed})).json()["ports"] == []
        allocations = await client.get(f"{api}/placement/allocations/{doomed}")
        assert allocations.json()["allocations"] == {}

        # SIGTERM to h1's agents: a clean exit; its server is left alone (not deleted,
        # not in ERROR), and the host goes down once service_down_time passes.
        stopped_at = time.monotonic()
        assert await cloud.stop("h1") == 0, cloud.log("h1")
        deadline = time.monotonic() + DOWN_TIME + 5
        while (await _services(client, compute))["h1"]["state"] != "down":
            assert time.monotonic() < deadline, await _services(client, compute)
            await asyncio.sleep(0.2)
        assert time.monotonic() - stopped_at >= DOWN_TIME - 1.0
        assert (await _services(client, compute))["h2"]["state"] == "up"
        left = (
            await client.get(
                f"{compute}/servers/{by_host['h1']['id']}", headers={"OpenStack-API-Version": "compute 2.16"}
            )
        ).json()["server"]
        assert (left["status"], left["OS-EXT-SRV-ATTR:host"], left["host_status"]) == ("ACTIVE", "h1", "DOWN")

        # h2 goes on working: a new server is built there (h1 is down, not scheduled to).
        later = await boot("c")
        server = await wait_for(client, f"{compute}/servers/{later}", "server", "status", "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == "h2"
        assert (await client.delete(f"{compute}/servers/{later}")).status_code == 204
        await _gone(client, f"{compute}/servers/{later}")

        # Started again, h1 reports and is up (same host, same compute node) and syncs
        # the power state of its server: the fake driver's VMs died with the process.
        await cloud.start(cloud.envs["h1"], "h1", "compute-agent,network-agent", "--agent-host", "h1")
        deadline = time.monotonic() + 10
        while (await _services(client, compute))["h1"]["state"] != "up":
            assert time.monotonic() < deadline, await _services(client, compute)
            await asyncio.sleep(0.2)
        hypervisors = (await client.get(f"{compute}/os-hypervisors")).json()["hypervisors"]
        assert sorted(h["hypervisor_hostname"] for h in hypervisors) == ["h1", "h2"]
        await wait_for(client, f"{compute}/servers/{by_host['h1']['id']}", "server", "status", "SHUTOFF", 10)


async def test_agents_stop_on_sigterm_while_waiting_for_the_cloud(tmp_path: Path) -> None:
    """An agent process started before the control plane waits for it (identity here:
    nothing listens at its endpoint); SIGTERM meanwhile ends it at once, exit code 0."""
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKETSTACK_", "OS_"))}
    env.update(
        POCKETSTACK_BUS_URL=RABBIT,
        POCKETSTACK_BUS_NAMESPACE=f"it{uuid.uuid4().hex[:10]}",
        POCKETSTACK_ENDPOINTS_IDENTITY=f"http://127.0.0.1:{free_port()}",
        POCKETSTACK_COMPUTE_DRIVER="fake",
        POCKETSTACK_NETWORK_BACKEND="fake",
        # Agents log in as the service user: without its password they refuse to start.
        POCKETSTACK_IDENTITY_SERVICE_PASSWORD="not-checked-before-identity-answers",
    )
    argv = ["-m", "pocketstack.cli.main", "serve", "compute-agent,network-agent", "--agent-host", "hx"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        "--data-dir",
        str(tmp_path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = b""
    try:
        # SIGTERM once the agent says it waits (not after a fixed sleep: on a loaded
        # machine the interpreter may not have reached its signal handlers yet).
        async with asyncio.timeout(60):
            while b"waiting for identity" not in seen:
                line = await proc.stderr.readline()
                assert line, f"the agent ended before waiting: {seen.decode()}"
                seen += line
        assert proc.returncode is None
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, (seen + err).decode()
    assert b"serving" not in out
