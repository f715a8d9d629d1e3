"""Backups: create (force for in-use, incremental), list/show/update, restore into a new
or an existing volume (the data comes back), delete rules, quotas, admin actions."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def _backup(vapi: VolumeApi, expect: str = "available", **body: Any) -> dict[str, Any]:
    resp = await vapi.request("POST", "/backups", json={"backup": body})
    assert resp.status_code == 202, resp.text
    created = resp.json()["backup"]
    assert set(created) == {"id", "name", "links", "metadata"}
    for _ in range(500):
        shown = (await vapi.request("GET", f"/backups/{created['id']}")).json()["backup"]
        if shown["status"] == expect:
            return shown  # type: ignore[no-any-return]
        await asyncio.sleep(0.01)
    raise AssertionError(f"backup {created['id']} is {shown['status']}")


async def test_backup_and_restore(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=1, metadata={"vol-meta": "1"}, bootable=True)
    vapi.backend.volumes[vol["id"]].data = b"PRECIOUS"
    backup = await _backup(vapi, volume_id=vol["id"], name="b1", metadata={"k": "v"}, container="mine")
    assert backup["container"] == "mine"
    assert backup["size"] == 1 and backup["is_incremental"] is False and backup["metadata"] == {"k": "v"}
    assert backup["user_id"] == "u-demo" and "os-backup-project-attr:project_id" not in backup
    assert (await vapi.show(vol["id"]))["status"] == "available"
    incr = await _backup(vapi, volume_id=vol["id"], incremental=True)
    assert incr["is_incremental"] is True
    parent = (await vapi.request("GET", f"/backups/{backup['id']}")).json()["backup"]
    assert parent["has_dependent_backups"] is True
    assert "Incremental backups exist" in fault(await vapi.request("DELETE", f"/backups/{backup['id']}"), 400)
    # Restore into a new volume: the data comes back.
    resp = await vapi.request("POST", f"/backups/{backup['id']}/restore", json={"restore": {"name": "back"}})
    assert resp.status_code == 202, resp.text
    restore = resp.json()["restore"]
    assert restore["backup_id"] == backup["id"] and restore["volume_name"] == "back"
    made = await vapi.wait(restore["volume_id"], "available")
    assert made["size"] == 1 and vapi.backend.volumes[made["id"]].data.startswith(b"PRECIOUS")
    # The volume's metadata and bootable flag come back with the data (as in Cinder).
    assert made["metadata"] == {"vol-meta": "1"} and made["bootable"] == "true"
    # Into an existing volume.
    vapi.backend.volumes[vol["id"]].data = b"CHANGED"
    into = {"restore": {"volume_id": vol["id"]}}
    assert (await vapi.request("POST", f"/backups/{backup['id']}/restore", json=into)).status_code == 202
    await vapi.wait(vol["id"], "available")
    assert vapi.backend.volumes[vol["id"]].data.startswith(b"PRECIOUS")
    listed = (await vapi.request("GET", "/backups")).json()["backups"]
    assert {b["id"] for b in listed} == {backup["id"], incr["id"]}
    upd = await vapi.request("PUT", f"/backups/{backup['id']}", json={"backup": {"name": "renamed"}})
    assert upd.json()["backup"]["name"] == "renamed"
    old = await vapi.request("PUT", f"/backups/{backup['id']}", version="volume 3.8", json={"backup": {"name": "x"}})
    assert fault(old, 404)
    assert (await vapi.request("DELETE", f"/backups/{incr['id']}")).status_code == 202
    await vapi.wait_gone(f"/backups/{incr['id']}")
    assert (await vapi.request("DELETE", f"/backups/{backup['id']}")).status_code == 202
    await vapi.wait_gone(f"/backups/{backup['id']}")


async def test_backup_rules_and_admin_actions(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    body = {"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1"}}
    att = (await vapi.request("POST", "/attachments", json=body)).json()["attachment"]
    await vapi.request("POST", f"/attachments/{att['id']}/action", json={"os-complete": {}})
    in_use = await vapi.request("POST", "/backups", json={"backup": {"volume_id": vol["id"]}})
    assert "force" in fault(in_use, 400)
    forced = await _backup(vapi, volume_id=vol["id"], force=True)
    assert (await vapi.show(vol["id"]))["status"] == "in-use"
    no_parent = await vapi.request("POST", "/backups", json={"backup": {"volume_id": "nope"}})
    assert fault(no_parent, 404)
    other = await vapi.create()
    first_incr = await vapi.request(
        "POST", "/backups", json={"backup": {"volume_id": other["id"], "incremental": True}}
    )
    assert "No backups available" in fault(first_incr, 400)
    reset = {"os-reset_status": {"status": "error"}}
    assert fault(await vapi.request("POST", f"/backups/{forced['id']}/action", json=reset), 403)
    assert (await vapi.request("POST", f"/backups/{forced['id']}/action", "admin", json=reset)).status_code == 202
    shown = (await vapi.request("GET", f"/backups/{forced['id']}", "admin")).json()["backup"]
    assert shown["status"] == "error" and shown["os-backup-project-attr:project_id"] == "p-demo"
    quota = {"quota_set": {"backups": 1}}
    assert (await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json=quota)).status_code == 200
    over = await vapi.request("POST", "/backups", json={"backup": {"volume_id": other["id"]}})
    assert "backups" in fault(over, 413)
    usage = (await vapi.request("GET", "/os-quota-sets/p-demo?usage=true")).json()["quota_set"]
    assert usage["backups"]["in_use"] == 1 and usage["backup_gigabytes"]["in_use"] == 1
    gone = {"os-force_delete": {}}
    assert (await vapi.request("POST", f"/backups/{forced['id']}/action", "admin", json=gone)).status_code == 202
    await vapi.wait_gone(f"/backups/{forced['id']}")


async def test_export_and_import_record(vapi: VolumeApi) -> None:
    import base64
    import json
    import uuid

    vol = await vapi.create()
    vapi.backend.volumes[vol["id"]].data = b"KEPT"
    backup = await _backup(vapi, volume_id=vol["id"], name="orig")
    path = f"/backups/{backup['id']}/export_record"
    assert fault(await vapi.request("GET", path), 403)
    record = (await vapi.request("GET", path, "admin")).json()["backup-record"]
    assert record["backup_service"].startswith("cinder.backup.drivers")
    new_id = str(uuid.uuid4())
    fields = json.loads(base64.b64decode(record["backup_url"]))
    url = base64.b64encode(json.dumps({**fields, "id": new_id}).encode()).decode()
    body = {"backup-record": {"backup_service": record["backup_service"], "backup_url": url}}
    resp = await vapi.request("POST", "/backups/import_record", "admin", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["backup"]["id"] == new_id
    imported = (await vapi.request("GET", f"/backups/{new_id}", "admin")).json()["backup"]
    assert imported["status"] == "available" and imported["name"] == "orig"
    # It belongs to the importer (as in Cinder).
    assert imported["os-backup-project-attr:project_id"] == "p-admin"
    assert new_id in [b["id"] for b in (await vapi.request("GET", "/backups", "admin")).json()["backups"]]
    assert "already exists" in fault(await vapi.request("POST", "/backups/import_record", "admin", json=body), 400)
    bad = {"backup-record": {"backup_service": record["backup_service"], "backup_url": "!!"}}
    assert fault(await vapi.request("POST", "/backups/import_record", "admin", json=bad), 400)
    # The original goes; the imported record still restores the data (it shares it).
    assert (await vapi.request("DELETE", f"/backups/{backup['id']}")).status_code == 202
    await vapi.wait_gone(f"/backups/{backup['id']}")
    resp = await vapi.request("POST", f"/backups/{new_id}/restore", "admin", json={"restore": {}})
    made = await vapi.wait(resp.json()["restore"]["volume_id"], "available")
    assert vapi.backend.volumes[made["id"]].data.startswith(b"KEPT")


async def test_backup_of_a_snapshot(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    vapi.backend.volumes[vol["id"]].data = b"AT-SNAP"
    snap = await vapi.snapshot(vol["id"])
    vapi.backend.volumes[vol["id"]].data = b"LATER"
    backup = await _backup(vapi, volume_id=vol["id"], snapshot_id=snap["id"])
    assert backup["snapshot_id"] == snap["id"]
    assert (await vapi.request("GET", f"/snapshots/{snap['id']}")).json()["snapshot"]["status"] == "available"
    assert (await vapi.show(vol["id"]))["status"] == "available"
    assert not [k for k in vapi.backend.volumes if k.startswith("backup-")]
    resp = await vapi.request("POST", f"/backups/{backup['id']}/restore", json={"restore": None})
    made = await vapi.wait(resp.json()["restore"]["volume_id"], "available")
    assert vapi.backend.volumes[made["id"]].data.startswith(b"AT-SNAP")
    other = await vapi.create()
    wrong = {"backup": {"volume_id": other["id"], "snapshot_id": snap["id"]}}
    assert fault(await vapi.request("POST", "/backups", json=wrong), 404)
