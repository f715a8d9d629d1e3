"""EC2 API costs (issue #20), the whole cloud in-process (fake driver): DescribeInstances
with N instances (default 1,000; target p50 < 200 ms), and what RunInstances to
``running`` costs over the same launch through the Nova API (target < 100 ms).

Requests are signed with botocore's Signature Version 4, as boto3 signs them, so each
one also pays for Keystone's signature check (``/v3/ec2tokens``).

Usage: python -m bench.ec2 [--instances 1000] [--samples 20] [--launches 10]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.serialize import create_serializer

from pocketstack.client import Clients, Connection
from pocketstack.testing.cloud import BASE, in_process_cloud, test_config
from pocketstack.web.transport import InProcessTransport

BATCH = 50
NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
_MODEL = botocore.session.get_session().get_service_model("ec2")
_SERIALIZER = create_serializer("ec2")


class Signer:
    def __init__(self, conn: Connection, access: str, secret: str) -> None:
        self.conn = conn
        self.credentials = Credentials(access, secret)

    async def __call__(self, action: str, **params: Any) -> ElementTree.Element:
        return ElementTree.fromstring(await self.raw(action, **params))

    async def raw(self, action: str, **params: Any) -> bytes:
        """The answer's bytes (timings leave the client's XML parsing out)."""
        wire = _SERIALIZER.serialize_to_request(params, _MODEL.operation_model(action))
        request = AWSRequest(
            "POST",
            f"{BASE}/ec2/",
            data=wire["body"],
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(self.credentials, "ec2", "RegionOne").add_auth(request)
        prepared = request.prepare()
        body = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body or "").encode()
        answer = await self.conn.http.post("/ec2/", content=body, headers=dict(prepared.headers))
        if answer.status_code != 200:
            raise RuntimeError(f"{action}: {answer.status_code} {answer.text[:300]}")
        return answer.content


async def _seed(admin: Clients, demo: Clients, image_id: str, count: int) -> None:
    project = demo.token.project_id
    big = {"instances": count * 2, "cores": count * 2, "ram": count * 1024}
    await admin.compute.put(f"/os-quota-sets/{project}", {"quota_set": big})
    flavor = next(f["id"] for f in await demo.compute.flavors() if f["name"] == "m1.tiny")
    for first in range(0, count, BATCH):
        n = min(BATCH, count - first)
        await demo.compute.create_server(
            {
                "name": f"vm{first}",
                "imageRef": image_id,
                "flavorRef": flavor,
                "networks": "none",
                "min_count": n,
                "max_count": n,
            }
        )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        servers = await demo.compute.servers(limit=count + 10)
        if len(servers) >= count and all(s["status"] in ("ACTIVE", "ERROR") for s in servers):
            return
        await asyncio.sleep(1)
    raise RuntimeError("the servers did not all finish building")


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)


async def _nova_launch(demo: Clients, image_id: str, flavor: str, network: str) -> float:
    """The same launch as RunInstances makes: a port on the project's default VPC."""
    t0 = time.perf_counter()
    server = await demo.compute.create_server(
        {"name": "nova-bench", "imageRef": image_id, "flavorRef": flavor, "networks": [{"uuid": network}]}
    )
    while (await demo.compute.server(server["id"]))["status"] != "ACTIVE":
        await asyncio.sleep(0.005)
    elapsed = (time.perf_counter() - t0) * 1000
    await demo.compute.delete_server(server["id"])
    return elapsed


