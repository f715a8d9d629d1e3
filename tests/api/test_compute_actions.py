"""Server actions over the bus to the agent: power states, reboot, lock, console output,
and the instance actions/events they leave behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pocketstack.testing.service import auth
from tests.api.compute_support import V, cloud, mv


async def _settle(c, sid: str, status: str) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(200):
        server = await c.show(sid)
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return dict(server)
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {status}")


async def test_power_actions_round_trip(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        steps = [
            ({"os-stop": None}, "SHUTOFF", 4),
            ({"os-start": None}, "ACTIVE", 1),
            ({"pause": None}, "PAUSED", 3),
            ({"unpause": None}, "ACTIVE", 1),
            ({"suspend": None}, "SUSPENDED", 7),
            ({"resume": None}, "ACTIVE", 1),
            ({"reboot": {"type": "HARD"}}, "ACTIVE", 1),
            ({"reboot": {"type": "SOFT"}}, "ACTIVE", 1),
        ]
        for body, status, power in steps:
            r = await c.action(sid, body)
            assert r.status_code == 202, r.text
            server = await _settle(c, sid, status)
            assert server["OS-EXT-STS:power_state"] == power
        wrong = await c.action(sid, {"os-start": None})
        assert wrong.status_code == 409
        assert "vm_state active" in wrong.json()["conflictingRequest"]["message"]
        assert (await c.action(sid, {"reboot": {"type": "GENTLE"}})).status_code == 400
        assert (await c.action(sid, {"explode": None})).status_code == 400
        actions = await c.client.get(f"{V}/servers/{sid}/os-instance-actions", headers=auth("demo"))
        names = [a["action"] for a in actions.json()["instanceActions"]]
        assert names.count("reboot") == 2 and "create" in names and "stop" in names
        create = next(a for a in actions.json()["instanceActions"] if a["action"] == "create")
        shown = await c.client.get(
            f"{V}/servers/{sid}/os-instance-actions/{create['request_id']}", headers=mv("admin", "2.62")
        )
        events = {e["event"]: e for e in shown.json()["instanceAction"]["events"]}
        assert events["compute__do_build_and_run_instance"]["result"] == "Success"
        assert events["compute__do_build_and_run_instance"]["host"] == "fake-host"


async def test_lock_blocks_owner_but_not_admin(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, {"lock": {"locked_reason": "maintenance"}}, version="2.73")
        assert r.status_code == 202
        server = await c.show(sid, version="2.73")
        assert server["locked"] is True and server["locked_reason"] == "maintenance"
        assert (await c.action(sid, {"os-stop": None})).status_code == 409
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 409
        assert (await c.action(sid, {"os-stop": None}, token="admin")).status_code == 202
        await _settle(c, sid, "SHUTOFF")
        assert (await c.action(sid, {"unlock": None})).status_code == 202
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(sid)


async def test_console_output(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot("console-vm"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        # Nova's tail counts the pieces of the log split on newlines: the log ends in a
        # newline, so its last 2 pieces are the last line and an empty one.
        r = await c.action(sid, {"os-getConsoleOutput": {"length": 2}})
        assert r.status_code == 200
        assert r.json()["output"] == "pocketstack guest up: addresses none\n"
        assert len(r.json()["output"].split("\n")) == 2
        full = await c.action(sid, {"os-getConsoleOutput": {}})
        assert "booting console-vm" in full.json()["output"]
        assert (await c.action(sid, {"os-getConsoleOutput": {"length": "x"}})).status_code == 400
        assert (await c.action(sid, {"os-getConsoleOutput": {}}, token="alt")).status_code == 404


async def test_trigger_crash_dump(tmp_path: Path) -> None:
    from pocketstack.compute.virt.fake import FakeDriver

    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"trigger_crash_dump": None})).status_code == 400  # needs 2.17
        assert (await c.action(sid, {"trigger_crash_dump": {}}, version="2.17")).status_code == 400
        assert (await c.action(sid, {"trigger_crash_dump": None}, version="2.17")).status_code == 202
        driver = c.compute.agents["fake-host"].driver
        assert isinstance(driver, FakeDriver)
        for _ in range(100):
            if driver.instances[sid].nmis:
                break
            await asyncio.sleep(0.02)
        assert driver.instances[sid].nmis == 1
        assert (await c.action(sid, {"os-stop": None})).status_code == 202
        await _settle(c, sid, "SHUTOFF")
        stopped = await c.action(sid, {"trigger_crash_dump": None}, version="2.17")
        assert stopped.status_code == 409
