"""resize, confirmResize, revertResize and cold migrate over the fake driver: the
placement allocations (new flavor for the instance, old one held by the migration
until confirm or revert), VERIFY_RESIZE, os-migrations, failure and refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pocketstack.compute.models import Flavor
from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.testing.service import auth
from tests.api.compute_support import Cloud, V, cloud, mv


async def _settle(c: Cloud, sid: str, *statuses: str, timeout: float = 10.0) -> dict[str, Any]:
    for _ in range(int(timeout / 0.02)):
        server = await c.show(sid, version="2.47")
        if server["status"] in statuses and server["OS-EXT-STS:task_state"] is None:
            return server
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {statuses}: {server['status']}/{server['OS-EXT-STS:task_state']}")


async def _held(c: Cloud, consumer: str) -> dict[str, int]:
    r = await c.client.get(
        f"/placement/allocations/{consumer}", headers=auth("admin", **{"OpenStack-API-Version": "placement 1.36"})
    )
    assert r.status_code == 200, r.text
    out: dict[str, int] = {}
    for alloc in r.json()["allocations"].values():
        for rc, n in alloc["resources"].items():
            out[rc] = out.get(rc, 0) + n
    return out


async def _migrations(c: Cloud, sid: str) -> list[dict[str, Any]]:
    r = await c.client.get(f"{V}/os-migrations?instance_uuid={sid}", headers=mv("admin", "2.59"))
    assert r.status_code == 200, r.text
    return list(r.json()["migrations"])


def _driver(c: Cloud, host: str = "fake-host") -> FakeDriver:
    driver = c.compute.agents[host].driver
    assert isinstance(driver, FakeDriver)
    return driver


async def test_resize_on_the_same_host_then_confirm(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        r = await c.action(sid, {"resize": {"flavorRef": "2"}})
        assert r.status_code == 202, r.text
        server = await _settle(c, sid, "VERIFY_RESIZE")
        assert server["flavor"]["original_name"] == "m1.small" and server["OS-EXT-STS:power_state"] == 1
        (mig,) = await _migrations(c, sid)
        assert (mig["status"], mig["migration_type"]) == ("finished", "resize")
        assert mig["source_compute"] == mig["dest_compute"] == "fake-host"
        # Nova's instance_type_id: the flavors' internal integer ids, not their flavorids.
        async with c.compute.db.reader() as s:
            ids = dict((await s.execute(select(Flavor.flavorid, Flavor.id))).all())
        assert (mig["old_instance_type_id"], mig["new_instance_type_id"]) == (ids["1"], ids["2"])
        # Both held until the resize is confirmed: the new size by the instance, the old by the migration.
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}
        assert await _held(c, mig["uuid"]) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        fake = _driver(c).instances[sid]
        assert (fake.spec.memory_mb, fake.spec.root_gb) == (2048, 20)
        assert (await c.action(sid, {"os-stop": None})).status_code == 409
        assert (await c.action(sid, {"confirmResize": None})).status_code == 204
        server = await _settle(c, sid, "ACTIVE")
        assert server["flavor"]["original_name"] == "m1.small"
        assert await _held(c, mig["uuid"]) == {}
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}
        assert (await _migrations(c, sid))[0]["status"] == "confirmed"
        assert _driver(c).instances[sid].resize_backup is None
        assert (await c.action(sid, {"confirmResize": None})).status_code == 409
        names = [
            a["action"]
            for a in (await c.client.get(f"{V}/servers/{sid}/os-instance-actions", headers=auth("demo"))).json()[
                "instanceActions"
            ]
        ]
        assert "resize" in names and "confirmResize" in names


async def test_revert_puts_the_old_flavor_and_allocation_back(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"os-stop": None})).status_code == 202
        await _settle(c, sid, "SHUTOFF")
        assert (await c.action(sid, {"resize": {"flavorRef": "3"}})).status_code == 202
        server = await _settle(c, sid, "VERIFY_RESIZE")
        assert server["OS-EXT-STS:power_state"] == 4  # it was SHUTOFF: not powered on
        (mig,) = await _migrations(c, sid)
        assert (await c.action(sid, {"revertResize": None})).status_code == 202
        server = await _settle(c, sid, "SHUTOFF")
        assert server["flavor"]["original_name"] == "m1.tiny"
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        assert await _held(c, mig["uuid"]) == {}
        assert (await _migrations(c, sid))[0]["status"] == "reverted"
        assert _driver(c).instances[sid].spec.memory_mb == 512


async def test_refusals_and_a_failed_resize(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        same = await c.action(sid, {"resize": {"flavorRef": "1"}})
        assert same.status_code == 400 and "must change flavor" in same.text
        assert (await c.action(sid, {"resize": {"flavorRef": "nope"}})).status_code == 400
        assert (await c.action(sid, {"resize": {}})).status_code == 400
        assert (await c.action(sid, {"migrate": None})).status_code == 403
        assert (await c.action(sid, {"confirmResize": None})).status_code == 409
        assert (await c.action(sid, {"revertResize": None})).status_code == 409
        # One host: a cold migration has nowhere to go (400), and nothing changed.
        nowhere = await c.action(sid, {"migrate": None}, token="admin")
        assert nowhere.status_code == 400 and "No valid host" in nowhere.text
        server = await _settle(c, sid, "ACTIVE")
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        assert (await _migrations(c, sid))[0]["status"] == "error"
        _driver(c).faults.inject("migrate_disk_and_power_off", "disk stuck")
        assert (await c.action(sid, {"resize": {"flavorRef": "2"}})).status_code == 202
        server = await _settle(c, sid, "ACTIVE")
        assert server["flavor"]["original_name"] == "m1.tiny"
        assert await _held(c, sid) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        failed = (await _migrations(c, sid))[0]
        assert failed["status"] == "error" and await _held(c, failed["uuid"]) == {}


async def test_cold_migrate_to_another_host_and_delete_while_verifying(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        sid = (await c.boot())["server"]["id"]
        source = (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"]
        r = await c.action(sid, {"migrate": None}, token="admin")
        assert r.status_code == 202, r.text
        server = await _settle(c, sid, "VERIFY_RESIZE")
        dest = server["OS-EXT-SRV-ATTR:host"]
        assert dest != source
        assert sid in _driver(c, dest).instances and _driver(c, dest).instances[sid].state == 1
        (mig,) = await _migrations(c, sid)
        assert (mig["migration_type"], mig["source_compute"], mig["dest_compute"]) == ("migration", source, dest)
        assert await _held(c, mig["uuid"]) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
        assert (await c.action(sid, {"confirmResize": None})).status_code == 204
        await _settle(c, sid, "ACTIVE")
        assert sid not in _driver(c, source).instances
        assert await _held(c, mig["uuid"]) == {}
        # Migrate back, then delete while VERIFY_RESIZE: both allocations go.
        assert (await c.action(sid, {"migrate": None}, token="admin")).status_code == 202
        await _settle(c, sid, "VERIFY_RESIZE")
        second = (await _migrations(c, sid))[0]
        assert second["dest_compute"] == source
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(sid)
        for _ in range(100):
            if await _held(c, second["uuid"]) == {} and await _held(c, sid) == {}:
                break
            await asyncio.sleep(0.02)
        assert await _held(c, second["uuid"]) == {} and await _held(c, sid) == {}


async def test_delete_mid_resize_with_the_host_down_releases_both_allocations(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"resize": {"flavorRef": "2"}})).status_code == 202
        await _settle(c, sid, "VERIFY_RESIZE")
        (mig,) = await _migrations(c, sid)
        services = (await c.client.get(f"{V}/os-services?binary=nova-compute", headers=mv("admin", "2.53"))).json()
        service_id = services["services"][0]["id"]
        down = await c.client.put(
            f"{V}/os-services/{service_id}", json={"forced_down": True}, headers=mv("admin", "2.53")
        )
        assert down.status_code == 200, down.text
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(sid)
        assert await _held(c, sid) == {} and await _held(c, mig["uuid"]) == {}


async def test_cold_migrate_to_a_named_host(tmp_path: Path) -> None:
    """2.56: an admin names the target host; it must exist and not be the server's own."""
    async with cloud(tmp_path, hosts=3) as c:
        sid = (await c.boot())["server"]["id"]
        source = (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"]
        target = next(h for h in ("fake-host-1", "fake-host-2", "fake-host-3") if h != source)
        old = await c.action(sid, {"migrate": {"host": target}}, token="admin", version="2.55")
        assert old.status_code == 400
        missing = await c.action(sid, {"migrate": {"host": "no-such-host"}}, token="admin", version="2.56")
        assert missing.status_code == 400 and "could not be found" in missing.text
        same = await c.action(sid, {"migrate": {"host": source}}, token="admin", version="2.56")
        assert same.status_code == 400
        r = await c.action(sid, {"migrate": {"host": target}}, token="admin", version="2.56")
        assert r.status_code == 202, r.text
        assert (await _settle(c, sid, "VERIFY_RESIZE"))["OS-EXT-SRV-ATTR:host"] == target
