"""Attachments API (3.27+) and the older attach/detach actions: status lifecycle,
connection info, in-use refusal, multiattach, microversion gates."""

from __future__ import annotations

from typing import Any

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401

CONNECTOR = {"host": "compute-1", "initiator": "iqn.test", "mountpoint": "/dev/vdb"}


async def _attach(vapi: VolumeApi, volume_id: str, instance: str = "i-1", token: str = "demo") -> dict[str, Any]:
    resp = await vapi.request(
        "POST", "/attachments", token, json={"attachment": {"volume_uuid": volume_id, "instance_uuid": instance}}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["attachment"]  # type: ignore[no-any-return]


async def test_new_style_lifecycle(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    att = await _attach(vapi, vol["id"])
    assert att["status"] == "reserved" and att["instance"] == "i-1" and att["connection_info"] == {}
    assert (await vapi.show(vol["id"]))["status"] == "reserved"
    upd = await vapi.request("PUT", f"/attachments/{att['id']}", json={"attachment": {"connector": CONNECTOR}})
    assert upd.status_code == 200
    info = upd.json()["attachment"]["connection_info"]
    assert info["driver_volume_type"] == "fake" and info["data"]["volume_id"] == vol["id"]
    assert info["attachment_id"] == att["id"] and info["serial"] == vol["id"]
    assert (await vapi.show(vol["id"]))["status"] == "attaching"
    assert vapi.backend.connections[-1] == (vol["id"], CONNECTOR)
    done = await vapi.request("POST", f"/attachments/{att['id']}/action", json={"os-complete": {}})
    assert done.status_code == 204
    shown = await vapi.show(vol["id"])
    assert shown["status"] == "in-use"
    (listed,) = shown["attachments"]
    assert listed["server_id"] == "i-1" and listed["attachment_id"] == att["id"] and listed["device"] == "/dev/vdb"
    # Cinder names the attached host to admins and services only.
    assert listed["host_name"] is None
    (as_admin,) = (await vapi.show(vol["id"], "admin"))["attachments"]
    assert as_admin["host_name"] == "compute-1"
    detail = (await vapi.request("GET", f"/attachments/{att['id']}")).json()["attachment"]
    assert detail["status"] == "attached" and detail["attached_at"]
    listing = (await vapi.request("GET", f"/attachments?volume_id={vol['id']}")).json()["attachments"]
    assert [a["id"] for a in listing] == [att["id"]]
    gone = await vapi.request("DELETE", f"/attachments/{att['id']}")
    assert gone.status_code == 200 and gone.json() == {"attachments": []}
    assert (await vapi.show(vol["id"]))["status"] == "available"
    assert fault(await vapi.request("GET", f"/attachments/{att['id']}"), 404)


async def test_create_with_connector_connects_at_once(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    resp = await vapi.request(
        "POST",
        "/attachments",
        json={"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-2", "connector": CONNECTOR}},
    )
    assert resp.json()["attachment"]["connection_info"]["driver_volume_type"] == "fake"
    assert (await vapi.show(vol["id"]))["status"] == "attaching"


async def test_in_use_volume_cannot_be_attached_again(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    await _attach(vapi, vol["id"])
    resp = await vapi.request(
        "POST", "/attachments", json={"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-9"}}
    )
    assert "current status is reserved" in fault(resp, 400)


async def test_multiattach(vapi: VolumeApi) -> None:
    vol = await vapi.create(multiattach=True)
    first = await _attach(vapi, vol["id"], "i-1")
    await _attach(vapi, vol["id"], "i-2")
    again = await vapi.request(
        "POST", "/attachments", json={"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1"}}
    )
    assert "already attached" in fault(again, 400)
    left = (await vapi.request("DELETE", f"/attachments/{first['id']}")).json()["attachments"]
    assert len(left) == 1 and (await vapi.show(vol["id"]))["status"] == "reserved"


async def test_attachment_bad_input_policy_and_versions(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert fault(await vapi.request("POST", "/attachments", json={"attachment": {}}), 400)
    assert fault(
        await vapi.request("POST", "/attachments", json={"attachment": {"volume_uuid": vol["id"], "mode": "x"}}), 400
    )
    assert fault(await vapi.request("POST", "/attachments", json={"attachment": {"volume_uuid": "nope"}}), 404)
    assert fault(
        await vapi.request("POST", "/attachments", "alt", json={"attachment": {"volume_uuid": vol["id"]}}), 404
    )
    assert fault(
        await vapi.request("POST", "/attachments", "reader", json={"attachment": {"volume_uuid": vol["id"]}}), 403
    )
    old = await vapi.request(
        "POST", "/attachments", json={"attachment": {"volume_uuid": vol["id"]}}, version="volume 3.26"
    )
    assert fault(old, 404)
    att = await _attach(vapi, vol["id"])
    assert fault(
        await vapi.request("POST", f"/attachments/{att['id']}/action", json={"os-complete": {}}, version="volume 3.43"),
        404,
    )
    assert fault(await vapi.request("PUT", f"/attachments/{att['id']}", json={"attachment": {}}), 400)
    assert fault(await vapi.request("GET", f"/attachments/{att['id']}", "alt"), 404)


async def test_failed_connection_leaves_volume_reserved_then_available(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    att = await _attach(vapi, vol["id"])
    vapi.backend.inject("connection_info", "export failed")
    resp = await vapi.request("PUT", f"/attachments/{att['id']}", json={"attachment": {"connector": CONNECTOR}})
    assert resp.status_code >= 400 and resp.status_code < 600
    assert (await vapi.show(vol["id"]))["status"] == "reserved"
    await vapi.request("DELETE", f"/attachments/{att['id']}")
    assert (await vapi.show(vol["id"]))["status"] == "available"


async def test_legacy_actions(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    vid = vol["id"]
    assert (await vapi.action(vid, {"os-reserve": None})).status_code == 202
    assert (await vapi.show(vid))["status"] == "attaching"
    assert (await vapi.action(vid, {"os-unreserve": None})).status_code == 202
    assert (await vapi.show(vid))["status"] == "available"
    await vapi.action(vid, {"os-reserve": None})
    init = await vapi.action(vid, {"os-initialize_connection": {"connector": CONNECTOR}})
    assert init.status_code == 200 and init.json()["connection_info"]["driver_volume_type"] == "fake"
    assert "connector" in fault(await vapi.action(vid, {"os-initialize_connection": {}}), 400)
    assert "mountpoint" in fault(await vapi.action(vid, {"os-attach": {"instance_uuid": "i-1"}}), 400)
    assert "mode" in fault(
        await vapi.action(vid, {"os-attach": {"instance_uuid": "i-1", "mountpoint": "/dev/vdc", "mode": "xx"}}), 400
    )
    attach = {"os-attach": {"instance_uuid": "i-1", "mountpoint": "/dev/vdc", "mode": "rw"}}
    assert (await vapi.action(vid, attach)).status_code == 202
    shown = await vapi.show(vid)
    assert shown["status"] == "in-use" and shown["attachments"][0]["device"] == "/dev/vdc"
    assert (await vapi.action(vid, {"os-begin_detaching": None})).status_code == 202
    assert (await vapi.show(vid))["status"] == "detaching"
    await vapi.action(vid, {"os-roll_detaching": None})
    assert (await vapi.show(vid))["status"] == "in-use"
    await vapi.action(vid, {"os-begin_detaching": None})
    assert (await vapi.action(vid, {"os-terminate_connection": {"connector": CONNECTOR}})).status_code == 202
    assert (await vapi.action(vid, {"os-detach": {}})).status_code == 202
    assert (await vapi.show(vid))["status"] == "available"
    # Detaching again is no error (Cinder's manager settles the volume as available).
    assert (await vapi.action(vid, {"os-detach": {}})).status_code == 202
    assert "in-use to begin" in fault(await vapi.action(vid, {"os-begin_detaching": None}), 400)
