"""Dashboard render costs (issue #12), the whole cloud in-process (fake driver):
the Instances page with N instances (default page size), the topology's data and
drawing for 50 networks, 20 routers and N instances, and the Instances page's weight.
Targets: Instances page p50 < 150 ms; topology data < 300 ms.

Everything is made through the public APIs with ``pocketstack.client`` (as the
dashboard itself works): a demo project with raised quotas, networks with subnets,
routers from an external network, servers launched 50 at a time.

Usage: python -m bench.dashboard [--instances 500] [--networks 50] [--routers 20] [--samples 20] [--svg FILE]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pocketstack.client import Clients, Connection
from pocketstack.dashboard import topology
from pocketstack.testing.cloud import BASE, in_process_cloud, test_config
from pocketstack.web.transport import InProcessTransport

BATCH = 50


async def _seed(admin: Clients, demo: Clients, args: argparse.Namespace) -> None:
    project = demo.token.project_id
    big = {"instances": args.instances * 2, "cores": args.instances * 2, "ram": args.instances * 1024}
    await admin.compute.put(f"/os-quota-sets/{project}", {"quota_set": big})
    quota = {"network": args.networks + 10, "subnet": args.networks + 10, "router": args.routers + 5}
    await admin.network.put(f"/quotas/{project}", {"quota": {**quota, "port": args.instances * 2 + 500}})
    image = await admin.image.create_image("cirros", visibility="public")
    await admin.image.upload(image["id"], b"\0" * 4096)
    public = await admin.network.create_network("public", **{"router:external": True})
    await admin.network.create_subnet(public["id"], "172.24.0.0/16")
    networks = []
    for i in range(args.networks):
        net = await demo.network.create_network(f"net{i}")
        subnet = await demo.network.create_subnet(net["id"], f"10.{i // 250}.{i % 250}.0/24")
        networks.append(net["id"])
        if i < args.routers:
            router = await demo.network.create_router(f"router{i}", public["id"])
            await demo.network.add_router_interface(router["id"], subnet["id"])
    flavor = next(f["id"] for f in await demo.compute.flavors() if f["name"] == "m1.tiny")
    for first in range(0, args.instances, BATCH):
        count = min(BATCH, args.instances - first)
        await demo.compute.create_server(
            {
                "name": f"vm{first}",
                "imageRef": image["id"],
                "flavorRef": flavor,
                "networks": [{"uuid": networks[(first // BATCH) % len(networks)]}],
                "min_count": count,
                "max_count": count,
            }
        )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        servers = await demo.compute.servers(limit=args.instances + 10)
        if all(s["status"] in ("ACTIVE", "ERROR") for s in servers) and len(servers) >= args.instances:
            return
        await asyncio.sleep(1)
    raise RuntimeError("the servers did not all finish building")


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pocketstack-bench-dashboard-") as tmp:
        config = test_config(Path(tmp))
        # A fake host holds ~90 m1.tiny (32 GB of RAM at 1.5): room for every instance.
        config.compute.fake_hosts = max(1, args.instances // 60)
        async with in_process_cloud(Path(tmp), config) as cloud:
            assert cloud.cloud.dispatcher is not None
            transport = InProcessTransport(cloud.cloud.dispatcher)
            async with Connection(BASE, transport=transport) as conn:
                admin = conn.scoped(await conn.identity().password_token("default", "admin", "admin"))
                demo_token = await conn.identity().password_token("default", "demo", "demo")
                demo = conn.scoped(demo_token)
                started = time.monotonic()
                await _seed(admin, demo, args)
                seeded = time.monotonic() - started
                active = sum(
                    1 for v in await demo.compute.servers(limit=args.instances + 10) if v["status"] == "ACTIVE"
                )
                async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=60) as web:
                    form = await web.get("/dashboard/login")
                    login = re.search(r'name="login_token" value="([^"]+)"', form.text)
                    assert login
                    data = {"login_token": login.group(1), "domain": "default", "user": "demo", "password": "demo"}
                    assert (await web.post("/dashboard/login", data=data)).status_code == 303
                    page_ms, svg_ms, graph_ms = [], [], []
                    page = b""
                    for _ in range(args.samples):
                        t0 = time.perf_counter()
                        answer = await web.get("/dashboard/instances")
                        page_ms.append((time.perf_counter() - t0) * 1000)
                        assert answer.status_code == 200
                        page = answer.content
                        t0 = time.perf_counter()
                        drawing = await web.get("/dashboard/topology.svg")
                        svg_ms.append((time.perf_counter() - t0) * 1000)
                        assert drawing.status_code == 200
                        t0 = time.perf_counter()
                        graph = await topology.graph(demo)
                        graph_ms.append((time.perf_counter() - t0) * 1000)
                    if args.svg:
                        Path(args.svg).write_bytes(drawing.content)
                    static = 0
                    for name in ("app.js", "app.css"):
                        static += len((await web.get(f"/dashboard/static/{name}")).content)
    return {
        "instances": args.instances,
        "networks": args.networks,
        "routers": args.routers,
        "seed_s": round(seeded, 1),
        "active": active,
        "instances_page_p50_ms": _p50(page_ms),
        "instances_page_max_ms": round(max(page_ms), 1),
        "topology_data_p50_ms": _p50(graph_ms),
        "topology_svg_p50_ms": _p50(svg_ms),
        "topology_nodes": len(graph.nodes),
        "topology_drawn_nodes": len(topology.grouped(graph).nodes),
        "topology_svg_bytes": len(drawing.content),
        "instances_page_bytes": len(page),
        "static_bytes": static,
        "page_weight_bytes": len(page) + static,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--networks", type=int, default=50)
    parser.add_argument("--routers", type=int, default=20)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--svg", default="", help="write the topology drawing (as the page shows it) to this file")
    result = asyncio.run(run(parser.parse_args()))
    print(json.dumps(result, indent=2))
    print(
        f"instances page p50 {result['instances_page_p50_ms']} ms, topology data p50 "
        f"{result['topology_data_p50_ms']} ms ({result['instances']} instances), "
        f"page weight {result['page_weight_bytes'] / 1024:.1f} KB"
    )


if __name__ == "__main__":
    main()
