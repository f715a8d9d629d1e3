"""A compute host as a process of its own with real VMs: ``pocketstack serve
compute-agent,network-agent --agent-host h1`` with the qemu driver and the linuxbridge
backend (its own data directory), beside an API process and a compute process on
PostgreSQL + RabbitMQ.

SIGTERM ends the agent process (exit 0) and leaves the VM's QEMU and the host's
namespaces as they were, like nova-compute; started again it adopts the VM (still ACTIVE,
running); a delete then destroys it; ``pocketstack down --data-dir`` on the host removes
its namespaces. Needs root, QEMU, PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pocketstack.network.agent.linuxbridge.names import cloud_prefix
from tests.integration.conftest import fresh_postgres
from tests.integration.distributed_support import RABBIT, Processes, free_port, issue_token, reachable, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.root, pytest.mark.integration]

API = "identity,placement,image,network"


def _namespaces(prefix: str) -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.startswith(prefix)}


def _state(pid: int) -> str:
    """The process's state letter ("Z": killed, not reaped yet by its adoptive parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


async def test_agent_process_leaves_its_vm_on_sigterm_and_adopts_it(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("qemu-system-x86_64") is None:
        pytest.skip("needs root and qemu-system-x86_64")
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    host_dir = tmp_path / "h1"
    host_dir.mkdir()
    prefix = cloud_prefix(host_dir)
    async with fresh_postgres() as db_url:
        procs = Processes(tmp_path, {"api": free_port(), "compute": free_port()})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKETSTACK_", "OS_"))}
        env.update(
            POCKETSTACK_DATABASE_URL=db_url,
            POCKETSTACK_BUS_URL=RABBIT,
            POCKETSTACK_BUS_NAMESPACE=f"e2e{uuid.uuid4().hex[:10]}",
            POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS="4",
            # Known passwords for the logins below, and the service user's for the
            # processes without identity (each would otherwise need identity's secrets.toml).
            POCKETSTACK_IDENTITY_ADMIN_PASSWORD="admin",
            POCKETSTACK_IDENTITY_DEMO_PASSWORD="demo",
            POCKETSTACK_IDENTITY_SERVICE_PASSWORD="service",
            POCKETSTACK_COMPUTE_DRIVER="qemu",
            POCKETSTACK_COMPUTE_QEMU_ACCEL="tcg",
            POCKETSTACK_COMPUTE_HEARTBEAT_INTERVAL="1",
            POCKETSTACK_COMPUTE_POWER_SYNC_INTERVAL="1",
            POCKETSTACK_NETWORK_BACKEND="linuxbridge",
            POCKETSTACK_IMAGE_TINY_GUEST="false",
        )
        for name in API.split(","):
            env[f"POCKETSTACK_ENDPOINTS_{name.upper()}"] = procs.url("api")
        env["POCKETSTACK_ENDPOINTS_COMPUTE"] = procs.url("compute")
        # The host's own data directory (VMs, image cache, namespaces' state).
        agent = ("compute-agent,network-agent", "--agent-host", "h1", "--data-dir", str(host_dir))
        try:
            await procs.start(env, "api", API, "--port", str(procs.ports["api"]))
            await procs.start(env, "compute", "compute", "--port", str(procs.ports["compute"]))
            await procs.start(env, "h1", *agent)
            api, compute = procs.url("api"), f"{procs.url('compute')}/compute/v2.1"
            async with httpx.AsyncClient(timeout=60) as client:
                token = await issue_token(client, api, "admin", "admin", "admin")
                client.headers["X-Auth-Token"] = token.headers["x-subject-token"]
                image = (
                    await client.post(
                        f"{api}/image/v2/images",
                        json={"name": "blank", "disk_format": "raw", "container_format": "bare"},
                    )
                ).json()
                put = await client.put(
                    f"{api}/image/v2/images/{image['id']}/file",
                    content=b"\0" * (1 << 20),
                    headers={"Content-Type": "application/octet-stream"},
                )
                assert put.status_code == 204, put.text
                net = (await client.post(f"{api}/network/v2.0/networks", json={"network": {"name": "n"}})).json()
                subnet = {"network_id": net["network"]["id"], "cidr": "10.7.0.0/24", "ip_version": 4}
                assert (await client.post(f"{api}/network/v2.0/subnets", json={"subnet": subnet})).status_code == 201
                body = {
                    "server": {
                        "name": "vm",
                        "flavorRef": "1",
                        "imageRef": image["id"],
                        "networks": [{"uuid": net["network"]["id"]}],
                    }
                }
                made = await client.post(f"{compute}/servers", json=body)
                assert made.status_code == 202, made.text
                server_id = made.json()["server"]["id"]
                server = await wait_for(client, f"{compute}/servers/{server_id}", "server", "status", "ACTIVE", 120)
                assert server["OS-EXT-SRV-ATTR:host"] == "h1"
                pid = int((host_dir / "instances" / server_id / "qemu.pid").read_text().split()[0])
                namespaces = _namespaces(prefix)
                assert len(namespaces) >= 2, namespaces  # the host's and the network's DHCP one

                assert await procs.stop("h1") == 0, procs.log("h1")
                assert _state(pid) not in ("Z", "gone")
                assert _namespaces(prefix) == namespaces

                await procs.start(procs.envs["h1"], "h1", *agent)
                await asyncio.sleep(2.5)  # two power syncs: the adopted VM runs
                server = (await client.get(f"{compute}/servers/{server_id}")).json()["server"]
                assert (server["status"], server["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)

                assert (await client.delete(f"{compute}/servers/{server_id}")).status_code == 204
                deadline = time.monotonic() + 30
                while (await client.get(f"{compute}/servers/{server_id}")).status_code != 404:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.2)
                assert _state(pid) in ("Z", "gone")
        finally:
            await procs.stop_all()
            down = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "pocketstack.cli.main", "down", "--data-dir", str(host_dir)],
                capture_output=True,
                text=True,
                timeout=120,
                env={k: v for k, v in os.environ.items() if not k.startswith("POCKETSTACK_")},
            )
        assert down.returncode == 0, down.stderr
        assert _namespaces(prefix) == set()
