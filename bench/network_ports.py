"""Port creation with IP allocation, over a real uvicorn on 127.0.0.1 with SQLite.

1,000 ports created by 20 concurrent clients on one network with one /22 subnet
(target >= 200 ports/s), reporting throughput, p50/p99 latency, errors, and a check that
every port got a distinct address. Then, port by port, the time from the binding request
(PUT binding:host_id) to ``network-vif-plugged`` arriving at compute, through the bus,
the in-process agent and the ``fake`` backend: the control-plane share of the issue's
"bind to DHCP entry live and vif-plugged sent" target (p50 < 200 ms); the linuxbridge
backend adds its own data-plane time on top.

Usage: python bench/network_ports.py [--ports N] [--clients N]
Prints one JSON document, then a one-line summary. The network service runs alone in a
child process (``--serve``, StaticAuthenticator, token ``admin``) so that clients and
server do not share an event loop or a core's time slice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HEADERS = {"X-Auth-Token": "admin"}


def serve(port: int, data_dir: str) -> None:
    """Child process: the network service alone behind uvicorn."""
    import uvicorn

    from pocketstack.bus.memory import MemoryBus
    from pocketstack.common.config import Config
    from pocketstack.db import migrate
    from pocketstack.network.service import NetworkService
    from pocketstack.runtime import Runtime
    from pocketstack.testing.auth import StaticAuthenticator
    from pocketstack.web import Request, Response, Route, ServiceApp, json_response
    from pocketstack.web.app import Dispatcher

    arrivals: dict[str, float] = {}

    async def external_events(request: Request) -> Response:
        for event in (await request.json())["events"]:
            arrivals[event["tag"]] = time.time()
        return json_response({"events": []})

    async def seen(request: Request) -> Response:
        return json_response(arrivals)

    async def main() -> None:
        cfg = Config(data_dir=Path(data_dir))
        bus = MemoryBus()
        await bus.start()
        runtime = Runtime(cfg, bus, StaticAuthenticator())
        service = NetworkService(runtime)
        await migrate.upgrade(runtime.database(service.name), service.name, service.migrations)  # type: ignore[arg-type]
        # A stand-in for compute's os-server-external-events that notes when each event arrives.
        compute = ServiceApp(
            "compute",
            [
                Route("POST", "/v2.1/os-server-external-events", external_events),
                Route("GET", "/v2.1/bench-arrivals", seen),
            ],
            error_format="nova",
            authenticator=runtime.authenticator,
        )
        app: Any = Dispatcher({"network": service.app, "compute": compute})
        runtime.transport = httpx.ASGITransport(app=app)
        runtime.base_url = "http://pocketstack.bench"
        await service.start()
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                http="httptools",
                lifespan="off",
                access_log=False,
                log_level="warning",
                backlog=1024,
            )
        )
        try:
            await server.serve()
        finally:
            await service.stop()
            await runtime.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass  # the parent's SIGINT: uvicorn shut down cleanly and re-raised it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self) -> None:
        self.data_dir = tempfile.mkdtemp(prefix="pocketstack-bench-net-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port), self.data_dir])

    async def wait(self) -> None:
        async with httpx.AsyncClient(timeout=2) as c:
            for _ in range(300):
                try:
                    if (await c.get(f"{self.url}/network/")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the network service did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2)


async def bind_to_vif_plugged(url: str, count: int) -> dict[str, Any]:
    """Bind ports one at a time; time from the request to the event reaching compute."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as c:
        # Its own network: the port-creation run may have filled the /22.
        net = (await c.post("/network/v2.0/networks", json={"network": {"name": "bind"}})).json()["network"]
        body = {"subnet": {"network_id": net["id"], "cidr": "10.65.0.0/16", "ip_version": 4}}
        (await c.post("/network/v2.0/subnets", json=body)).raise_for_status()
        for n in range(count):
            body = {"port": {"network_id": net["id"], "device_id": f"vm-{n}", "device_owner": "compute:nova"}}
            created = await c.post("/network/v2.0/ports", json=body)
            created.raise_for_status()
            port = created.json()["port"]
            start = time.time()
            r = await c.put(f"/network/v2.0/ports/{port['id']}", json={"port": {"binding:host_id": "bench-host"}})
            r.raise_for_status()
            for _ in range(5000):
                arrivals = (await c.get("/compute/v2.1/bench-arrivals")).json()
                if port["id"] in arrivals:
                    latencies.append(arrivals[port["id"]] - start)
                    break
                await asyncio.sleep(0.001)
            else:
                raise RuntimeError(f"no network-vif-plugged for port {port['id']}")
    return {"binds": count, "p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99), "backend": "fake"}


async def run(total: int, clients: int, binds: int) -> dict[str, Any]:
    server = Server()
    try:
        await server.wait()
        async with httpx.AsyncClient(base_url=server.url, headers=HEADERS, timeout=60) as c:
            r = await c.put("/network/v2.0/quotas/p-admin", json={"quota": {"port": -1}})
            r.raise_for_status()
            net = (await c.post("/network/v2.0/networks", json={"network": {"name": "bench"}})).json()["network"]
            r = await c.post(
                "/network/v2.0/subnets",
                json={"subnet": {"network_id": net["id"], "cidr": "10.64.0.0/22", "ip_version": 4}},
            )
            r.raise_for_status()
        times: list[float] = []
        statuses: dict[int, int] = {}
        addresses: list[str] = []
        remaining = list(range(total))

        async def worker() -> None:
            async with httpx.AsyncClient(base_url=server.url, headers=HEADERS, timeout=60) as own:
                while remaining:
                    remaining.pop()
                    start = time.perf_counter()
                    resp = await own.post("/network/v2.0/ports", json={"port": {"network_id": net["id"]}})
                    times.append(time.perf_counter() - start)
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                    if resp.status_code == 201:
                        addresses.extend(ip["ip_address"] for ip in resp.json()["port"]["fixed_ips"])

        cpu_before = server.cpu_seconds()
        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(clients)])
        elapsed = time.perf_counter() - start
        server_cpu = server.cpu_seconds() - cpu_before
        load = os.getloadavg()[0]
        bind = await bind_to_vif_plugged(server.url, binds)
    finally:
        server.stop()
    return {
        "ports": total,
        "clients": clients,
        "subnet": "10.64.0.0/22",
        "seconds": round(elapsed, 3),
        "ports_per_second": round(total / elapsed, 1),
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
        "max_ms": round(max(times) * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": sum(n for code, n in statuses.items() if code != 201),
        "duplicate_addresses": len(addresses) - len(set(addresses)),
        # CPU the server spent per port: what the rate would be on an idle core.
        "server_cpu_ms_per_port": round(server_cpu / total * 1000, 2),
        "load_average_1m_after": round(load, 2),
        "bind_to_vif_plugged": bind,
        "database": "sqlite (WAL)",
        "cpus": os.cpu_count(),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ports", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--binds", type=int, default=100)
    args = parser.parse_args()
    result = asyncio.run(run(args.ports, args.clients, args.binds))
    print(json.dumps(result, indent=2))
    print(
        f"network ports: {result['ports_per_second']}/s for {result['ports']} ports by {result['clients']} clients "
        f"on a /22 (target >=200/s), p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"{result['errors']} errors, {result['duplicate_addresses']} duplicate addresses, "
        f"server CPU {result['server_cpu_ms_per_port']} ms/port, load {result['load_average_1m_after']}; "
        f"bind to vif-plugged (fake backend) p50 {result['bind_to_vif_plugged']['p50_ms']} ms "
        f"p99 {result['bind_to_vif_plugged']['p99_ms']} ms"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
