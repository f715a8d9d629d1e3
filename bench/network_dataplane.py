"""Port bind -> DHCP entry live in dnsmasq and network-vif-plugged sent, on the real
``linuxbridge`` data plane (needs root).

The network service (in-process bus, SQLite) and one host agent on the linuxbridge backend
run in this process. For each of N ports: ``PUT binding:host_id`` through the API, then
timed until (a) dnsmasq has re-read its hosts file after the bind (a new "read HOSTS" line
in its log: the SIGHUP after the entry was written took effect) and (b) the service sent
``network-vif-plugged`` (its notifier was called). Target: p50 of (b) < 200 ms.

Usage: sudo python bench/network_dataplane.py [--ports N]
Prints one JSON document, then a one-line summary. Everything it made (namespaces,
bridges, taps, dnsmasq) is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pocketstack.network.agent.linuxbridge import LinuxBridgeBackend, cleanup_all
from pocketstack.network.agent.linuxbridge.dhcp import DhcpServer
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.service import NetworkService
from pocketstack.testing.service import auth, running_services

HOST = "bench-host"


class Clock:
    """Notifier that timestamps every network-vif-plugged it is asked to send."""

    def __init__(self) -> None:
        self.plugged: dict[str, float] = {}

    async def send(self, events: list[dict[str, Any]]) -> bool:
        now = time.perf_counter()
        for event in events:
            if event["name"] == "network-vif-plugged":
                self.plugged[event["tag"]] = now
        return True


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/network/v2.0/{path}", json=body, headers=auth("admin"))
    r.raise_for_status()
    return dict(r.json())


async def run(count: int, data_dir: Path) -> dict[str, Any]:
    clock = Clock()
    factory = [lambda rt: NetworkService(rt, clock, local_agents=False)]
    async with running_services(factory, data_dir) as (runtime, _services, client):  # type: ignore[arg-type]
        backend = LinuxBridgeBackend(HOST, data_dir)
        agent = NetworkAgent(runtime.bus, HOST, backend)
        try:
            await agent.start()
            net = (await post(client, "networks", {"network": {"name": "bench"}}))["network"]
            await post(
                client, "subnets", {"subnet": {"network_id": net["id"], "cidr": "10.60.0.0/22", "ip_version": 4}}
            )
            server = DhcpServer(backend.names, net["id"])
            log = server.dir / "log"
            to_dhcp: list[float] = []
            to_vif: list[float] = []
            for i in range(count):
                port = (
                    await post(
                        client,
                        "ports",
                        {"port": {"network_id": net["id"], "device_id": f"server-{i}", "device_owner": "compute:nova"}},
                    )
                )["port"]
                reads = _reads(log, server.hosts_file)
                start = time.perf_counter()
                r = await client.put(
                    f"/network/v2.0/ports/{port['id']}",
                    json={"port": {"binding:host_id": HOST}},
                    headers=auth("admin"),
                )
                r.raise_for_status()
                live: float | None = None
                while live is None or port["id"] not in clock.plugged:
                    if live is None and _reads(log, server.hosts_file) > reads:
                        live = time.perf_counter()
                    await asyncio.sleep(0.001)
                    if time.perf_counter() - start > 10:
                        raise RuntimeError(f"port {i} not live after 10 s")
                assert port["mac_address"] in server.hosts_in_place()
                to_dhcp.append(live - start)
                to_vif.append(clock.plugged[port["id"]] - start)
        finally:
            await agent.stop()
            await backend.cleanup()
            await cleanup_all(data_dir)
    return {
        "benchmark": "network_dataplane",
        "backend": "linuxbridge",
        "ports": count,
        "bind_to_dhcp_live": stats(to_dhcp),
        "bind_to_vif_plugged": stats(to_vif),
        "target_p50_ms": 200,
    }


def _reads(log: Path, hosts: Path) -> int:
    try:
        return log.read_text().count(f"read {hosts}")
    except OSError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, default=50)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("network_dataplane: needs root (network namespaces, dnsmasq)")
    with tempfile.TemporaryDirectory(prefix="ps-bench-net-") as tmp:
        result = asyncio.run(run(args.ports, Path(tmp)))
    print(json.dumps(result, indent=2))
    d, v = result["bind_to_dhcp_live"], result["bind_to_vif_plugged"]
    print(
        f"network_dataplane: {result['ports']} binds, DHCP entry live p50 {d['p50_ms']} ms, "
        f"network-vif-plugged p50 {v['p50_ms']} ms (p90 {v['p90_ms']} ms; target p50 < 200 ms)"
    )


if __name__ == "__main__":
    main()
