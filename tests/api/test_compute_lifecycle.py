"""The paths that keep the database honest when hosts misbehave: an agent that dies
mid-build (heartbeats stop), a VM that vanishes behind the agent's back (power-state
sync), and the notifications of a delete carrying the request id."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.testing.service import auth
from tests.api.compute_support import V, cloud


async def test_build_on_a_host_that_stops_reporting_ends_in_error_quickly(tmp_path: Path) -> None:
    # build_timeout stays long: the heartbeat, not the general timeout, must end the build.
    async with cloud(tmp_path, heartbeat_interval=0.2, service_down_time=1.0, build_timeout=300.0) as c:
        agent = c.compute.agents["fake-host"]
        agent.driver.faults.spawn_hangs = True  # type: ignore[attr-defined]
        sid = (await c.boot())["server"]["id"]
        for _ in range(200):
            shown = await c.show(sid)
            if shown["OS-EXT-SRV-ATTR:host"]:
                break
            await asyncio.sleep(0.02)
        assert shown["status"] == "BUILD" and shown["OS-EXT-SRV-ATTR:host"] == "fake-host"
        # The agent dies: no more heartbeats, no more answers.
        for task in agent._tasks:
            task.cancel()
        loop = asyncio.get_running_loop()
        started = loop.time()
        failed = await c.wait(sid, "ERROR", timeout=30)
        # Far below build_timeout (300 s): the missed heartbeats ended it. The margin over
        # service_down_time (1 s) is for a loaded machine, not for the logic.
        assert loop.time() - started < 20
        message = failed["fault"]["message"]
        assert "fake-host stopped reporting" in message and "heartbeat" in message
        usage = await c.client.get(f"/placement/allocations/{sid}", headers=auth("admin"))
        assert usage.json()["allocations"] == {}


async def test_power_state_sync_marks_a_vanished_vm_shutoff(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        other = (await c.boot("kept"))["server"]["id"]
        await c.wait(other, "ACTIVE")
        agent = c.compute.agents["fake-host"]
        del agent.driver.instances[sid]  # type: ignore[attr-defined]
        await agent.sync_power_states()
        gone = await c.show(sid)
        assert gone["status"] == "SHUTOFF" and gone["OS-EXT-STS:power_state"] == 0
        kept = await c.show(other)
        assert kept["status"] == "ACTIVE" and kept["OS-EXT-STS:power_state"] == 1
        # A VM paused behind the agent's back: the driver is the truth for power_state.
        await agent.driver.pause(other)
        await agent.sync_power_states()
        assert (await c.show(other))["OS-EXT-STS:power_state"] == 3


async def test_delete_notifications_carry_the_request_id(tmp_path: Path) -> None:
    notes: list[dict[str, Any]] = []

    async def collect(note: dict[str, Any]) -> None:
        notes.append(note)

    async with cloud(tmp_path) as c:
        await c.runtime.bus.listen(collect)
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))
        assert r.status_code == 204
        request_id = r.headers["x-openstack-request-id"]
        await c.wait_gone(sid)
        for _ in range(100):
            if any(n["event_type"] == "instance.delete.end" for n in notes):
                break
            await asyncio.sleep(0.02)
        by_type = {n["event_type"]: n for n in notes}
        assert by_type["instance.delete.start"]["request_id"] == request_id
        end = by_type["instance.delete.end"]
        assert end["request_id"] == request_id
        assert end["payload"]["nova_object.data"]["uuid"] == sid
        assert end["payload"]["nova_object.data"]["state"] == "deleted"
        assert by_type["instance.create.end"]["request_id"] != request_id
