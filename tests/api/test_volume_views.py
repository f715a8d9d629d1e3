"""The shapes of volumes, snapshots and types per call, caller and microversion (as
Cinder's views and extensions build them)."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, vapi_fixture  # noqa: F401

EXTENSION_KEYS = {"os-vol-tenant-attr:tenant_id", "os-vol-host-attr:host", "os-vol-mig-status-attr:migstat"}


async def test_volume_create_and_update_have_no_extension_attributes(vapi: VolumeApi) -> None:
    resp = await vapi.request("POST", "/volumes", "admin", version="volume 3.0", json={"volume": {"size": 1}})
    created = resp.json()["volume"]
    assert not EXTENSION_KEYS & set(created) and "group_id" not in created
    assert created["migration_status"] is None
    await vapi.wait(created["id"], "available")
    shown = await vapi.show(created["id"], "admin")
    assert shown["os-vol-tenant-attr:tenant_id"] == "p-admin"
    host = shown["os-vol-host-attr:host"]
    assert host.count("@") == 1 and "#" in host, host
    upd = await vapi.request("PUT", f"/volumes/{created['id']}", "admin", json={"volume": {"name": "x"}})
    assert not EXTENSION_KEYS & set(upd.json()["volume"])


async def test_volume_fields_per_microversion_and_caller(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    old = (await vapi.request("GET", f"/volumes/{vol['id']}", version="volume 3.0")).json()["volume"]
    assert not {"group_id", "provider_id", "shared_targets", "service_uuid", "volume_type_id"} & set(old)
    assert "migration_status" not in old and "os-vol-host-attr:host" not in old
    assert old["os-vol-tenant-attr:tenant_id"] == "p-demo"
    new = await vapi.show(vol["id"])
    assert new["group_id"] is None and new["shared_targets"] is False and new["consumes_quota"] is True
    assert new["service_uuid"] and new["volume_type_id"]
    # provider_id (3.21) and cluster_name (3.61) are for admins.
    assert "provider_id" not in new and "cluster_name" not in new
    admin = await vapi.show(vol["id"], "admin")
    assert admin["provider_id"] is None and admin["cluster_name"] is None
    assert "encryption_key_id" not in admin


async def test_snapshot_views(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    resp = await vapi.request("POST", "/snapshots", version="volume 3.0", json={"snapshot": {"volume_id": vol["id"]}})
    created = resp.json()["snapshot"]
    assert "os-extended-snapshot-attributes:progress" not in created and "user_id" not in created
    snap = await vapi.snapshot(vol["id"])
    assert snap["os-extended-snapshot-attributes:project_id"] == "p-demo"
    assert snap["user_id"] and snap["group_snapshot_id"] is None
    listed = (await vapi.request("GET", "/snapshots")).json()["snapshots"]
    assert all("os-extended-snapshot-attributes:progress" not in s and "user_id" not in s for s in listed)


async def test_type_views(vapi: VolumeApi) -> None:
    body = {"volume_type": {"name": "t1", "extra_specs": {"multiattach": "<is> True", "secret": "x"}}}
    created = (await vapi.request("POST", "/types", "admin", json=body)).json()["volume_type"]
    assert created["os-volume-type-access:is_public"] is True and "qos_specs_id" not in created
    assert created["extra_specs"] == {"multiattach": "<is> True", "secret": "x"}
    updated = await vapi.request("PUT", f"/types/{created['id']}", "admin", json={"volume_type": {"description": "d"}})
    assert set(updated.json()["volume_type"]) == {"id", "name", "description", "is_public", "extra_specs"}
    admin = (await vapi.request("GET", f"/types/{created['id']}", "admin")).json()["volume_type"]
    assert admin["qos_specs_id"] is None and admin["extra_specs"]["secret"] == "x"
    demo = (await vapi.request("GET", f"/types/{created['id']}")).json()["volume_type"]
    assert "qos_specs_id" not in demo and demo["extra_specs"] == {"multiattach": "<is> True"}
