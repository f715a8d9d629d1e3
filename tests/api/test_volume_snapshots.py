"""Snapshots: create (available / in-use with force), list, show, update, delete,
metadata, volume from snapshot, cascade delete, quotas, failures."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_snapshot_lifecycle(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=2)
    vapi.backend.volumes[vol["id"]].data = b"before"
    snap = await vapi.snapshot(vol["id"], name="s1", metadata={"k": "v"})
    assert snap["size"] == 2 and snap["volume_id"] == vol["id"] and snap["metadata"] == {"k": "v"}
    assert snap["os-extended-snapshot-attributes:progress"] == "100%"
    vapi.backend.volumes[vol["id"]].data = b"after"
    # a volume from the snapshot has the data of the moment of the snapshot
    restored = await vapi.create(snapshot_id=snap["id"], size=None)
    assert restored["size"] == 2 and restored["snapshot_id"] == snap["id"]
    assert vapi.backend.volumes[restored["id"]].data == b"before"
    bigger = await vapi.create(snapshot_id=snap["id"], size=4)
    assert bigger["size"] == 4
    assert "smaller than the snapshot size" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"snapshot_id": snap["id"], "size": 1}}), 400
    )
    listed = (await vapi.request("GET", f"/snapshots/detail?volume_id={vol['id']}")).json()["snapshots"]
    assert [s["id"] for s in listed] == [snap["id"]]
    summary = (await vapi.request("GET", "/snapshots")).json()["snapshots"]
    assert summary[0]["id"] == snap["id"]
    upd = await vapi.request("PUT", f"/snapshots/{snap['id']}", json={"snapshot": {"name": "renamed"}})
    assert upd.json()["snapshot"]["name"] == "renamed"
    assert fault(await vapi.request("PUT", f"/snapshots/{snap['id']}", json={"snapshot": {"size": 3}}), 400)
    meta = await vapi.request("POST", f"/snapshots/{snap['id']}/metadata", json={"metadata": {"x": "y"}})
    assert meta.json()["metadata"] == {"k": "v", "x": "y"}
    assert (await vapi.request("DELETE", f"/snapshots/{snap['id']}")).status_code == 202
    await vapi.wait_gone(f"/snapshots/{snap['id']}")
    assert snap["id"] not in vapi.backend.snapshots


async def test_snapshot_bad_input_and_policy(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert fault(await vapi.request("POST", "/snapshots", json={"snapshot": {}}), 400)
    assert fault(await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": "nope"}}), 404)
    assert fault(await vapi.request("POST", "/snapshots", "alt", json={"snapshot": {"volume_id": vol["id"]}}), 404)
    assert fault(await vapi.request("POST", "/snapshots", "reader", json={"snapshot": {"volume_id": vol["id"]}}), 403)
    assert fault(
        await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"], "force": "x"}}), 400
    )
    snap = await vapi.snapshot(vol["id"])
    assert fault(await vapi.request("GET", f"/snapshots/{snap['id']}", "alt"), 404)
    assert fault(await vapi.request("DELETE", f"/snapshots/{snap['id']}", "reader"), 403)


async def test_volume_with_snapshots_needs_cascade(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    snap = await vapi.snapshot(vol["id"])
    assert "dependent snapshots" in fault(await vapi.request("DELETE", f"/volumes/{vol['id']}"), 400)
    assert (await vapi.request("DELETE", f"/volumes/{vol['id']}?cascade=true")).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")
    assert fault(await vapi.request("GET", f"/snapshots/{snap['id']}"), 404)
    assert not vapi.backend.snapshots


async def test_snapshot_of_in_use_volume(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    att = await vapi.request(
        "POST",
        "/attachments",
        json={"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1", "connector": {"host": "h"}}},
    )
    await vapi.request("POST", f"/attachments/{att.json()['attachment']['id']}/action", json={"os-complete": {}})
    assert (await vapi.show(vol["id"]))["status"] == "in-use"
    old = "volume 3.65"
    body = {"snapshot": {"volume_id": vol["id"]}}
    assert "force" in fault(await vapi.request("POST", "/snapshots", json=body, version=old), 400)
    forced = {"snapshot": {"volume_id": vol["id"], "force": True}}
    assert (await vapi.request("POST", "/snapshots", json=forced, version=old)).status_code == 202
    # from 3.66 no force is needed, and force=False is refused
    assert (await vapi.request("POST", "/snapshots", json=body)).status_code == 202
    no_force = {"snapshot": {"volume_id": vol["id"], "force": False}}
    assert "3.66" in fault(await vapi.request("POST", "/snapshots", json=no_force), 400)


async def test_snapshot_failure_and_quota(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=5)
    vapi.backend.inject("create_snapshot", "no room")
    resp = await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"]}})
    sid = resp.json()["snapshot"]["id"]
    for _ in range(500):
        status = (await vapi.request("GET", f"/snapshots/{sid}")).json()["snapshot"]["status"]
        if status == "error":
            break
        import asyncio

        await asyncio.sleep(0.01)
    assert status == "error"
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"gigabytes": 12}})
    # 5 (volume) + 5 (errored snapshot) used: another 5 GiB snapshot exceeds 12
    msg = fault(await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"]}}), 413)
    assert "gigabytes" in msg and "Requested 5G" in msg
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"gigabytes": 100, "snapshots": 1}})
    msg = fault(await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": vol["id"]}}), 413)
    assert "SnapshotLimitExceeded" in msg
