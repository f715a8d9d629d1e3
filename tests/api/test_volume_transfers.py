"""Volume transfers: offer (auth key shown once), list, show, accept by another project
(with the snapshots), delete (the volume is available again), both paths."""

from __future__ import annotations

import pytest

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


@pytest.mark.parametrize("path", ["/os-volume-transfer", "/volume-transfers"])
async def test_transfer_accepted_by_another_project(vapi: VolumeApi, path: str) -> None:
    vol = await vapi.create()
    snap = await vapi.snapshot(vol["id"])
    resp = await vapi.request("POST", path, json={"transfer": {"volume_id": vol["id"], "name": " t1 "}})
    assert resp.status_code == 202, resp.text
    created = resp.json()["transfer"]
    assert created["name"] == "t1" and len(created["auth_key"]) == 16
    assert created["source_project_id"] == "p-demo" and created["accepted"] is False
    assert created["no_snapshots"] is False
    assert (await vapi.show(vol["id"]))["status"] == "awaiting-transfer"
    shown = (await vapi.request("GET", f"{path}/{created['id']}")).json()["transfer"]
    assert "auth_key" not in shown and shown["volume_id"] == vol["id"]
    listed = (await vapi.request("GET", path)).json()["transfers"]
    assert [t["id"] for t in listed] == [created["id"]] and set(listed[0]) == {"id", "volume_id", "name", "links"}
    detail = (await vapi.request("GET", f"{path}/detail")).json()["transfers"]
    assert detail[0]["created_at"]
    # Another project sees nothing, and needs the right key.
    assert (await vapi.request("GET", path, "alt")).json()["transfers"] == []
    wrong = await vapi.request("POST", f"{path}/{created['id']}/accept", "alt", json={"accept": {"auth_key": "x"}})
    assert "invalid auth key" in fault(wrong, 400)
    body = {"accept": {"auth_key": created["auth_key"]}}
    accepted = await vapi.request("POST", f"{path}/{created['id']}/accept", "alt", json=body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["transfer"]["volume_id"] == vol["id"]
    moved = await vapi.show(vol["id"], "alt")
    assert moved["status"] == "available" and moved["os-vol-tenant-attr:tenant_id"] == "p-alt"
    assert moved["user_id"] == "u-alt"
    assert fault(await vapi.request("GET", f"/volumes/{vol['id']}"), 404)
    snap_now = (await vapi.request("GET", f"/snapshots/{snap['id']}", "alt")).json()["snapshot"]
    assert snap_now["os-extended-snapshot-attributes:project_id"] == "p-alt"
    assert fault(await vapi.request("GET", f"{path}/{created['id']}"), 404)


async def test_transfer_delete_and_rules(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    old = await vapi.request(
        "POST", "/volume-transfers", version="volume 3.54", json={"transfer": {"volume_id": vol["id"]}}
    )
    assert fault(old, 404)
    resp = await vapi.request(
        "POST", "/os-volume-transfer", version="volume 3.0", json={"transfer": {"volume_id": vol["id"]}}
    )
    created = resp.json()["transfer"]
    assert "no_snapshots" not in created and "accepted" not in created
    again = await vapi.request("POST", "/os-volume-transfer", json={"transfer": {"volume_id": vol["id"]}})
    assert "must be available" in fault(again, 400)
    assert fault(await vapi.request("DELETE", f"/volumes/{vol['id']}"), 400)
    assert fault(await vapi.request("DELETE", f"/os-volume-transfer/{created['id']}", "alt"), 404)
    assert (await vapi.request("DELETE", f"/os-volume-transfer/{created['id']}")).status_code == 202
    assert (await vapi.show(vol["id"]))["status"] == "available"
    assert fault(await vapi.request("POST", "/os-volume-transfer", json={"transfer": {}}), 400)
