"""Servers over the whole launch flow (API → conductor → scheduler with placement →
agent on the fake driver): create to ACTIVE, show, list, delete, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pocketstack.testing.service import auth
from tests.api.compute_support import V, cloud, mv


async def test_create_reaches_active_and_delete_releases(tmp_path: Path) -> None:
    notes: list[dict[str, Any]] = []
    async with cloud(tmp_path) as c:
        await c.runtime.bus.listen(lambda n: _collect(notes, n))
        made = await c.boot("web-1", metadata={"role": "web"})
        sid = made["server"]["id"]
        assert made["server"]["adminPass"]
        server = await c.wait(sid, "ACTIVE")
        assert server["OS-EXT-STS:vm_state"] == "active" and server["OS-EXT-STS:power_state"] == 1
        assert server["OS-EXT-SRV-ATTR:host"] == "fake-host"
        assert server["metadata"] == {"role": "web"}
        assert server["flavor"]["id"] == "1" and server["image"]["id"] == c.image_id
        # placement holds the allocation of this consumer
        usage = await c.client.get(f"/placement/allocations/{sid}", headers=auth("admin"))
        resources = next(iter(usage.json()["allocations"].values()))["resources"]
        assert resources == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        assert sid in c.compute.agents["fake-host"].driver.instances  # type: ignore[attr-defined]
        events = {n["event_type"] for n in notes}
        assert {"instance.create.start", "instance.create.end"} <= events
        r = await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))
        assert r.status_code == 204
        await c.wait_gone(sid)
        assert sid not in c.compute.agents["fake-host"].driver.instances  # type: ignore[attr-defined]
        usage = await c.client.get(f"/placement/allocations/{sid}", headers=auth("admin"))
        assert usage.json()["allocations"] == {}


async def _collect(notes: list[dict[str, Any]], note: dict[str, Any]) -> None:
    notes.append(note)


async def test_trace_and_instance_actions_recorded(tmp_path: Path) -> None:
    from pocketstack.compute.service import trace_server

    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        spans = await trace_server(c.runtime, sid)
        hops = [s["hop"] for s in spans]
        assert hops[0].startswith("compute API: POST /servers")
        for expected in (
            "placement: allocation candidates",
            "filters",
            "weighers",
            "placement: claim",
            "agent → image API: image details",
            "driver: spawn",
            "conductor: state → ACTIVE",
        ):
            assert expected in hops
        assert len({s["request_id"] for s in spans}) == 1
        assert all(s["duration_ms"] >= 0 for s in spans)


async def test_bad_create_requests_are_clear_4xx(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        r = await c.client.post(
            V + "/servers",
            json={"server": {"name": "x", "flavorRef": "1", "imageRef": c.image_id}},
            headers=mv("demo", "2.37"),
        )
        assert r.status_code == 400 and "networks" in r.json()["badRequest"]["message"]
        for patch, words in (
            ({"flavorRef": "nope"}, "Flavor nope"),
            ({"imageRef": "00000000-0000-0000-0000-000000000000"}, "could not be found"),
            ({"key_name": "missing"}, "key_name"),
        ):
            body = await c.client.post(
                V + "/servers",
                headers=mv("demo", "2.37"),
                json={"server": {"name": "x", "flavorRef": "1", "imageRef": c.image_id, "networks": "none", **patch}},
            )
            assert body.status_code == 400, body.text
            assert words in body.json()["badRequest"]["message"]
        assert (await c.client.post(V + "/servers", content=b"{", headers=auth("demo"))).status_code == 400
        assert (await c.client.post(V + "/servers", json={"server": {}}, headers=auth("demo"))).status_code == 400
        reader = await c.client.post(
            V + "/servers",
            headers=mv("reader", "2.37"),
            json={"server": {"name": "x", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"}},
        )
        assert reader.status_code == 403


async def test_flavor_too_large_ends_in_error_naming_the_filter(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=3) as c:
        r = await c.client.post(
            V + "/flavors",
            headers=auth("admin"),
            json={"flavor": {"name": "huge", "id": "huge", "ram": 999999, "vcpus": 1, "disk": 1}},
        )
        assert r.status_code == 200
        r = await c.client.put(V + "/os-quota-sets/p-demo", json={"quota_set": {"ram": -1}}, headers=auth("admin"))
        assert r.status_code == 200
        sid = (await c.boot(flavorRef="huge"))["server"]["id"]
        server = await c.wait(sid, "ERROR")
        assert "No valid host was found" in server["fault"]["message"]
        assert "3 hosts: RamFilter removed 3" in server["fault"]["message"]
        assert server["fault"]["code"] == 500
        r = await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))
        assert r.status_code == 204
        await c.wait_gone(sid)


async def test_spawn_failure_reschedules_then_errors(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        for agent in c.compute.agents.values():
            agent.driver.faults.spawn_failures = 1  # type: ignore[attr-defined]
        sid = (await c.boot())["server"]["id"]
        server = await c.wait(sid, "ERROR")
        message = server["fault"]["message"]
        assert "exceeded maximum number of retries" in message and "injected spawn failure" in message
        assert all(not a.driver.instances for a in c.compute.agents.values())  # type: ignore[attr-defined]
        usage = await c.client.get(f"/placement/allocations/{sid}", headers=auth("admin"))
        assert usage.json()["allocations"] == {}
        # one host fails once, the other is fine: the build is rescheduled and succeeds
        next(iter(c.compute.agents.values())).driver.faults.spawn_failures = 1  # type: ignore[attr-defined]
        other = (await c.boot("second"))["server"]["id"]
        assert (await c.wait(other, "ACTIVE"))["status"] == "ACTIVE"


async def test_hung_spawn_times_out_into_error(tmp_path: Path) -> None:
    async with cloud(tmp_path, build_timeout=1.5) as c:
        c.compute.agents["fake-host"].driver.faults.spawn_hangs = True  # type: ignore[attr-defined]
        sid = (await c.boot())["server"]["id"]
        server = await c.wait(sid, "ERROR", timeout=5)
        assert "Build timed out" in server["fault"]["message"]


async def test_delete_while_building_is_not_resurrected(tmp_path: Path) -> None:
    async with cloud(tmp_path, fake_boot_delay=0.3) as c:
        sid = (await c.boot())["server"]["id"]
        assert (await c.show(sid))["status"] == "BUILD"
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(sid)
        import asyncio

        await asyncio.sleep(0.6)
        r = await c.client.get(f"{V}/servers/{sid}", headers=auth("admin"))
        assert r.status_code == 404
        assert not c.compute.agents["fake-host"].driver.instances  # type: ignore[attr-defined]
        usage = await c.client.get(f"/placement/allocations/{sid}", headers=auth("admin"))
        assert usage.json()["allocations"] == {}


@pytest.mark.parametrize("count", [6])
async def test_concurrent_creates_over_quota_exactly_quota_succeed(tmp_path: Path, count: int) -> None:
    import asyncio

    async with cloud(tmp_path) as c:
        r = await c.client.put(V + "/os-quota-sets/p-demo", json={"quota_set": {"instances": 3}}, headers=auth("admin"))
        assert r.status_code == 200
        body = {"server": {"name": "q", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"}}
        answers = await asyncio.gather(
            *(c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37")) for _ in range(count))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [202] * 3 + [403] * (count - 3)
        refused = next(a for a in answers if a.status_code == 403)
        assert "instances" in refused.json()["forbidden"]["message"]


async def test_list_filters_and_pagination(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        ids = [(await c.boot(f"node-{i}"))["server"]["id"] for i in range(4)]
        other = (await c.boot("alt-box", token="alt"))["server"]["id"]
        for sid in [*ids, other]:
            await c.wait(sid, "ACTIVE")
        mine = await c.client.get(V + "/servers", headers=auth("demo"))
        assert {s["id"] for s in mine.json()["servers"]} == set(ids)
        page = await c.client.get(V + "/servers?limit=2", headers=auth("demo"))
        first = [s["id"] for s in page.json()["servers"]]
        assert len(first) == 2 and "servers_links" in page.json()
        rest = await c.client.get(f"{V}/servers?limit=10&marker={first[-1]}", headers=auth("demo"))
        assert len(rest.json()["servers"]) == 2 and not set(first) & {s["id"] for s in rest.json()["servers"]}
        named = await c.client.get(V + "/servers/detail?name=node-[12]", headers=auth("demo"))
        assert sorted(s["name"] for s in named.json()["servers"]) == ["node-1", "node-2"]
        assert (await c.client.get(V + "/servers?all_tenants=1", headers=auth("demo"))).status_code == 403
        everyone = await c.client.get(V + "/servers?all_tenants=1", headers=auth("admin"))
        assert len(everyone.json()["servers"]) == 5
        assert (await c.client.get(f"{V}/servers/{other}", headers=auth("demo"))).status_code == 404
        bad = await c.client.get(V + "/servers?status=BOGUS", headers=mv("demo", "2.38"))
        assert bad.status_code == 400
