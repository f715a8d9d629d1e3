"""What every volume page of a client calls besides volumes: services and hosts,
extensions, QoS specs, capabilities, quota classes, type encryption, group types,
groups, the volume summary."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_services_list_filter_disable_freeze(vapi: VolumeApi) -> None:
    assert fault(await vapi.request("GET", "/os-services"), 403)
    listed = (await vapi.request("GET", "/os-services", "admin")).json()["services"]
    by_binary = {s["binary"]: s for s in listed}
    assert set(by_binary) == {"cinder-scheduler", "cinder-volume"}
    vol = by_binary["cinder-volume"]
    assert vol["host"] == "pocketstack@file" and vol["zone"] == "nova"
    assert vol["status"] == "enabled" and vol["state"] == "up" and vol["updated_at"]
    assert vol["frozen"] is False and vol["cluster"] is None and vol["backend_state"] == "up"
    assert by_binary["cinder-scheduler"]["host"] == "pocketstack"
    old = (await vapi.request("GET", "/os-services", "admin", version="volume 3.0")).json()["services"]
    assert all("cluster" not in s and "backend_state" not in s for s in old)
    only = await vapi.request("GET", "/os-services?binary=cinder-volume&host=pocketstack@file", "admin")
    assert [s["binary"] for s in only.json()["services"]] == ["cinder-volume"]
    on_host = (await vapi.request("GET", "/os-services?host=pocketstack", "admin")).json()["services"]
    assert sorted(s["binary"] for s in on_host) == ["cinder-scheduler", "cinder-volume"]
    body = {"host": "pocketstack@file", "binary": "cinder-volume", "disabled_reason": "maintenance"}
    off = await vapi.request("PUT", "/os-services/disable-log-reason", "admin", json=body)
    assert off.json() == {**body, "service": "", "status": "disabled", "disabled": True}
    after = (await vapi.request("GET", "/os-services?binary=cinder-volume", "admin")).json()["services"][0]
    assert after["status"] == "disabled" and after["disabled_reason"] == "maintenance"
    hosts = (await vapi.request("GET", "/os-hosts", "admin")).json()["hosts"]
    assert [h["service"] for h in hosts] == ["cinder-scheduler"]
    enable = {"host": "pocketstack@file", "binary": "cinder-volume"}
    on = await vapi.request("PUT", "/os-services/enable", "admin", json=enable)
    assert on.json()["status"] == "enabled" and on.json()["disabled"] is False
    missing = {"host": "nowhere", "binary": "cinder-volume"}
    assert fault(await vapi.request("PUT", "/os-services/enable", "admin", json=missing), 404)
    no_reason = {**body, "disabled_reason": None}
    assert fault(await vapi.request("PUT", "/os-services/disable-log-reason", "admin", json=no_reason), 400)
    assert fault(await vapi.request("PUT", "/os-services/freeze", "admin", json={"host": "nowhere"}), 400)
    frozen = await vapi.request("PUT", "/os-services/freeze", "admin", json={"host": "pocketstack@file"})
    assert frozen.status_code == 200
    listed = (await vapi.request("GET", "/os-services?binary=cinder-volume", "admin")).json()["services"]
    assert listed[0]["frozen"] is True


async def test_hosts_and_capabilities(vapi: VolumeApi) -> None:
    await vapi.create(size=2)
    hosts = (await vapi.request("GET", "/os-hosts", "admin")).json()["hosts"]
    assert {h["service"] for h in hosts} == {"cinder-scheduler", "cinder-volume"}
    assert all(h["service-status"] == "available" and h["service-state"] == "enabled" for h in hosts)
    usage = (await vapi.request("GET", "/os-hosts/pocketstack@file", "admin")).json()["host"]
    total = usage[0]["resource"]
    assert total["project"] == "(total)" and total["volume_count"] == "1" and total["total_volume_gb"] == "2"
    assert fault(await vapi.request("GET", "/os-hosts/nowhere", "admin"), 404)
    caps = (await vapi.request("GET", "/capabilities/pocketstack@file", "admin")).json()
    pools = (await vapi.request("GET", "/scheduler-stats/get_pools?detail=true", "admin")).json()["pools"]
    assert caps["namespace"] == "OS::Storage::Capabilities::pocketstack@file"
    for key in ("vendor_name", "volume_backend_name", "storage_protocol"):
        assert caps[key] == pools[0]["capabilities"][key]
    assert fault(await vapi.request("GET", "/capabilities/other@x", "admin"), 404)


async def test_extensions(vapi: VolumeApi) -> None:
    exts = (await vapi.request("GET", "/extensions", "reader")).json()["extensions"]
    aliases = {e["alias"] for e in exts}
    assert {"os-hosts", "os-services", "qos-specs", "os-volume-transfer", "encryption"} <= aliases
    assert "backups" not in aliases and all(e["links"] == [] for e in exts)
    one = (await vapi.request("GET", "/extensions/os-hosts")).json()["extension"]
    assert one["name"] == "Hosts"
    assert fault(await vapi.request("GET", "/extensions/nope"), 404)


async def test_qos_specs_crud_and_association(vapi: VolumeApi) -> None:
    assert (await vapi.request("GET", "/qos-specs", "admin")).json() == {"qos_specs": []}
    body = {"qos_specs": {"name": "fast", "consumer": "front-end", "read_iops_sec": "2000"}}
    assert fault(await vapi.request("POST", "/qos-specs", json=body), 403)
    created = (await vapi.request("POST", "/qos-specs", "admin", json=body)).json()
    spec = created["qos_specs"]
    assert spec["consumer"] == "front-end" and spec["specs"] == {"read_iops_sec": "2000"}
    assert created["links"][0]["href"].endswith(f"/qos-specs/{spec['id']}")
    assert fault(await vapi.request("POST", "/qos-specs", "admin", json=body), 409)
    bad = {"qos_specs": {"name": "x", "consumer": "nowhere"}}
    assert fault(await vapi.request("POST", "/qos-specs", "admin", json=bad), 400)
    qid = spec["id"]
    upd = await vapi.request("PUT", f"/qos-specs/{qid}", "admin", json={"qos_specs": {"iops": "5"}})
    assert upd.json() == {"qos_specs": {"iops": "5"}}
    unset = await vapi.request("PUT", f"/qos-specs/{qid}/delete_keys", "admin", json={"keys": ["read_iops_sec"]})
    assert unset.status_code == 202
    shown = (await vapi.request("GET", f"/qos-specs/{qid}", "admin")).json()["qos_specs"]
    assert shown["specs"] == {"iops": "5"}
    vtype = (await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": "q"}})).json()["volume_type"]
    assoc = await vapi.request("GET", f"/qos-specs/{qid}/associate?vol_type_id={vtype['id']}", "admin")
    assert assoc.status_code == 202
    assert fault(await vapi.request("GET", f"/qos-specs/{qid}/associate", "admin"), 400)
    links = (await vapi.request("GET", f"/qos-specs/{qid}/associations", "admin")).json()["qos_associations"]
    assert links == [{"association_type": "volume_type", "name": "q", "id": vtype["id"]}]
    shown_type = (await vapi.request("GET", f"/types/{vtype['id']}", "admin")).json()["volume_type"]
    assert shown_type["qos_specs_id"] == qid
    assert "still in use" in fault(await vapi.request("DELETE", f"/qos-specs/{qid}", "admin"), 400)
    assert (await vapi.request("GET", f"/qos-specs/{qid}/disassociate_all", "admin")).status_code == 202
    assert (await vapi.request("GET", f"/qos-specs/{qid}/associations", "admin")).json()["qos_associations"] == []
    assert (await vapi.request("DELETE", f"/qos-specs/{qid}", "admin")).status_code == 202
    assert fault(await vapi.request("GET", f"/qos-specs/{qid}", "admin"), 404)


async def test_quota_classes_set_the_defaults(vapi: VolumeApi) -> None:
    default = (await vapi.request("GET", "/os-quota-class-sets/default", "admin")).json()["quota_class_set"]
    assert default["id"] == "default" and default["volumes"] == 10
    body = {"quota_class_set": {"volumes": 12, "gigabytes": 99}}
    updated = (await vapi.request("PUT", "/os-quota-class-sets/default", "admin", json=body)).json()
    assert updated["quota_class_set"]["volumes"] == 12 and "id" not in updated["quota_class_set"]
    defaults = (await vapi.request("GET", "/os-quota-sets/p-new/defaults", "admin")).json()["quota_set"]
    assert defaults["volumes"] == 12 and defaults["gigabytes"] == 99
    shown = (await vapi.request("GET", "/os-quota-sets/p-demo")).json()["quota_set"]
    assert shown["volumes"] == 12
    bad = {"quota_class_set": {"nonsense": 1}}
    assert fault(await vapi.request("PUT", "/os-quota-class-sets/default", "admin", json=bad), 400)
    assert fault(await vapi.request("PUT", "/os-quota-class-sets/default", json=body), 403)


async def test_type_encryption_is_empty(vapi: VolumeApi) -> None:
    default = (await vapi.request("GET", "/types/default")).json()["volume_type"]
    resp = await vapi.request("GET", f"/types/{default['id']}/encryption", "admin")
    assert resp.status_code == 200 and resp.json() == {}
    assert fault(await vapi.request("GET", "/types/nope/encryption", "admin"), 404)


async def test_type_encryption_crud_and_no_key_manager(vapi: VolumeApi) -> None:
    vtype = (await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": "luks"}})).json()
    path = f"/types/{vtype['volume_type']['id']}/encryption"
    spec = {"provider": "luks", "key_size": "256", "cipher": "aes-xts-plain64", "control_location": "front-end"}
    created = (await vapi.request("POST", path, "admin", json={"encryption": spec})).json()["encryption"]
    assert created["key_size"] == 256 and created["volume_type_id"] == vtype["volume_type"]["id"]
    assert "already exists" in fault(await vapi.request("POST", path, "admin", json={"encryption": spec}), 400)
    shown = (await vapi.request("GET", path, "admin")).json()
    assert shown["provider"] == "luks" and shown["encryption_id"] == created["encryption_id"]
    assert shown["deleted"] is False and shown["created_at"]
    item = f"{path}/{created['encryption_id']}"
    change = {"key_size": 128, "control_location": "back-end"}
    upd = await vapi.request("PUT", item, "admin", json={"encryption": change})
    assert upd.json() == {"encryption": change}
    assert (await vapi.request("GET", f"{path}/cipher", "admin")).json() == {"cipher": "aes-xts-plain64"}
    bad = {"encryption": {"provider": "x", "control_location": "middle"}}
    assert fault(await vapi.request("PUT", item, "admin", json=bad), 400)
    # No key manager here: a volume of an encrypted type cannot be made.
    refused = await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "volume_type": "luks"}})
    assert "key manager" in fault(refused, 400)
    assert (await vapi.request("DELETE", item, "admin")).status_code == 202
    assert (await vapi.request("GET", path, "admin")).json() == {}
    assert (await vapi.create(volume_type="luks"))["encrypted"] is False


async def test_group_types_and_groups(vapi: VolumeApi) -> None:
    assert (await vapi.request("GET", "/group_types")).json() == {"group_types": []}
    assert fault(await vapi.request("GET", "/group_types", version="volume 3.10"), 404)
    body = {"group_type": {"name": "b-grp", "is_public": False, "group_specs": {"k": "v"}}}
    created = await vapi.request("POST", "/group_types", "admin", json=body)
    assert created.status_code == 202
    gt = created.json()["group_type"]
    await vapi.request("POST", "/group_types", "admin", json={"group_type": {"name": "a-grp"}})
    ordered = (await vapi.request("GET", "/group_types?sort=name:asc", "admin")).json()["group_types"]
    names = [t["name"] for t in ordered]
    assert names == ["a-grp", "b-grp"]
    public = (await vapi.request("GET", "/group_types?is_public=true", "admin")).json()["group_types"]
    assert [t["name"] for t in public] == ["a-grp"]
    assert [t["name"] for t in (await vapi.request("GET", "/group_types")).json()["group_types"]] == ["a-grp"]
    specs = f"/group_types/{gt['id']}/group_specs"
    assert (await vapi.request("POST", specs, "admin", json={"group_specs": {"x": "y"}})).status_code == 202
    assert (await vapi.request("GET", specs, "admin")).json() == {"group_specs": {"k": "v", "x": "y"}}
    assert (await vapi.request("PUT", f"{specs}/x", "admin", json={"x": "z"})).json() == {"x": "z"}
    assert (await vapi.request("DELETE", f"{specs}/x", "admin")).status_code == 202
    assert fault(await vapi.request("GET", f"{specs}/x", "admin"), 404)
    upd = await vapi.request("PUT", f"/group_types/{gt['id']}", "admin", json={"group_type": {"description": "d"}})
    assert upd.json()["group_type"]["description"] == "d"
    assert fault(await vapi.request("PUT", f"/group_types/{gt['id']}", "admin", json={"group_type": {}}), 400)
    assert (await vapi.request("DELETE", f"/group_types/{gt['id']}", "admin")).status_code == 202
    assert (await vapi.request("GET", "/groups/detail")).json() == {"groups": []}
    assert fault(await vapi.request("GET", "/groups/detail", version="volume 3.12"), 404)
    assert fault(await vapi.request("GET", "/group_types/default"), 404)


async def test_volume_summary(vapi: VolumeApi) -> None:
    await vapi.create(size=2, metadata={"a": "1"})
    await vapi.create(size=3, metadata={"a": "2"})
    out = (await vapi.request("GET", "/volumes/summary")).json()["volume-summary"]
    assert out["total_count"] == 2 and out["total_size"] == 5 and sorted(out["metadata"]["a"]) == ["1", "2"]
    old = (await vapi.request("GET", "/volumes/summary", version="volume 3.12")).json()["volume-summary"]
    assert "metadata" not in old
    assert (await vapi.request("GET", "/volumes/summary", "alt")).json()["volume-summary"]["total_count"] == 0
    assert fault(await vapi.request("GET", "/volumes/summary", version="volume 3.11"), 404)


async def test_project_default_types(vapi: VolumeApi) -> None:
    fast = (await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": "fast"}})).json()
    fast_id = fast["volume_type"]["id"]
    body = {"default_type": {"volume_type": "fast"}}
    assert fault(await vapi.request("PUT", "/default-types/p-demo", json=body), 403)
    assert fault(await vapi.request("PUT", "/default-types/p-demo", "admin", version="volume 3.61", json=body), 404)
    bad = {"default_type": {"volume_type": "nope"}}
    assert fault(await vapi.request("PUT", "/default-types/p-demo", "admin", json=bad), 400)
    resp = await vapi.request("PUT", "/default-types/p-demo", "admin", json=body)
    assert resp.json() == {"default_type": {"project_id": "p-demo", "volume_type_id": fast_id}}
    assert (await vapi.request("GET", "/default-types", "admin")).json()["default_types"] == [
        {"project_id": "p-demo", "volume_type_id": fast_id}
    ]
    # The project's volumes without a type, and its /types/default, take it; others do not.
    assert (await vapi.create())["volume_type"] == "fast"
    assert (await vapi.request("GET", "/types/default")).json()["volume_type"]["name"] == "fast"
    assert (await vapi.create("alt"))["volume_type"] == "__DEFAULT__"
    assert "default volume type of a project" in fault(await vapi.request("DELETE", f"/types/{fast_id}", "admin"), 400)
    assert (await vapi.request("DELETE", "/default-types/p-demo", "admin")).status_code == 204
    assert fault(await vapi.request("GET", "/default-types/p-demo", "admin"), 404)
    assert (await vapi.request("GET", "/types/default")).json()["volume_type"]["name"] == "__DEFAULT__"


async def test_microversion_filters_and_clusters(vapi: VolumeApi) -> None:
    specs = {"volume_type": {"name": "m", "extra_specs": {"multiattach": "<is> True", "x:secret": "1"}}}
    assert (await vapi.request("POST", "/types", "admin", json=specs)).status_code == 200
    bogus = {"volume_type": {"name": "nowhere", "extra_specs": {"storage_protocol": "iSCSI-x"}}}
    assert (await vapi.request("POST", "/types", "admin", json=bogus)).status_code == 200
    # 3.52: types by extra specs (non-admins: only the user-visible keys count).
    found = (await vapi.request("GET", "/types?extra_specs={'multiattach': '<is> True'}")).json()["volume_types"]
    assert [t["name"] for t in found] == ["m"]
    everything = await vapi.request("GET", "/types?extra_specs={'x:secret': '1'}")
    assert len(everything.json()["volume_types"]) == 3
    only = await vapi.request("GET", "/types?extra_specs={'x:secret': '1'}", "admin")
    assert [t["name"] for t in only.json()["volume_types"]] == ["m"]
    # 3.35: pools that can hold a type.
    pools = "/scheduler-stats/get_pools?volume_type="
    assert len((await vapi.request("GET", pools + "m", "admin")).json()["pools"]) == 1
    assert (await vapi.request("GET", pools + "nowhere", "admin")).json()["pools"] == []
    # 3.39: an admin reads another project's limits.
    await vapi.create(size=2)
    other = (await vapi.request("GET", "/limits?project_id=p-demo", "admin")).json()["limits"]["absolute"]
    assert other["totalGigabytesUsed"] == 2
    mine = (await vapi.request("GET", "/limits?project_id=p-demo", "alt")).json()["limits"]["absolute"]
    assert mine["totalGigabytesUsed"] == 0
    # 3.65: everything here consumes quota.
    assert len((await vapi.request("GET", "/volumes?consumes_quota=true")).json()["volumes"]) == 1
    assert (await vapi.request("GET", "/volumes?consumes_quota=false")).json()["volumes"] == []
    assert (await vapi.request("GET", "/snapshots?consumes_quota=false")).json()["snapshots"] == []
    # 3.7: no clustered services, so no clusters.
    assert (await vapi.request("GET", "/clusters/detail", "admin")).json() == {"clusters": []}
    assert fault(await vapi.request("GET", "/clusters/c1", "admin"), 404)
    assert fault(await vapi.request("PUT", "/clusters/enable", "admin", json={"name": "c1"}), 404)
    assert fault(await vapi.request("GET", "/clusters", "admin", version="volume 3.6"), 404)


async def test_service_log_levels(vapi: VolumeApi) -> None:
    import logging

    logging.getLogger("pocketstack.volume.manager")
    body = {"binary": "cinder-volume", "prefix": "pocketstack.volume.manager", "level": "DEBUG"}
    assert fault(await vapi.request("PUT", "/os-services/set-log", "admin", version="volume 3.31", json=body), 404)
    assert (await vapi.request("PUT", "/os-services/set-log", "admin", json=body)).status_code == 202
    try:
        got = await vapi.request("PUT", "/os-services/get-log", "admin", json={"prefix": "pocketstack.volume.manager"})
        levels = got.json()["log_levels"]
        assert {x["binary"] for x in levels} == {"cinder-api", "cinder-scheduler", "cinder-volume"}
        assert levels[0]["levels"] == {"pocketstack.volume.manager": "DEBUG"}
        bad = {**body, "level": "LOUD"}
        assert fault(await vapi.request("PUT", "/os-services/set-log", "admin", json=bad), 400)
        assert fault(await vapi.request("PUT", "/os-services/set-log", json=body), 403)
        # Other services' loggers are not the volume service's to change.
        outside = {"prefix": "pocketstack.compute", "level": "DEBUG"}
        assert (await vapi.request("PUT", "/os-services/set-log", "admin", json=outside)).status_code == 202
        none = await vapi.request("PUT", "/os-services/get-log", "admin", json={"prefix": "pocketstack.compute"})
        assert all(x["levels"] == {} for x in none.json()["log_levels"])
    finally:
        logging.getLogger("pocketstack.volume.manager").setLevel(logging.NOTSET)
