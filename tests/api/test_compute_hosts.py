"""Hypervisors, services (heartbeats, disabling), server groups and anti-affinity at
scale, availability zones and external events."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from pocketstack.testing.service import auth
from tests.api.compute_support import V, cloud, mv


async def test_anti_affinity_ten_hosts_eleventh_errors(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=10) as c:
        r = await c.client.post(
            V + "/os-server-groups",
            headers=mv("demo", "2.64"),
            json={"server_group": {"name": "spread", "policy": "anti-affinity"}},
        )
        assert r.status_code == 200, r.text
        gid = r.json()["server_group"]["id"]
        await c.client.put(
            V + "/os-quota-sets/p-demo",
            headers=auth("admin"),
            json={"quota_set": {"instances": 20, "server_group_members": 20}},
        )
        made = await asyncio.gather(*(_boot_in_group(c, f"m{i}", gid) for i in range(10)))
        servers = [await c.wait(m["server"]["id"], "ACTIVE") for m in made]
        assert len({s["OS-EXT-SRV-ATTR:host"] for s in servers}) == 10
        last = await _boot_in_group(c, "m10", gid)
        failed = await c.wait(last["server"]["id"], "ERROR")
        assert "ServerGroupAntiAffinityFilter removed 10" in failed["fault"]["message"]
        group = await c.client.get(f"{V}/os-server-groups/{gid}", headers=mv("demo", "2.64"))
        assert len(group.json()["server_group"]["members"]) == 11


async def _boot_in_group(c, name: str, gid: str) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "server": {"name": name, "flavorRef": "1", "imageRef": c.image_id, "networks": "none"},
        "os:scheduler_hints": {"group": gid},
    }
    r = await c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37"))
    assert r.status_code == 202, r.text
    return dict(r.json())


async def test_hypervisors_services_and_disabling(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=3) as c:
        hv = await c.client.get(V + "/os-hypervisors/detail", headers=auth("admin"))
        assert len(hv.json()["hypervisors"]) == 3
        assert all(h["state"] == "up" and h["vcpus"] == 16 for h in hv.json()["hypervisors"])
        assert (await c.client.get(V + "/os-hypervisors", headers=auth("demo"))).status_code == 403
        stats = await c.client.get(V + "/os-hypervisors/statistics", headers=auth("admin"))
        assert stats.json()["hypervisor_statistics"]["count"] == 3
        services = await c.client.get(V + "/os-services", headers=mv("admin", "2.53"))
        listed = services.json()["services"]
        rows = [s for s in listed if s["binary"] == "nova-compute"]
        assert {s["host"] for s in rows} == {"fake-host-1", "fake-host-2", "fake-host-3"}
        # The scheduler and the conductor report as Nova's do: this machine, zone internal, up.
        others = {s["binary"]: s for s in listed if s["binary"] != "nova-compute"}
        assert set(others) == {"nova-scheduler", "nova-conductor"}
        for other in others.values():
            assert (other["host"], other["zone"], other["state"], other["status"]) == (
                socket.gethostname(),
                "internal",
                "up",
                "enabled",
            )
        only = await c.client.get(V + "/os-services?binary=nova-scheduler", headers=mv("admin", "2.53"))
        assert [s["binary"] for s in only.json()["services"]] == ["nova-scheduler"]
        for row in rows[:2]:
            r = await c.client.put(
                f"{V}/os-services/{row['id']}",
                headers=mv("admin", "2.53"),
                json={"status": "disabled", "disabled_reason": "maintenance"},
            )
            assert r.json()["service"]["status"] == "disabled"
        sids = [(await c.boot(f"d{i}"))["server"]["id"] for i in range(3)]
        hosts = {(await c.wait(s, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] for s in sids}
        assert hosts == {rows[2]["host"]}
        zones = await c.client.get(V + "/os-availability-zone", headers=auth("demo"))
        assert zones.json()["availabilityZoneInfo"][0]["zoneName"] == "nova"


async def test_external_events_reach_the_agent(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        agent = c.compute.agents["fake-host"]
        waiter = agent._waiter(sid, "port-1")
        body = {
            "events": [
                {"server_uuid": sid, "name": "network-vif-plugged", "tag": "port-1"},
                {"server_uuid": "00000000-0000-0000-0000-000000000000", "name": "network-changed"},
            ]
        }
        assert (
            await c.client.post(V + "/os-server-external-events", json=body, headers=auth("demo"))
        ).status_code == 403
        r = await c.client.post(V + "/os-server-external-events", json=body, headers=auth("admin"))
        assert r.status_code == 207
        assert [e["code"] for e in r.json()["events"]] == [200, 404]
        assert await asyncio.wait_for(waiter, 2) == "completed"


async def test_scheduler_and_conductor_go_down_without_heartbeats(tmp_path: Path) -> None:
    async with cloud(tmp_path, service_down_time=1.0, heartbeat_interval=60.0) as c:
        listed = await c.client.get(V + "/os-services", headers=mv("admin", "2.53"))
        states = {s["binary"]: s["state"] for s in listed.json()["services"]}
        assert states["nova-scheduler"] == states["nova-conductor"] == "up"
        await asyncio.sleep(1.3)
        listed = await c.client.get(V + "/os-services", headers=mv("admin", "2.53"))
        states = {s["binary"]: s["state"] for s in listed.json()["services"]}
        assert states["nova-scheduler"] == states["nova-conductor"] == "down"
        # Heard from again, they are up again.
        await c.compute.report_own_services()
        listed = await c.client.get(V + "/os-services", headers=mv("admin", "2.53"))
        states = {s["binary"]: s["state"] for s in listed.json()["services"]}
        assert states["nova-scheduler"] == states["nova-conductor"] == "up"
