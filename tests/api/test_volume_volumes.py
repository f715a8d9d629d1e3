"""Volume API: create/list/show/update/delete, extend, bootable, metadata, bad input, policy."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_discovery_without_token(vapi: VolumeApi) -> None:
    root = await vapi.client.get("/volume/")
    assert root.status_code == 300
    v3 = await vapi.client.get("/volume/v3")
    assert v3.status_code == 200
    (version,) = v3.json()["versions"]
    assert version["id"] == "v3.0" and version["min_version"] == "3.0" and version["version"] == "3.71"
    assert version["links"][1]["href"].endswith("/volume/v3/")


async def test_microversion_negotiation(vapi: VolumeApi) -> None:
    resp = await vapi.request("GET", "/volumes", version="volume 3.27")
    assert resp.headers["openstack-api-version"] == "volume 3.27"
    assert fault(await vapi.request("GET", "/volumes", version="volume 3.99"), 406)
    assert (await vapi.request("GET", "/volumes", version="volume latest")).headers[
        "openstack-api-version"
    ] == "volume 3.71"


async def test_create_lifecycle_and_fields(vapi: VolumeApi) -> None:
    resp = await vapi.request(
        "POST", "/volumes", json={"volume": {"size": "2", "name": "v1", "description": "d", "metadata": {"a": "b"}}}
    )
    assert resp.status_code == 202
    created = resp.json()["volume"]
    assert created["status"] == "creating" and created["size"] == 2
    vol = await vapi.wait(created["id"], "available")
    assert vol["name"] == "v1" and vol["metadata"] == {"a": "b"} and vol["bootable"] == "false"
    assert vol["volume_type"] == "__DEFAULT__" and vol["attachments"] == []
    assert vol["os-vol-tenant-attr:tenant_id"] == "p-demo"
    assert created["id"] in vapi.backend.volumes


async def test_project_id_in_path(vapi: VolumeApi) -> None:
    vol = await vapi.create(name="p")
    resp = await vapi.client.get(f"/volume/v3/p-demo/volumes/{vol['id']}", headers=vapi.headers("demo"))
    assert resp.status_code == 200 and resp.json()["volume"]["id"] == vol["id"]
    other = await vapi.client.get(f"/volume/v3/p-alt/volumes/{vol['id']}", headers=vapi.headers("demo"))
    assert "Malformed request url" in fault(other, 400)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"size": 0}, "greater than 0"),
        ({"size": -1}, "greater than 0"),
        ({"size": "abc"}, "must be an integer"),
        ({"size": 1.5}, "size"),
        ({"size": True}, "size"),
        ({}, "size is required"),
        ({"size": 1, "bogus": 1}, "bogus"),
        ({"size": 1, "name": "x" * 256}, "name"),
        ({"size": 1, "metadata": {"k": 1}}, "metadata"),
        ({"size": 1, "metadata": "nope"}, "metadata"),
        ({"size": 1, "availability_zone": "mars"}, "Availability zone 'mars' is invalid"),
        ({"size": 1, "bootable": "maybe"}, "bootable"),
        ({"size": 1, "imageRef": "x", "snapshot_id": "y"}, "only one of"),
    ],
)
async def test_create_bad_input(vapi: VolumeApi, body: dict[str, object], needle: str) -> None:
    resp = await vapi.request("POST", "/volumes", json={"volume": body})
    assert needle in fault(resp, 400)


async def test_create_bad_bodies(vapi: VolumeApi) -> None:
    assert fault(await vapi.request("POST", "/volumes", content=b"{not json"), 400)
    assert fault(await vapi.request("POST", "/volumes", json={"size": 1}), 400)
    assert fault(await vapi.request("POST", "/volumes", json=[]), 400)


async def test_create_unknown_references(vapi: VolumeApi) -> None:
    assert "could not be found" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "volume_type": "gold"}}), 404
    )
    assert "could not be found" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"snapshot_id": "nope"}}), 404
    )
    assert "could not be found" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"source_volid": "nope"}}), 404
    )
    assert "Invalid image" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "imageRef": "nope"}}), 400
    )


async def test_policy_other_project_and_reader(vapi: VolumeApi) -> None:
    vol = await vapi.create(name="mine")
    assert "could not be found" in fault(await vapi.request("GET", f"/volumes/{vol['id']}", "alt"), 404)
    assert fault(await vapi.request("DELETE", f"/volumes/{vol['id']}", "alt"), 404)
    assert fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 2}}, "alt"), 404)
    # the reader of the same project reads but never writes
    assert (await vapi.request("GET", f"/volumes/{vol['id']}", "reader")).status_code == 200
    assert "Policy doesn't allow" in fault(
        await vapi.request("POST", "/volumes", "reader", json={"volume": {"size": 1}}), 403
    )
    assert fault(await vapi.request("DELETE", f"/volumes/{vol['id']}", "reader"), 403)
    assert fault(await vapi.request("PUT", f"/volumes/{vol['id']}", "reader", json={"volume": {"name": "x"}}), 403)
    assert fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 2}}, "reader"), 403)
    assert (await vapi.request("GET", "/volumes", "alt")).json()["volumes"] == []
    assert fault(await vapi.client.get("/volume/v3/volumes"), 401)


async def test_admin_all_tenants(vapi: VolumeApi) -> None:
    mine = await vapi.create(name="d")
    theirs = await vapi.create("alt", name="a")
    ids = {v["id"] for v in (await vapi.request("GET", "/volumes?all_tenants=1", "admin")).json()["volumes"]}
    assert {mine["id"], theirs["id"]} <= ids
    own = (await vapi.request("GET", "/volumes", "admin")).json()["volumes"]
    assert own == []
    assert (await vapi.request("GET", f"/volumes/{theirs['id']}", "admin")).json()["volume"]["os-vol-host-attr:host"]
    filtered = await vapi.request("GET", "/volumes/detail?all_tenants=1&project_id=p-alt", "admin")
    assert [v["id"] for v in filtered.json()["volumes"]] == [theirs["id"]]


async def test_list_filters_sort_and_pages(vapi: VolumeApi) -> None:
    made = []
    for i in range(5):
        made.append(await vapi.create(name=f"v{i}", size=i + 1, metadata={"n": str(i % 2)}))
    detail = (await vapi.request("GET", "/volumes/detail?sort=size:asc")).json()["volumes"]
    assert [v["size"] for v in detail] == [1, 2, 3, 4, 5]
    legacy = (await vapi.request("GET", "/volumes/detail?sort_key=name&sort_dir=desc")).json()["volumes"]
    assert [v["name"] for v in legacy] == ["v4", "v3", "v2", "v1", "v0"]
    by_name = (await vapi.request("GET", "/volumes/detail?name=v3")).json()["volumes"]
    assert [v["id"] for v in by_name] == [made[3]["id"]]
    by_meta = (await vapi.request("GET", "/volumes/detail", params={"metadata": "{'n': '1'}"})).json()["volumes"]
    assert sorted(v["name"] for v in by_meta) == ["v1", "v3"]
    assert (await vapi.request("GET", "/volumes?status=error")).json()["volumes"] == []
    page1 = (await vapi.request("GET", "/volumes?sort=size:asc&limit=2")).json()
    assert [v["id"] for v in page1["volumes"]] == [made[0]["id"], made[1]["id"]]
    assert "marker=" in page1["volumes_links"][0]["href"]
    page2 = (await vapi.request("GET", f"/volumes?sort=size:asc&limit=2&marker={made[1]['id']}")).json()
    assert [v["id"] for v in page2["volumes"]] == [made[2]["id"], made[3]["id"]]
    counted = (await vapi.request("GET", "/volumes?with_count=true&limit=1")).json()
    assert counted["count"] == 5 and len(counted["volumes"]) == 1
    assert "sort key" in fault(await vapi.request("GET", "/volumes?sort=bogus:asc"), 400)
    assert "sort direction" in fault(await vapi.request("GET", "/volumes?sort=size:sideways"), 400)
    # Cinder: MarkerNotFound is a 404.
    assert "marker" in fault(await vapi.request("GET", "/volumes?marker=nope"), 404).lower()
    assert fault(await vapi.request("GET", "/volumes?limit=-1"), 400)


async def test_update_and_metadata(vapi: VolumeApi) -> None:
    vol = await vapi.create(name="old", metadata={"a": "1"})
    resp = await vapi.request("PUT", f"/volumes/{vol['id']}", json={"volume": {"name": "new", "description": "x"}})
    assert resp.status_code == 200 and resp.json()["volume"]["name"] == "new"
    # An empty update is a no-op in Cinder (200 with the volume).
    assert (await vapi.request("PUT", f"/volumes/{vol['id']}", json={"volume": {}})).status_code == 200
    assert fault(await vapi.request("PUT", f"/volumes/{vol['id']}", json={"volume": {"size": 5}}), 400)
    path = f"/volumes/{vol['id']}/metadata"
    assert (await vapi.request("POST", path, json={"metadata": {"b": "2"}})).json()["metadata"] == {"a": "1", "b": "2"}
    assert (await vapi.request("GET", f"{path}/b")).json() == {"meta": {"b": "2"}}
    assert (await vapi.request("PUT", f"{path}/b", json={"meta": {"b": "3"}})).json() == {"meta": {"b": "3"}}
    assert "mismatch" in fault(await vapi.request("PUT", f"{path}/b", json={"meta": {"c": "3"}}), 400)
    assert "too many" in fault(await vapi.request("PUT", f"{path}/b", json={"meta": {"b": "1", "c": "2"}}), 400)
    assert (await vapi.request("DELETE", f"{path}/a")).status_code == 200
    assert fault(await vapi.request("DELETE", f"{path}/a"), 404)
    assert fault(await vapi.request("GET", f"{path}/a"), 404)
    assert (await vapi.request("PUT", path, json={"metadata": {"z": "9"}})).json()["metadata"] == {"z": "9"}
    assert (await vapi.show(vol["id"]))["metadata"] == {"z": "9"}


async def test_extend(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=1)
    assert (await vapi.action(vol["id"], {"os-extend": {"new_size": 3}})).status_code == 202
    extended = await vapi.wait(vol["id"], "available")
    assert extended["size"] == 3 and vapi.backend.volumes[vol["id"]].size == 3
    assert "greater than current size" in fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 3}}), 400)
    assert "greater than 0" in fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 0}}), 400)
    assert "new_size" in fault(await vapi.action(vol["id"], {"os-extend": {}}), 400)


async def test_extend_failure_keeps_old_size(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=1)
    vapi.backend.inject("extend", "disk full")
    await vapi.action(vol["id"], {"os-extend": {"new_size": 2}})
    failed = await vapi.wait(vol["id"], "error_extending")
    assert failed["size"] == 1


async def test_set_bootable_and_unknown_action(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert (await vapi.action(vol["id"], {"os-set_bootable": {"bootable": True}})).status_code == 200
    assert (await vapi.show(vol["id"]))["bootable"] == "true"
    assert (await vapi.action(vol["id"], {"os-set_bootable": {"bootable": "false"}})).status_code == 200
    assert (await vapi.show(vol["id"]))["bootable"] == "false"
    assert "bootable" in fault(await vapi.action(vol["id"], {"os-set_bootable": {"bootable": "perhaps"}}), 400)
    assert "no such action" in fault(await vapi.action(vol["id"], {"os-frobnicate": {}}), 400)
    assert "exactly one" in fault(await vapi.action(vol["id"], {}), 400)


async def test_delete_and_failures(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert (await vapi.request("DELETE", f"/volumes/{vol['id']}")).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")
    assert vol["id"] not in vapi.backend.volumes
    assert fault(await vapi.request("DELETE", f"/volumes/{vol['id']}"), 404)
    # a failed create goes to error with a reason and can be deleted
    vapi.backend.inject("create", "backend on fire")
    broken = await vapi.create(wait="error")
    assert (await vapi.request("DELETE", f"/volumes/{broken['id']}")).status_code == 202
    await vapi.wait_gone(f"/volumes/{broken['id']}")
    # a failed delete ends in error_deleting
    vol = await vapi.create()
    vapi.backend.inject("delete", "stuck")
    await vapi.request("DELETE", f"/volumes/{vol['id']}")
    await vapi.wait(vol["id"], "error_deleting")


async def test_delete_refused_while_attached_unless_admin_force(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    resp = await vapi.request(
        "POST", "/attachments", json={"attachment": {"volume_uuid": vol["id"], "instance_uuid": "i-1"}}
    )
    assert resp.status_code == 200
    assert "must not be attached" in fault(await vapi.request("DELETE", f"/volumes/{vol['id']}"), 400)
    assert fault(await vapi.request("DELETE", f"/volumes/{vol['id']}?force=true"), 403)
    assert fault(await vapi.action(vol["id"], {"os-force_delete": {}}), 403)
    assert (await vapi.action(vol["id"], {"os-force_delete": {}}, "admin")).status_code == 202
    await vapi.wait_gone(f"/volumes/{vol['id']}")


async def test_reset_status_admin_only(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert fault(await vapi.action(vol["id"], {"os-reset_status": {"status": "error"}}), 403)
    assert (await vapi.action(vol["id"], {"os-reset_status": {"status": "error"}}, "admin")).status_code == 202
    assert (await vapi.show(vol["id"]))["status"] == "error"
    assert "status" in fault(await vapi.action(vol["id"], {"os-reset_status": {"status": "weird"}}, "admin"), 400)


async def test_clone(vapi: VolumeApi) -> None:
    src = await vapi.create(size=2, bootable=True)
    vapi.backend.volumes[src["id"]].data = b"hello"
    clone = await vapi.create(source_volid=src["id"], size=None)
    assert clone["size"] == 2 and clone["source_volid"] == src["id"] and clone["bootable"] == "true"
    assert vapi.backend.volumes[clone["id"]].data == b"hello"
    assert "smaller than the source volume" in fault(
        await vapi.request("POST", "/volumes", json={"volume": {"source_volid": src["id"], "size": 1}}), 400
    )
    assert fault(await vapi.request("POST", "/volumes", "alt", json={"volume": {"source_volid": src["id"]}}), 404)


async def test_concurrent_creates_respect_quota(vapi: VolumeApi) -> None:
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"volumes": 3}})
    results = await asyncio.gather(*(vapi.request("POST", "/volumes", json={"volume": {"size": 1}}) for _ in range(8)))
    codes = sorted(r.status_code for r in results)
    assert codes == [202] * 3 + [413] * 5
    assert "VolumeLimitExceeded" in fault(next(r for r in results if r.status_code == 413), 413)


async def test_metadata_etags(vapi: VolumeApi) -> None:
    vol = await vapi.create(metadata={"a": "1"})
    path = f"/volumes/{vol['id']}/metadata"
    old = await vapi.request("GET", path, version="volume 3.14")
    assert "etag" not in old.headers
    first = await vapi.request("GET", path)
    tag = first.headers["etag"]
    stale = await vapi.request("PUT", path, json={"metadata": {"b": "2"}}, headers={"If-Match": '"nope"'})
    assert stale.status_code == 412
    ok = await vapi.request("PUT", path, json={"metadata": {"b": "2"}}, headers={"If-Match": f'"{tag}"'})
    assert ok.status_code == 200 and ok.json() == {"metadata": {"b": "2"}}
    # The tag changed with the metadata: the old one no longer matches.
    item = await vapi.request("PUT", f"{path}/b", json={"meta": {"b": "3"}}, headers={"If-Match": tag})
    assert item.status_code == 412
    assert (await vapi.request("GET", path)).headers["etag"] != tag
