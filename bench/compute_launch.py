"""Launch throughput (issue #4): 500 servers by 20 concurrent clients over a real
``pocketstack up --driver fake --fake-hosts 10`` (zero boot delay).

Each client loops: POST /servers, then polls GET /servers/{id} until ACTIVE (or ERROR);
the time from the POST to the first poll that sees ACTIVE is that server's launch time.
Targets: >= 50 servers/s overall with p99 < 2 s.

Usage: python -m bench.compute_launch [--servers 500] [--clients 20] [--hosts 10] [--poll 0.05]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import httpx

from bench._cloud import RunningCloud

MV = {"OpenStack-API-Version": "compute 2.37"}


def admin_token(url: str, password: str) -> tuple[str, str]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    answer = httpx.post(f"{url}/identity/v3/auth/tokens", json=body, timeout=60)
    answer.raise_for_status()
    return answer.headers["x-subject-token"], answer.json()["token"]["project"]["id"]


def prepare(url: str, token: str, project_id: str) -> str:
    """Unlimited quota for the project and a small public image; returns the image id."""
    headers = {"X-Auth-Token": token}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        quota = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
        c.put(f"/compute/v2.1/os-quota-sets/{project_id}", json=quota).raise_for_status()
        made = c.post(
            "/image/v2/images",
            json={"name": "bench", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
        )
        made.raise_for_status()
        image_id = str(made.json()["id"])
        c.put(
            f"/image/v2/images/{image_id}/file",
            content=b"\0" * 4096,
            headers={"Content-Type": "application/octet-stream"},
        ).raise_for_status()
    return image_id


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 3) if ordered else 0.0


async def launch(url: str, token: str, image_id: str, total: int, clients: int, poll: float) -> dict[str, Any]:
    todo = list(range(total))
    times: list[float] = []
    errors: list[str] = []
    post_times: list[float] = []

    async def client() -> None:
        headers = {"X-Auth-Token": token, **MV}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as c:
            while todo:
                n = todo.pop()
                body = {"server": {"name": f"b{n}", "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
                start = time.perf_counter()
                r = await c.post("/compute/v2.1/servers", json=body)
                post_times.append(time.perf_counter() - start)
                if r.status_code != 202:
                    errors.append(f"POST {r.status_code}: {r.text[:200]}")
                    continue
                sid = r.json()["server"]["id"]
                while True:
                    shown = await c.get(f"/compute/v2.1/servers/{sid}")
                    status = shown.json()["server"]["status"] if shown.status_code == 200 else "?"
                    if status == "ACTIVE":
                        times.append(time.perf_counter() - start)
                        break
                    if status in ("ERROR", "?"):
                        errors.append(f"{sid}: {status} {shown.text[:300]}")
                        break
                    await asyncio.sleep(poll)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "servers": total,
        "clients": clients,
        "active": len(times),
        "errors": len(errors),
        "first_errors": errors[:3],
        "seconds": round(elapsed, 3),
        "servers_per_second": round(len(times) / elapsed, 2),
        "p50_s": pct(times, 0.5),
        "p99_s": pct(times, 0.99),
        "max_s": round(max(times, default=0.0), 3),
        "post_p50_s": pct(post_times, 0.5),
        "post_p99_s": pct(post_times, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--url", help="an already running cloud (for profiling); default: start one")
    parser.add_argument(
        "--password",
        default=os.environ.get("OS_PASSWORD", ""),
        help="admin's password with --url (default $OS_PASSWORD; see DATA_DIR/clouds.yaml)",
    )
    args = parser.parse_args()
    if args.url:
        token, project_id = admin_token(args.url, args.password)
        image_id = prepare(args.url, token, project_id)
        result = asyncio.run(launch(args.url, token, image_id, args.servers, args.clients, args.poll))
    else:
        env = {"POCKETSTACK_IMAGE_TINY_GUEST": "false", "POCKETSTACK_COMPUTE_FAKE_BOOT_DELAY": "0"}
        cloud = RunningCloud(extra_env=env, args=["--driver", "fake", "--fake-hosts", str(args.hosts)])
        try:
            token, project_id = admin_token(cloud.url, cloud.admin_password)
            image_id = prepare(cloud.url, token, project_id)
            time.sleep(1)  # the agents' first inventory reports
            cpu_before = cloud.cpu_seconds()
            load_before = os.getloadavg()[0]
            result = asyncio.run(launch(cloud.url, token, image_id, args.servers, args.clients, args.poll))
            result["server_cpu_seconds"] = round(cloud.cpu_seconds() - cpu_before, 2)
            result["server_rss_mb"] = round(cloud.rss_mb(), 1)
            result["loadavg_1m_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        finally:
            cloud.down()
    result.update({"benchmark": "compute_launch", "hosts": args.hosts, "poll_interval_s": args.poll})
    print(json.dumps(result, indent=2))
    ok = result["servers_per_second"] >= 50 and result["p99_s"] < 2 and not result["errors"]
    print(
        f"compute launch: {result['active']}/{args.servers} ACTIVE in {result['seconds']} s = "
        f"{result['servers_per_second']} servers/s, p50 {result['p50_s']} s, p99 {result['p99_s']} s "
        f"({args.clients} clients, {args.hosts} fake hosts) target >=50/s p99<2s: {'met' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
