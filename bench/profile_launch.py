"""Profile the launch path in-process: N servers (fake driver, 10 hosts) created by 20
concurrent clients, polled every POLL seconds (env, default 0.2); prints servers/s and
the process CPU per server; with a second argument, a cProfile of pocketstack's frames.

Usage: .venv/bin/python -m bench.profile_launch 200 [prof]
"""

import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from pocketstack.testing.cloud import in_process_cloud, test_config


async def main():
    d = Path(tempfile.mkdtemp())
    cfg = test_config(d)
    cfg.compute.fake_hosts = 10
    async with in_process_cloud(d, cfg) as c:
        tok = await c.token("admin")
        H = {"X-Auth-Token": tok, "OpenStack-API-Version": "compute 2.90"}
        # an image
        r = await c.http.post(
            "/image/v2/images",
            json={"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
            headers=H,
        )
        img = r.json()["id"]
        await c.http.put(
            f"/image/v2/images/{img}/file",
            content=b"x" * 1024,
            headers={**H, "Content-Type": "application/octet-stream"},
        )
        await c.http.put(
            f"/compute/v2.1/os-quota-sets/{(await c.http.get('/identity/v3/auth/tokens', headers={**H, 'X-Subject-Token': tok})).json()['token']['project']['id']}",
            json={"quota_set": {"instances": -1, "cores": -1, "ram": -1}},
            headers=H,
        )
        flavor = (await c.http.get("/compute/v2.1/flavors", headers=H)).json()["flavors"][0]["id"]
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
        ids = []
        pr = cProfile.Profile()
        t = time.process_time()
        t0 = time.perf_counter()
        pr.enable() if len(sys.argv) > 2 else None

        async def one(i):
            r = await c.http.post(
                "/compute/v2.1/servers",
                json={"server": {"name": f"s{i}", "imageRef": img, "flavorRef": flavor, "networks": "none"}},
                headers=H,
            )
            assert r.status_code == 202, r.text
            sid = r.json()["server"]["id"]
            while True:
                s = (await c.http.get(f"/compute/v2.1/servers/{sid}", headers=H)).json()["server"]
                if s["status"] in ("ACTIVE", "ERROR"):
                    return s["status"]
                await asyncio.sleep(float(__import__("os").environ.get("POLL", "0.2")))

        sem = asyncio.Semaphore(20)

        async def bounded(i):
            async with sem:
                return await one(i)

        res = await asyncio.gather(*(bounded(i) for i in range(n)))
        pr.disable()
        print(
            res.count("ACTIVE"),
            "active;",
            round(n / (time.perf_counter() - t0), 1),
            "servers/s;",
            round((time.process_time() - t) / n * 1e3, 1),
            "ms CPU/server",
        )
        pstats.Stats(pr).sort_stats("cumulative").print_stats("pocketstack", 45) if len(sys.argv) > 2 else None


asyncio.run(main())
