"""Volume groups (3.13+): create, volumes in the group, list/show, update (add and
remove volumes), delete with the volumes, reset status, a group from a group."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def _setup(vapi: VolumeApi) -> tuple[dict[str, Any], dict[str, Any]]:
    vtype = (await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": "g"}})).json()
    gtype = (await vapi.request("POST", "/group_types", "admin", json={"group_type": {"name": "gt"}})).json()
    return vtype["volume_type"], gtype["group_type"]


async def _group(vapi: VolumeApi, vtype: dict[str, Any], gtype: dict[str, Any], name: str) -> dict[str, Any]:
    body = {"group": {"name": name, "group_type": gtype["id"], "volume_types": [vtype["id"]]}}
    resp = await vapi.request("POST", "/groups", json=body)
    assert resp.status_code == 202, resp.text
    created = resp.json()["group"]
    assert set(created) == {"id", "name"}
    return created  # type: ignore[no-any-return]


async def test_group_lifecycle(vapi: VolumeApi) -> None:
    vtype, gtype = await _setup(vapi)
    grp = await _group(vapi, vtype, gtype, "g1")
    shown = (await vapi.request("GET", f"/groups/{grp['id']}")).json()["group"]
    assert shown["status"] == "available" and shown["group_type"] == gtype["id"]
    assert shown["volume_types"] == [vtype["id"]] and shown["source_group_id"] is None
    assert "volumes" not in shown and "project_id" not in shown
    vol = await vapi.create(volume_type=vtype["id"], group_id=grp["id"])
    assert vol["group_id"] == grp["id"]
    other = await vapi.create()
    wrong_type = await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "group_id": grp["id"]}})
    assert "not one of group" in fault(wrong_type, 400)
    missing = {"volume": {"size": 1, "volume_type": vtype["id"], "group_id": "nope"}}
    assert fault(await vapi.request("POST", "/volumes", json=missing), 404)
    with_list = (await vapi.request("GET", f"/groups/{grp['id']}?list_volume=True")).json()["group"]
    assert with_list["volumes"] == [vol["id"]]
    # A volume in a group is deleted with the group, not alone.
    assert "in group" in fault(await vapi.request("DELETE", f"/volumes/{vol['id']}"), 400)
    assert "not one of group" in fault(
        await vapi.request("PUT", f"/groups/{grp['id']}", json={"group": {"add_volumes": other["id"]}}), 400
    )
    upd = await vapi.request(
        "PUT", f"/groups/{grp['id']}", json={"group": {"name": "g1b", "remove_volumes": vol["id"]}}
    )
    assert upd.status_code == 202
    assert (await vapi.show(vol["id"]))["group_id"] is None
    add = await vapi.request("PUT", f"/groups/{grp['id']}", json={"group": {"add_volumes": vol["id"]}})
    assert add.status_code == 202
    listed = (await vapi.request("GET", "/groups")).json()["groups"]
    assert listed == [{"id": grp["id"], "name": "g1b"}]
    assert (await vapi.request("GET", "/groups/detail", "alt")).json() == {"groups": []}
    keep = {"delete": {"delete-volumes": False}}
    assert "still contains volumes" in fault(await vapi.request("POST", f"/groups/{grp['id']}/action", json=keep), 400)
    reset = {"reset_status": {"status": "error"}}
    assert fault(await vapi.request("POST", f"/groups/{grp['id']}/action", json=reset), 403)
    assert (await vapi.request("POST", f"/groups/{grp['id']}/action", "admin", json=reset)).status_code == 202
    assert (await vapi.request("GET", f"/groups/{grp['id']}")).json()["group"]["status"] == "error"
    back = {"reset_status": {"status": "available"}}
    assert (await vapi.request("POST", f"/groups/{grp['id']}/action", "admin", json=back)).status_code == 202
    gone = {"delete": {"delete-volumes": True}}
    assert (await vapi.request("POST", f"/groups/{grp['id']}/action", json=gone)).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")
    assert fault(await vapi.request("GET", f"/groups/{grp['id']}"), 404)


async def test_group_from_group(vapi: VolumeApi) -> None:
    vtype, gtype = await _setup(vapi)
    grp = await _group(vapi, vtype, gtype, "src")
    vol = await vapi.create(volume_type=vtype["id"], group_id=grp["id"], size=2)
    body = {"create-from-src": {"source_group_id": grp["id"], "name": "copy"}}
    resp = await vapi.request("POST", "/groups/action", version="volume 3.14", json=body)
    assert resp.status_code == 202, resp.text
    copy = resp.json()["group"]
    shown = (await vapi.request("GET", f"/groups/{copy['id']}")).json()["group"]
    assert shown["source_group_id"] == grp["id"] and shown["name"] == "copy"
    members = [
        v for v in (await vapi.request("GET", "/volumes/detail")).json()["volumes"] if v["group_id"] == copy["id"]
    ]
    assert len(members) == 1 and members[0]["source_volid"] == vol["id"] and members[0]["size"] == 2
    await vapi.wait(members[0]["id"], "available")
    assert fault(await vapi.request("POST", "/groups/action", version="volume 3.13", json=body), 404)


async def test_group_snapshots(vapi: VolumeApi) -> None:
    vtype, gtype = await _setup(vapi)
    grp = await _group(vapi, vtype, gtype, "gs")
    vols = [await vapi.create(volume_type=vtype["id"], group_id=grp["id"]) for _ in range(2)]
    body = {"group_snapshot": {"group_id": grp["id"], "name": "both"}}
    assert fault(await vapi.request("POST", "/group_snapshots", version="volume 3.13", json=body), 404)
    resp = await vapi.request("POST", "/group_snapshots", json=body)
    assert resp.status_code == 202, resp.text
    gsnap = resp.json()["group_snapshot"]
    assert gsnap["group_type_id"] == gtype["id"] and gsnap["name"] == "both"
    path = f"/group_snapshots/{gsnap['id']}"
    for _ in range(200):
        shown = (await vapi.request("GET", path)).json()["group_snapshot"]
        if shown["status"] != "creating":
            break
        await asyncio.sleep(0.01)
    assert shown["status"] == "available" and shown["group_id"] == grp["id"]
    members = [s for s in (await vapi.request("GET", "/snapshots/detail")).json()["snapshots"]]
    assert {s["volume_id"] for s in members if s["group_snapshot_id"] == gsnap["id"]} == {v["id"] for v in vols}
    alone = members[0]["id"]
    assert "group snapshot" in fault(await vapi.request("DELETE", f"/snapshots/{alone}"), 400)
    listed = (await vapi.request("GET", "/group_snapshots")).json()["group_snapshots"]
    assert listed == [{"id": gsnap["id"], "name": "both", "group_type_id": gtype["id"]}]
    # A group from the group snapshot: a volume from each member snapshot.
    src = {"create-from-src": {"group_snapshot_id": gsnap["id"], "name": "restored"}}
    made = await vapi.request("POST", "/groups/action", json=src)
    assert made.status_code == 202, made.text
    new_group = made.json()["group"]
    shown_group = (await vapi.request("GET", f"/groups/{new_group['id']}")).json()["group"]
    assert shown_group["group_snapshot_id"] == gsnap["id"]
    every = (await vapi.request("GET", "/volumes/detail")).json()["volumes"]
    restored = [v for v in every if v["group_id"] == new_group["id"]]
    assert len(restored) == 2 and all(v["snapshot_id"] for v in restored)
    for vol in restored:
        await vapi.wait(vol["id"], "available")
    # Reset (admin), then delete: the members go, then the group snapshot.
    reset = {"reset_status": {"status": "error"}}
    assert (await vapi.request("POST", f"{path}/action", "admin", json=reset)).status_code == 202
    assert (await vapi.request("GET", path)).json()["group_snapshot"]["status"] == "error"
    assert "existing snapshots" in fault(
        await vapi.request("POST", f"/groups/{grp['id']}/action", json={"delete": {"delete-volumes": True}}), 400
    )
    assert (await vapi.request("DELETE", path)).status_code == 202
    await vapi.wait_gone(path)
    remaining = (await vapi.request("GET", "/snapshots")).json()["snapshots"]
    assert remaining == []
