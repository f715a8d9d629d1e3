"""Profile the launch path in-process: N servers (fake driver, 10 hosts) created by 20
concurrent clients, polled every POLL seconds (env, default 0.2); prints servers/s and
the process CPU per server; with a second argument, a cProfile of pocketstack's frames.

Usage: .venv/bin/python -m bench.profile_launch 200 [prof]
"""

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from pocketstack.testing.cloud import in_process_cloud, test_config

POLL = float(os.environ.get("POLL", "0.2"))


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp())
    config = test_config(data_dir)
    config.compute.fake_hosts = 10
    async with in_process_cloud(data_dir, config) as c:
        token = await c.token("admin")
        h = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.90"}
        image = {"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
        image_id = (await c.http.post("/image/v2/images", json=image, headers=h)).json()["id"]
        upload = {**h, "Content-Type": "application/octet-stream"}
        await c.http.put(f"/image/v2/images/{image_id}/file", content=b"x" * 1024, headers=upload)
        who = await c.http.get("/identity/v3/auth/tokens", headers={**h, "X-Subject-Token": token})
        project = who.json()["token"]["project"]["id"]
        unlimited = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
        await c.http.put(f"/compute/v2.1/os-quota-sets/{project}", json=unlimited, headers=h)
        flavor = (await c.http.get("/compute/v2.1/flavors", headers=h)).json()["flavors"][0]["id"]
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
        profile = cProfile.Profile() if len(sys.argv) > 2 else None

        async def one(i: int) -> str:
            body = {"server": {"name": f"s{i}", "imageRef": image_id, "flavorRef": flavor, "networks": "none"}}
            answer = await c.http.post("/compute/v2.1/servers", json=body, headers=h)
            assert answer.status_code == 202, answer.text
            server_id = answer.json()["server"]["id"]
            while True:
                server = (await c.http.get(f"/compute/v2.1/servers/{server_id}", headers=h)).json()["server"]
                if server["status"] in ("ACTIVE", "ERROR"):
                    return str(server["status"])
                await asyncio.sleep(POLL)

        slots = asyncio.Semaphore(20)

        async def bounded(i: int) -> str:
            async with slots:
                return await one(i)

        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        results = await asyncio.gather(*(bounded(i) for i in range(n)))
        if profile:
            profile.disable()
        print(
            f"{results.count('ACTIVE')} active; {n / (time.perf_counter() - wall):.1f} servers/s; "
            f"{(time.process_time() - cpu) / n * 1e3:.1f} ms CPU/server"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats("pocketstack", 45)


if __name__ == "__main__":
    asyncio.run(main())
