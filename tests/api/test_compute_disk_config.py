"""OS-DCF:diskConfig kept per server as Nova does: chosen at create (else the image's
auto_disk_config property), changed by update and rebuild when named, and by resize and
cold migration (the requested value, else MANUAL); an image that disables it refuses AUTO."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.testing.service import auth
from tests.api.compute_support import Cloud, V, cloud, make_image, mv

DCF = "OS-DCF:diskConfig"


async def _settled(c: Cloud, sid: str, status: str) -> dict[str, Any]:
    for _ in range(500):
        server = await c.show(sid)
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never settled in {status}")


async def _update(c: Cloud, sid: str, **fields: Any) -> Any:
    return await c.client.put(f"{V}/servers/{sid}", json={"server": fields}, headers=auth("demo"))


async def test_create_update_and_show(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        default = await c.boot()
        assert default["server"][DCF] == "MANUAL"
        auto = await c.boot(**{DCF: "AUTO"})
        assert auto["server"][DCF] == "AUTO"
        sid = auto["server"]["id"]
        assert (await c.wait(sid, "ACTIVE"))[DCF] == "AUTO"
        listed = await c.client.get(f"{V}/servers/detail", headers=auth("demo"))
        shown = {s["id"]: s[DCF] for s in listed.json()["servers"]}
        assert shown == {sid: "AUTO", default["server"]["id"]: "MANUAL"}
        r = await _update(c, sid, **{DCF: "MANUAL"})
        assert r.status_code == 200 and r.json()["server"][DCF] == "MANUAL"
        assert (await c.show(sid))[DCF] == "MANUAL"
        # Naming something else leaves it as it is.
        assert (await _update(c, sid, name="renamed")).json()["server"][DCF] == "MANUAL"
        for bad in ("auto", "", "NONE"):
            assert (await _update(c, sid, **{DCF: bad})).status_code == 400
        assert (await c.boot(expect=400, **{DCF: "SOMETIMES"}))["badRequest"]["code"] == 400


async def test_the_image_property_decides_when_the_request_does_not(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        grows = await make_image(c.client, name="grows", auto_disk_config="True")
        fixed = await make_image(c.client, name="fixed", auto_disk_config="disabled")
        assert (await c.boot(imageRef=grows))["server"][DCF] == "AUTO"
        assert (await c.boot(imageRef=grows, **{DCF: "MANUAL"}))["server"][DCF] == "MANUAL"
        assert (await c.boot(imageRef=fixed))["server"][DCF] == "MANUAL"
        refused = await c.boot(imageRef=fixed, expect=400, **{DCF: "AUTO"})
        assert "automatic disk resize disabled" in refused["badRequest"]["message"]


async def test_rebuild(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot(**{DCF: "AUTO"}))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, {"rebuild": {"imageRef": c.image_id, DCF: "MANUAL"}})
        assert r.status_code == 202, r.text
        assert r.json()["server"][DCF] == "MANUAL"
        assert (await _settled(c, sid, "ACTIVE"))[DCF] == "MANUAL"
        # Not named: kept.
        assert (await c.action(sid, {"rebuild": {"imageRef": c.image_id}})).json()["server"][DCF] == "MANUAL"
        await _settled(c, sid, "ACTIVE")
        r = await c.action(sid, {"rebuild": {"imageRef": c.image_id, DCF: "AUTO"}})
        assert r.status_code == 202 and r.json()["server"][DCF] == "AUTO"
        assert (await _settled(c, sid, "ACTIVE"))[DCF] == "AUTO"
        assert (await c.action(sid, {"rebuild": {"imageRef": c.image_id, DCF: "auto"}})).status_code == 400


async def test_resize_and_migrate(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.action(sid, {"resize": {"flavorRef": "2", DCF: "bogus"}})).status_code == 400
        r = await c.action(sid, {"resize": {"flavorRef": "2", DCF: "AUTO"}})
        assert r.status_code == 202, r.text
        await _settled(c, sid, "VERIFY_RESIZE")
        assert (await c.action(sid, {"confirmResize": None})).status_code == 204
        assert (await _settled(c, sid, "ACTIVE"))[DCF] == "AUTO"
        r = await c.action(sid, {"resize": {"flavorRef": "3", DCF: "MANUAL"}})
        assert r.status_code == 202, r.text
        await _settled(c, sid, "VERIFY_RESIZE")
        assert (await c.action(sid, {"confirmResize": None})).status_code == 204
        assert (await _settled(c, sid, "ACTIVE"))[DCF] == "MANUAL"
        # As Nova's resize path: a move that names none leaves the server MANUAL.
        assert (await _update(c, sid, **{DCF: "AUTO"})).json()["server"][DCF] == "AUTO"
        r = await c.action(sid, {"migrate": None}, token="admin", version="2.56")
        assert r.status_code == 202, r.text
        await _settled(c, sid, "VERIFY_RESIZE")
        assert (await c.show(sid, version="2.47"))[DCF] == "MANUAL"


async def test_resize_to_auto_refused_by_the_image(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        fixed = await make_image(c.client, name="fixed", auto_disk_config="disabled")
        sid = (await c.boot(imageRef=fixed))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, {"resize": {"flavorRef": "2", DCF: "AUTO"}})
        assert r.status_code == 400 and "automatic disk resize disabled" in r.text
        assert (await c.show(sid, version="2.47"))["OS-EXT-STS:task_state"] is None
        assert (await c.client.get(f"{V}/servers/{sid}", headers=mv("demo", "2.96"))).json()["server"][DCF] == "MANUAL"
