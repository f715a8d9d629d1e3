"""createImage (a snapshot uploaded to the image service) and rebuild, over the fake
driver: state checks, the image record, the upload, failure cleanup, and the server
built again from a new image."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.compute.virt.fake import FakeDriver
from pocketstack.testing.service import auth
from tests.api.compute_support import Cloud, V, cloud, make_image, mv


async def _settle(c: Cloud, sid: str, *statuses: str) -> dict[str, Any]:
    for _ in range(400):
        server = await c.show(sid)
        if server["status"] in statuses and server["OS-EXT-STS:task_state"] is None:
            return server
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {statuses}")


async def _image(c: Cloud, image_id: str, token: str = "demo") -> tuple[int, dict[str, Any]]:
    r = await c.client.get(f"/image/v2/images/{image_id}", headers=auth(token))
    return r.status_code, (r.json() if r.status_code == 200 else {})


async def _events(c: Cloud, sid: str, action: str) -> list[dict[str, Any]]:
    listed = await c.client.get(f"{V}/servers/{sid}/os-instance-actions", headers=auth("demo"))
    found = [a for a in listed.json()["instanceActions"] if a["action"] == action]
    assert found, listed.json()
    shown = await c.client.get(
        f"{V}/servers/{sid}/os-instance-actions/{found[0]['request_id']}", headers=mv("admin", "2.62")
    )
    return list(shown.json()["instanceAction"]["events"])


def _driver(c: Cloud) -> FakeDriver:
    driver = c.compute.agents["fake-host"].driver
    assert isinstance(driver, FakeDriver)
    return driver


async def test_create_image_uploads_a_bootable_snapshot(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot("snap-src", metadata={"role": "web"}))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, {"createImage": {"name": "snap-1", "metadata": {"purpose": "backup"}}}, version="2.45")
        assert r.status_code == 202, r.text
        image_id = r.json()["image_id"]
        assert r.headers["location"].endswith(f"/image/v2/images/{image_id}")
        for _ in range(300):
            _code, image = await _image(c, image_id)
            if image.get("status") == "active":
                break
            await asyncio.sleep(0.02)
        assert image["status"] == "active", image
        assert image["image_type"] == "snapshot"
        assert image["instance_uuid"] == sid
        assert image["base_image_ref"] == c.image_id
        assert image["purpose"] == "backup"
        assert image["owner"] == (await c.show(sid))["tenant_id"]
        assert (image["disk_format"], image["container_format"]) == ("raw", "bare")
        assert image["visibility"] == "private"
        data = await c.client.get(f"/image/v2/images/{image_id}/file", headers=auth("demo"))
        assert data.content.startswith(f"pocketstack fake snapshot of {sid}".encode())
        assert image["size"] == len(data.content)
        server = await _settle(c, sid, "ACTIVE")
        assert server["OS-EXT-STS:power_state"] == 1
        events = await _events(c, sid, "createImage")
        assert [(e["event"], e["result"]) for e in events] == [("compute_snapshot_instance", "Success")]
        # The snapshot boots a new server.
        body = {"server": {"name": "from-snap", "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
        made = await c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37"))
        assert made.status_code == 202, made.text
        await c.wait(made.json()["server"]["id"], "ACTIVE")
        # Before 2.45: no body, the image's URL in Location only.
        old = await c.action(sid, {"createImage": {"name": "snap-2"}})
        assert old.status_code == 202 and old.content == b""
        assert "/image/v2/images/" in old.headers["location"]
        await _settle(c, sid, "ACTIVE")


async def test_create_image_of_a_stopped_server_and_refusals(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"createImage": {}})).status_code == 400
        assert (await c.action(sid, {"createImage": {"name": "x"}}, token="alt")).status_code == 404
        assert (await c.action(sid, {"os-stop": None})).status_code == 202
        await _settle(c, sid, "SHUTOFF")
        r = await c.action(sid, {"createImage": {"name": "cold"}}, version="2.45")
        assert r.status_code == 202
        # A second one while the first runs: 409, and no image is left for it.
        again = await c.action(sid, {"createImage": {"name": "cold-2"}}, version="2.45")
        if again.status_code == 409:
            assert "task_state" in again.json()["conflictingRequest"]["message"]
        server = await _settle(c, sid, "SHUTOFF")
        assert server["OS-EXT-STS:power_state"] == 4
        _code, image = await _image(c, r.json()["image_id"])
        assert image["status"] == "active"
        names = [i["name"] for i in (await c.client.get("/image/v2/images", headers=auth("demo"))).json()["images"]]
        assert "cold" in names and names.count("cold-2") == (1 if again.status_code == 202 else 0)
        assert (await c.action(sid, {"lock": None})).status_code == 202
        locked = await c.action(sid, {"createImage": {"name": "locked"}})
        assert locked.status_code == 409


async def test_failed_snapshot_deletes_the_image_and_keeps_the_server(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        _driver(c).faults.inject("snapshot", "disk copy exploded")
        r = await c.action(sid, {"createImage": {"name": "doomed"}}, version="2.45")
        assert r.status_code == 202
        server = await _settle(c, sid, "ACTIVE")
        assert server["OS-EXT-STS:power_state"] == 1
        for _ in range(100):
            code, _image_body = await _image(c, r.json()["image_id"], token="admin")
            if code == 404:
                break
            await asyncio.sleep(0.02)
        assert code == 404
        events = await _events(c, sid, "createImage")
        assert events[0]["result"] == "Error" and "disk copy exploded" in events[0]["traceback"]


async def test_rebuild_with_a_new_image(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        other = await make_image(c.client, name="other")
        await c.client.post(
            V + "/os-keypairs",
            json={
                "keypair": {
                    "name": "k1",
                    "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3Y3vGGFvT7SJhqFpu8oBTXuxxlaP1hu3F5yMfDHkR3 x",
                }
            },
            headers=auth("demo"),
        )
        sid = (await c.boot("before", metadata={"a": "1"}))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        bad = await c.action(sid, {"rebuild": {"imageRef": other, "key_name": "k1"}})
        assert bad.status_code == 400  # key_name needs 2.54
        missing = await c.action(sid, {"rebuild": {"imageRef": "no-such-image"}})
        assert missing.status_code == 400
        body = {"rebuild": {"imageRef": other, "name": "after", "metadata": {"b": "2"}, "key_name": "k1",
                            "user_data": "aGVsbG8="}}  # fmt: skip
        r = await c.action(sid, body, version="2.57")
        assert r.status_code == 202, r.text
        shown = r.json()["server"]
        assert shown["name"] == "after" and shown["image"]["id"] == other and shown["adminPass"]
        server = await _settle(c, sid, "ACTIVE")
        assert server["metadata"] == {"b": "2"}
        assert server["image"]["id"] == other
        fake = _driver(c).instances[sid]
        assert fake.spec.image["id"] == other and fake.spec.key_name == "k1" and fake.spec.user_data == "aGVsbG8="
        assert any("rebuilt after" in line for line in fake.console)
        events = await _events(c, sid, "rebuild")
        assert [(e["event"], e["result"]) for e in events] == [("compute_rebuild_instance", "Success")]


async def test_rebuild_of_a_stopped_server_ends_stopped_and_a_failure_is_error(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"os-stop": None})).status_code == 202
        await _settle(c, sid, "SHUTOFF")
        assert (await c.action(sid, {"rebuild": {"imageRef": c.image_id}})).status_code == 202
        server = await _settle(c, sid, "SHUTOFF")
        assert server["OS-EXT-STS:power_state"] == 4
        assert (await c.action(sid, {"pause": None})).status_code == 409
        _driver(c).faults.inject("rebuild", "no disk today")
        assert (await c.action(sid, {"rebuild": {"imageRef": c.image_id}})).status_code == 202
        server = await _settle(c, sid, "ERROR")
        assert "no disk today" in server["fault"]["message"]
        # From ERROR a rebuild is allowed, and brings it back.
        assert (await c.action(sid, {"rebuild": {"imageRef": c.image_id}})).status_code == 202
        await _settle(c, sid, "ACTIVE")


async def test_create_backup_rotates_old_backups(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot("backed-up"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"createBackup": {"name": "b", "backup_type": "daily"}})).status_code == 400
        # openstackclient's default: an empty backup_type (Nova takes any string).
        untyped = await c.action(sid, {"createBackup": {"name": "untyped", "backup_type": "", "rotation": 1}})
        assert untyped.status_code == 202, untyped.text
        await _settle(c, sid, "ACTIVE")
        made = []
        for i in range(3):
            body = {"createBackup": {"name": f"daily-{i}", "backup_type": "daily", "rotation": 2}}
            r = await c.action(sid, body, version="2.45")
            assert r.status_code == 202, r.text
            assert r.headers["location"].endswith(r.json()["image_id"])
            made.append(r.json()["image_id"])
            await _settle(c, sid, "ACTIVE")
        weekly = await c.action(sid, {"createBackup": {"name": "weekly-0", "backup_type": "weekly", "rotation": 1}})
        assert weekly.status_code == 202
        await _settle(c, sid, "ACTIVE")
        listed = await c.client.get(f"/image/v2/images?instance_uuid={sid}", headers=auth("demo"))
        found = {i["name"]: i for i in listed.json()["images"]}
        # The oldest daily one went; the other types (the untyped one too) are counted apart.
        assert set(found) == {"untyped", "daily-1", "daily-2", "weekly-0"}
        assert found["daily-2"]["image_type"] == "backup" and found["daily-2"]["backup_type"] == "daily"
        assert (await _image(c, made[0]))[0] == 404
        # rotation 0: no Location, and every backup of the type goes (this one too).
        zero = await c.action(sid, {"createBackup": {"name": "w", "backup_type": "weekly", "rotation": 0}})
        assert zero.status_code == 202 and "location" not in zero.headers
        await _settle(c, sid, "ACTIVE")
        for _ in range(100):
            listed = await c.client.get(
                f"/image/v2/images?backup_type=weekly&instance_uuid={sid}", headers=auth("demo")
            )
            if listed.json()["images"] == []:
                break
            await asyncio.sleep(0.02)
        assert listed.json()["images"] == []
        events = await _events(c, sid, "createBackup")
        assert events[0]["event"] == "compute_backup_instance" and events[0]["result"] == "Success"


async def test_rescue_and_unrescue(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        other = await make_image(c.client, name="rescue-disk")
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"unrescue": None})).status_code == 409
        assert (await c.action(sid, {"rescue": {"rescue_image_ref": "no-such"}})).status_code == 400
        r = await c.action(sid, {"rescue": {"rescue_image_ref": other, "adminPass": "s3cret"}})
        assert r.status_code == 200 and r.json() == {"adminPass": "s3cret"}
        server = await _settle(c, sid, "RESCUE")
        assert server["OS-EXT-STS:power_state"] == 1
        assert _driver(c).instances[sid].rescue_image == other
        assert (await c.action(sid, {"os-stop": None})).status_code == 409
        assert (await c.action(sid, {"rescue": None})).status_code == 409
        assert (await c.action(sid, {"unrescue": None})).status_code == 202
        await _settle(c, sid, "ACTIVE")
        assert _driver(c).instances[sid].rescue_image is None
        # No body: the server's own image.
        r = await c.action(sid, {"rescue": None})
        assert r.status_code == 200 and r.json()["adminPass"]
        await _settle(c, sid, "RESCUE")
        assert _driver(c).instances[sid].rescue_image == c.image_id
