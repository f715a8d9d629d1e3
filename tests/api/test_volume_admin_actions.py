"""Volume and snapshot actions Cinder has besides attach and extend: retype, force
detach, image metadata, snapshot status updates (Nova's assisted snapshots), force
deletes from any status; and the extra-specs create answer."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_retype(vapi: VolumeApi) -> None:
    gold = {"volume_type": {"name": "gold"}}
    assert (await vapi.request("POST", "/types", "admin", json=gold)).status_code == 200
    shared = {"volume_type": {"name": "shared", "extra_specs": {"multiattach": "<is> True"}}}
    assert (await vapi.request("POST", "/types", "admin", json=shared)).status_code == 200
    vol = await vapi.create()
    assert (await vapi.action(vol["id"], {"os-retype": {"new_type": "gold"}})).status_code == 202
    shown = await vapi.show(vol["id"])
    assert shown["volume_type"] == "gold" and shown["status"] == "available"
    same = await vapi.action(vol["id"], {"os-retype": {"new_type": "gold"}})
    assert "has to be different" in fault(same, 400)
    assert "Invalid volume_type" in fault(await vapi.action(vol["id"], {"os-retype": {"new_type": "nope"}}), 400)
    assert (await vapi.action(vol["id"], {"os-retype": {"new_type": "shared"}})).status_code == 202
    assert (await vapi.show(vol["id"]))["multiattach"] is True
    quota = {"quota_set": {"volumes_gold": 0}}
    assert (await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json=quota)).status_code == 200
    over = await vapi.action(vol["id"], {"os-retype": {"new_type": "gold"}})
    assert over.status_code == 413, over.text


async def test_force_detach(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    body = {"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1"}}
    att = (await vapi.request("POST", "/attachments", json=body)).json()["attachment"]
    await vapi.request("POST", f"/attachments/{att['id']}/action", json={"os-complete": {}})
    assert (await vapi.show(vol["id"]))["status"] == "in-use"
    assert (await vapi.action(vol["id"], {"os-reset_status": {"status": "error"}}, "admin")).status_code == 202
    detach = {"os-force_detach": {"attachment_id": att["id"], "connector": {"host": "h"}}}
    assert fault(await vapi.action(vol["id"], detach), 403)
    assert (await vapi.action(vol["id"], detach, "admin")).status_code == 202
    shown = await vapi.show(vol["id"])
    assert shown["status"] == "available" and shown["attachments"] == []
    assert fault(await vapi.action(vol["id"], detach, "admin"), 404)
    # os-detach of a volume attached nowhere settles it (Cinder's manager), no error.
    assert (await vapi.action(vol["id"], {"os-detach": {}})).status_code == 202
    assert (await vapi.show(vol["id"]))["status"] == "available"


async def test_image_metadata_actions(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    set_body = {"os-set_image_metadata": {"metadata": {"kernel_id": "k", "ramdisk_id": "r"}}}
    resp = await vapi.action(vol["id"], set_body)
    assert resp.status_code == 200 and resp.json() == {"metadata": {"kernel_id": "k", "ramdisk_id": "r"}}
    assert (await vapi.show(vol["id"]))["volume_image_metadata"]["kernel_id"] == "k"
    assert (await vapi.action(vol["id"], {"os-unset_image_metadata": {"key": "ramdisk_id"}})).status_code == 200
    assert fault(await vapi.action(vol["id"], {"os-unset_image_metadata": {"key": "ramdisk_id"}}), 404)
    shown = await vapi.action(vol["id"], {"os-show_image_metadata": None})
    assert shown.json() == {"metadata": {"kernel_id": "k"}}
    assert fault(await vapi.action(vol["id"], {"os-set_image_metadata": {"metadata": {"k": 1}}}), 400)


async def test_snapshot_status_update_and_force_deletes(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    snap = await vapi.snapshot(vol["id"])
    action = f"/snapshots/{snap['id']}/action"
    update = {"os-update_snapshot_status": {"status": "error", "progress": "80%"}}
    assert "not allowed" in fault(await vapi.request("POST", action, json=update), 400)
    reset = {"os-reset_status": {"status": "creating"}}
    assert (await vapi.request("POST", action, "admin", json=reset)).status_code == 202
    assert (await vapi.request("POST", action, json=update)).status_code == 202
    shown = (await vapi.request("GET", f"/snapshots/{snap['id']}")).json()["snapshot"]
    assert shown["status"] == "error" and shown["os-extended-snapshot-attributes:progress"] == "80%"
    deleting = {"os-reset_status": {"status": "deleting"}}
    assert (await vapi.request("POST", action, "admin", json=deleting)).status_code == 202
    force = {"os-force_delete": {}}
    assert (await vapi.request("POST", action, "admin", json=force)).status_code == 202
    await vapi.wait_gone(f"/snapshots/{snap['id']}")
    creating = {"os-reset_status": {"status": "creating"}}
    assert (await vapi.action(vol["id"], creating, "admin")).status_code == 202
    assert (await vapi.action(vol["id"], {"os-force_delete": {}}, "admin")).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")


async def test_extra_specs_create_answers_the_request(vapi: VolumeApi) -> None:
    body = {"volume_type": {"name": "t", "extra_specs": {"spec1": "a"}}}
    vtype = (await vapi.request("POST", "/types", "admin", json=body)).json()["volume_type"]
    resp = await vapi.request("POST", f"/types/{vtype['id']}/extra_specs", "admin", json={"extra_specs": {"s2": "b"}})
    assert resp.json() == {"extra_specs": {"s2": "b"}}
    listed = (await vapi.request("GET", f"/types/{vtype['id']}/extra_specs", "admin")).json()
    assert listed == {"extra_specs": {"spec1": "a", "s2": "b"}}


async def test_revert_to_latest_snapshot(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    first = await vapi.snapshot(vol["id"])
    vapi.backend.volumes[vol["id"]].data = b"changed"
    later = await vapi.snapshot(vol["id"])
    old = await vapi.action(vol["id"], {"revert": {"snapshot_id": later["id"]}}, version="volume 3.39")
    assert "no such action" in fault(old, 400)
    not_latest = await vapi.action(vol["id"], {"revert": {"snapshot_id": first["id"]}})
    assert "not the latest" in fault(not_latest, 400)
    vapi.backend.volumes[vol["id"]].data = b"changed again"
    resp = await vapi.action(vol["id"], {"revert": {"snapshot_id": later["id"]}})
    assert resp.status_code == 202, resp.text
    await vapi.wait(vol["id"], "available")
    assert vapi.backend.volumes[vol["id"]].data == b"changed"
    snap = (await vapi.request("GET", f"/snapshots/{later['id']}")).json()["snapshot"]
    assert snap["status"] == "available"
    # A failed revert leaves the volume in error and the snapshot available.
    vapi.backend.inject("revert")
    assert (await vapi.action(vol["id"], {"revert": {"snapshot_id": later["id"]}})).status_code == 202
    assert (await vapi.wait(vol["id"], "error"))["status"] == "error"
    snap = (await vapi.request("GET", f"/snapshots/{later['id']}")).json()["snapshot"]
    assert snap["status"] == "available"
    busy = await vapi.action(vol["id"], {"revert": {"snapshot_id": later["id"]}})
    assert "must be 'available'" in fault(busy, 409)
    bigger = await vapi.create()
    grown = await vapi.snapshot(bigger["id"])
    assert (await vapi.action(bigger["id"], {"os-extend": {"new_size": 2}})).status_code == 202
    await vapi.wait(bigger["id"], "available")
    assert "size must be equal" in fault(await vapi.action(bigger["id"], {"revert": {"snapshot_id": grown["id"]}}), 400)
