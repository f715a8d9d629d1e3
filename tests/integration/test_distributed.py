"""The distributed mode for real: every service in its own ``pocketstack serve SERVICE``
process, sharing one PostgreSQL database and one RabbitMQ broker (own namespace), each
finding the others at ``[endpoints]``. A user's flow crosses every process boundary:
token and catalog from identity, an image uploaded to image, a server booted by compute
(placement and image over HTTP, its port bound by network, network-vif-plugged sent back
over HTTP), a volume attached (volume <-> compute), a token revoked at identity refused
by compute (revocation followed over the bus), and the stock ``openstack`` CLI following
the catalog across the processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import fresh_postgres
from tests.integration.distributed_support import BIN, RABBIT, Processes, free_port, issue_token, reachable, wait_for

pytestmark = pytest.mark.integration

# Started in this order: each waits for identity; compute's agents report to placement.
ORDER = ("identity", "placement", "image", "network", "volume", "compute")


@pytest.fixture
async def distributed(tmp_path: Path) -> AsyncIterator[Processes]:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    async with fresh_postgres() as db_url:
        procs = Processes(tmp_path, {name: free_port() for name in ORDER})
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
            POCKETSTACK_COMPUTE_FAKE_HOSTS="2",
            # Two simulated hosts inside the compute process (agents of their own:
            # test_distributed_agents.py).
            POCKETSTACK_COMPUTE_LOCAL_AGENTS="true",
            POCKETSTACK_COMPUTE_HEARTBEAT_INTERVAL="1",
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
            yield procs
        finally:
            await procs.stop_all()


async def test_each_service_in_its_own_process(distributed: Processes) -> None:
    d = distributed
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await issue_token(client, d.url("identity"), "admin", "admin", "admin")
        token = resp.headers["x-subject-token"]
        # The catalog sends each service's clients to its own process.
        catalog = {e["type"]: e for e in resp.json()["token"]["catalog"]}
        public = {t: next(x["url"] for x in e["endpoints"] if x["interface"] == "public") for t, e in catalog.items()}
        assert public["compute"] == f"{d.url('compute')}/compute/v2.1"
        assert public["image"] == f"{d.url('image')}/image"
        assert public["placement"] == f"{d.url('placement')}/placement"
        assert public["volumev3"] == f"{d.url('volume')}/volume/v3"
        client.headers["X-Auth-Token"] = token
        # Each process serves its own service only.
        assert (await client.get(f"{d.url('image')}/compute/v2.1/servers")).status_code == 404

        # Image: upload through the image process.
        image = (
            await client.post(
                f"{public['image']}/v2/images",
                json={"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
            )
        ).json()
        put = await client.put(
            f"{public['image']}/v2/images/{image['id']}/file",
            content=b"\0" * 4096,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204, put.text

        # Network: a network with DHCP; compute boots a server on it.
        net = (await client.post(f"{public['network']}/v2.0/networks", json={"network": {"name": "n"}})).json()
        subnet = await client.post(
            f"{public['network']}/v2.0/subnets",
            json={"subnet": {"network_id": net["network"]["id"], "cidr": "10.9.0.0/24", "ip_version": 4}},
        )
        assert subnet.status_code == 201, subnet.text
        compute = public["compute"]
        made = await client.post(
            f"{compute}/servers",
            json={
                "server": {
                    "name": "vm",
                    "flavorRef": "1",
                    "imageRef": image["id"],
                    "networks": [{"uuid": net["network"]["id"]}],
                }
            },
        )
        assert made.status_code == 202, made.text + d.log("compute")
        server_id = made.json()["server"]["id"]
        server = await wait_for(client, f"{compute}/servers/{server_id}", "server", "status", "ACTIVE")
        assert next(a["addr"] for a in server["addresses"]["n"]).startswith("10.9.0.")
        # Placement (its own process) holds the server's allocation.
        allocations = (
            await client.get(
                f"{public['placement']}/allocations/{server_id}", headers={"OpenStack-API-Version": "placement 1.28"}
            )
        ).json()["allocations"]
        assert next(iter(allocations.values()))["resources"]["MEMORY_MB"] == 512
        port = (await client.get(f"{public['network']}/v2.0/ports", params={"device_id": server_id})).json()["ports"]
        assert port and port[0]["binding:host_id"] == server["OS-EXT-SRV-ATTR:host"]

        # Volume: created by the volume process, attached through compute.
        volumes = public["volumev3"]
        vol = (await client.post(f"{volumes}/volumes", json={"volume": {"size": 1, "name": "v"}})).json()["volume"]
        await wait_for(client, f"{volumes}/volumes/{vol['id']}", "volume", "status", "available")
        attach = await client.post(
            f"{compute}/servers/{server_id}/os-volume_attachments", json={"volumeAttachment": {"volumeId": vol["id"]}}
        )
        assert attach.status_code == 200, attach.text
        await wait_for(client, f"{volumes}/volumes/{vol['id']}", "volume", "status", "in-use")

        # The stock CLI follows the catalog from process to process.
        cli = await asyncio.to_thread(
            subprocess.run,
            [
                str(BIN / "openstack"),
                "--os-auth-url",
                f"{d.url('identity')}/identity/v3",
                "--os-username",
                "admin",
                "--os-password",
                "admin",
                "--os-project-name",
                "admin",
                "--os-user-domain-id",
                "default",
                "--os-project-domain-id",
                "default",
                "server",
                "show",
                "vm",
                "-c",
                "status",
                "-f",
                "value",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("OS_")},
        )
        assert cli.stdout.strip() == "ACTIVE", cli.stderr

        # A token revoked at identity is refused by the compute process (bus fanout).
        demo = (await issue_token(client, d.url("identity"), "demo", "demo", "demo")).headers["x-subject-token"]
        as_demo = {"X-Auth-Token": demo}
        assert (await client.get(f"{compute}/servers", headers=as_demo)).status_code == 200
        revoke = await client.delete(f"{d.url('identity')}/identity/v3/auth/tokens", headers={"X-Subject-Token": demo})
        assert revoke.status_code == 204
        deadline = time.monotonic() + 10
        while (await client.get(f"{compute}/servers", headers=as_demo)).status_code != 401:
            assert time.monotonic() < deadline, "compute still accepts a revoked token"
            await asyncio.sleep(0.1)

        # Delete crosses back: the volume is detached and the allocation freed.
        assert (await client.delete(f"{compute}/servers/{server_id}")).status_code == 204
        await wait_for(client, f"{volumes}/volumes/{vol['id']}", "volume", "status", "available")
        async with asyncio.timeout(30):
            while (await client.get(f"{public['placement']}/allocations/{server_id}")).json()["allocations"]:
                await asyncio.sleep(0.2)
