"""Unmanage a volume (its data stays on the backend), list what could be managed, and
manage it back as a new volume (admin)."""

from __future__ import annotations

import asyncio

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_unmanage_list_and_manage_again(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=2)
    host = (await vapi.show(vol["id"], "admin"))["os-vol-host-attr:host"]
    assert fault(await vapi.action(vol["id"], {"os-unmanage": {}}), 403)
    assert (await vapi.action(vol["id"], {"os-unmanage": {}}, "admin")).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")
    listing = await vapi.request("GET", f"/manageable_volumes?host={host}", "admin")
    assert listing.json()["manageable-volumes"] == [
        {"reference": {"source-name": f"volume-{vol['id']}"}, "size": 2, "safe_to_manage": True}
    ]
    detail = (await vapi.request("GET", f"/manageable_volumes/detail?host={host}", "admin")).json()
    assert detail["manageable-volumes"][0]["cinder_id"] is None
    assert fault(await vapi.request("GET", "/manageable_volumes", "admin"), 400)
    assert fault(await vapi.request("GET", f"/manageable_volumes?host={host}", "admin", version="volume 3.7"), 404)
    body = {"volume": {"host": host, "ref": {"source-name": f"volume-{vol['id']}"}, "name": "back"}}
    assert fault(await vapi.request("POST", "/os-volume-manage", json=body), 403)
    elsewhere = {"volume": {**body["volume"], "host": "other@x#y"}}
    assert fault(await vapi.request("POST", "/os-volume-manage", "admin", json=elsewhere), 503)
    resp = await vapi.request("POST", "/os-volume-manage", "admin", json=body)
    assert resp.status_code == 202, resp.text
    made = resp.json()["volume"]
    assert made["status"] == "creating" and made["id"] != vol["id"] and "group_id" not in made
    back = await vapi.wait(made["id"], "available")
    assert back["size"] == 2 and back["name"] == "back"
    assert (await vapi.request("GET", f"/manageable_volumes?host={host}", "admin")).json() == {"manageable-volumes": []}
    # Nothing by that name any more: the manage fails and the volume shows error.
    again = await vapi.request("POST", "/manageable_volumes", "admin", json=body)
    assert again.status_code == 202
    assert (await vapi.wait(again.json()["volume"]["id"], "error"))["status"] == "error"
    snap = await vapi.snapshot(back["id"], "admin")
    assert "snapshots" in fault(await vapi.action(back["id"], {"os-unmanage": {}}, "admin"), 400)
    assert snap["status"] == "available"


async def test_unmanage_and_manage_a_snapshot(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    snap = await vapi.snapshot(vol["id"])
    host = (await vapi.show(vol["id"], "admin"))["os-vol-host-attr:host"]
    action = f"/snapshots/{snap['id']}/action"
    assert fault(await vapi.request("POST", action, json={"os-unmanage": {}}), 403)
    assert (await vapi.request("POST", action, "admin", json={"os-unmanage": {}})).status_code == 202
    await vapi.wait_gone(f"/snapshots/{snap['id']}")
    listed = (await vapi.request("GET", f"/manageable_snapshots?host={host}", "admin")).json()
    assert listed["manageable-snapshots"] == [
        {
            "reference": {"source-name": f"snapshot-{snap['id']}"},
            "size": 1,
            "safe_to_manage": True,
            "source_reference": {"source-name": f"volume-{vol['id']}"},
        }
    ]
    body = {
        "snapshot": {
            "volume_id": vol["id"],
            "ref": {"source-name": f"snapshot-{snap['id']}"},
            "name": "again",
            "metadata": {"k": "v"},
        }
    }
    resp = await vapi.request("POST", "/os-snapshot-manage", "admin", json=body)
    assert resp.status_code == 202, resp.text
    made = resp.json()["snapshot"]
    assert made["status"] == "creating" and made["id"] != snap["id"]
    for _ in range(200):
        shown = (await vapi.request("GET", f"/snapshots/{made['id']}", "admin")).json()["snapshot"]
        if shown["status"] != "creating":
            break
        await asyncio.sleep(0.01)
    assert shown["status"] == "available" and shown["name"] == "again" and shown["metadata"] == {"k": "v"}
    assert (await vapi.request("GET", f"/manageable_snapshots?host={host}", "admin")).json() == {
        "manageable-snapshots": []
    }
    # A volume from the adopted snapshot has the data it held.
    restored = await vapi.create(snapshot_id=made["id"])
    assert restored["snapshot_id"] == made["id"]