async def _ec2_launch(ec2: Signer, ami: str) -> float:
    t0 = time.perf_counter()
    run = await ec2("RunInstances", ImageId=ami, InstanceType="m1.tiny", MinCount=1, MaxCount=1)
    ident = run.findtext(f"{NS}instancesSet/{NS}item/{NS}instanceId") or ""
    while True:
        found = await ec2("DescribeInstances", InstanceIds=[ident])
        if found.findtext(f".//{NS}instanceState/{NS}name") == "running":
            break
        await asyncio.sleep(0.005)
    elapsed = (time.perf_counter() - t0) * 1000
    await ec2("TerminateInstances", InstanceIds=[ident])
    return elapsed


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pocketstack-bench-ec2-") as tmp:
        config = test_config(Path(tmp))
        config.compute.fake_hosts = max(1, args.instances // 60)
        async with in_process_cloud(Path(tmp), config) as cloud:
            assert cloud.cloud.dispatcher is not None
            transport = InProcessTransport(cloud.cloud.dispatcher)
            async with Connection(BASE, transport=transport, timeout=300) as conn:
                admin = conn.scoped(await conn.identity().password_token("default", "admin", "admin"))
                demo = conn.scoped(await conn.identity().password_token("default", "demo", "demo"))
                image = await admin.image.create_image("cirros", visibility="public")
                await admin.image.upload(image["id"], b"\0" * 4096)
                started = time.monotonic()
                await _seed(admin, demo, image["id"], args.instances)
                seeded = time.monotonic() - started
                made = await demo.identity.post(
                    f"/users/{demo.token.user_id}/credentials/OS-EC2", {"tenant_id": demo.token.project_id}
                )
                ec2 = Signer(conn, made["credential"]["access"], made["credential"]["secret"])
                # As `pocketstack serve` does once started: what is loaded stays out of
                # the collector's full passes.
                gc.collect()
                gc.freeze()
                t0 = time.perf_counter()
                first = await ec2.raw("DescribeInstances")
                first_ms = (time.perf_counter() - t0) * 1000
                shown = len(ElementTree.fromstring(first).findall(f".//{NS}instancesSet/{NS}item"))
                describe_ms = []
                for _ in range(args.samples):
                    t0 = time.perf_counter()
                    await ec2.raw("DescribeInstances")
                    describe_ms.append((time.perf_counter() - t0) * 1000)
                # The same listing through the Nova API (its JSON, the user's token), for scale.
                nova_list_ms = []
                for _ in range(args.samples):
                    t0 = time.perf_counter()
                    await demo.compute.request("GET", "/servers/detail", expect_json=False)
                    nova_list_ms.append((time.perf_counter() - t0) * 1000)
                regions_ms = []
                for _ in range(args.samples):
                    t0 = time.perf_counter()
                    await ec2.raw("DescribeRegions")
                    regions_ms.append((time.perf_counter() - t0) * 1000)
                ami = (await ec2("DescribeImages")).findtext(f".//{NS}imageId") or ""
                flavor = next(f["id"] for f in await demo.compute.flavors() if f["name"] == "m1.tiny")
                network = await demo.network.auto_allocated_topology(str(demo.token.project_id))
                nova_ms, ec2_ms = [], []
                for _ in range(args.launches):
                    nova_ms.append(await _nova_launch(demo, image["id"], flavor, network))
                    ec2_ms.append(await _ec2_launch(ec2, ami))
    return {
        "instances": args.instances,
        "seed_s": round(seeded, 1),
        "describe_instances_shown": shown,
        "describe_instances_first_ms": round(first_ms, 1),
        "describe_instances_p50_ms": _p50(describe_ms),
        "describe_instances_max_ms": round(max(describe_ms), 1),
        "nova_servers_detail_p50_ms": _p50(nova_list_ms),
        "describe_instances_over_nova_p50_ms": round(_p50(describe_ms) - _p50(nova_list_ms), 1),
        "describe_regions_p50_ms": _p50(regions_ms),
        "nova_launch_to_active_p50_ms": _p50(nova_ms),
        "ec2_launch_to_running_p50_ms": _p50(ec2_ms),
        "ec2_launch_overhead_p50_ms": round(_p50(ec2_ms) - _p50(nova_ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--launches", type=int, default=10)
    result = asyncio.run(run(parser.parse_args()))
    print(json.dumps(result, indent=2))
    print(
        f"DescribeInstances p50 {result['describe_instances_p50_ms']} ms ({result['describe_instances_shown']} "
        f"instances; Nova's own list {result['nova_servers_detail_p50_ms']} ms), "
        f"RunInstances overhead over Nova p50 {result['ec2_launch_overhead_p50_ms']} ms"
    )


if __name__ == "__main__":
    main()
