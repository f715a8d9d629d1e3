"""Volume types (default, extra specs, access), quota sets, limits, pools, zones."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_default_type(vapi: VolumeApi) -> None:
    default = (await vapi.request("GET", "/types/default")).json()["volume_type"]
    assert default["name"] == "__DEFAULT__" and default["is_public"] is True
    names = [t["name"] for t in (await vapi.request("GET", "/types")).json()["volume_types"]]
    assert names == ["__DEFAULT__"]
    assert "can not be deleted" in fault(await vapi.request("DELETE", f"/types/{default['id']}", "admin"), 400)


async def test_type_crud_and_use(vapi: VolumeApi) -> None:
    body = {"volume_type": {"name": "gold", "description": "fast", "extra_specs": {"pocketstack:tier": "1"}}}
    assert fault(await vapi.request("POST", "/types", json=body), 403)
    created = await vapi.request("POST", "/types", "admin", json=body)
    assert created.status_code == 200
    gold = created.json()["volume_type"]
    assert gold["extra_specs"] == {"pocketstack:tier": "1"}
    assert "already exists" in fault(await vapi.request("POST", "/types", "admin", json=body), 409)
    assert fault(await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": ""}}), 400)
    vol = await vapi.create(volume_type="gold")
    assert vol["volume_type"] == "gold"
    by_id = await vapi.create(volume_type=gold["id"])
    assert by_id["volume_type"] == "gold"
    assert "still in use" in fault(await vapi.request("DELETE", f"/types/{gold['id']}", "admin"), 400)
    specs = f"/types/{gold['id']}/extra_specs"
    assert (await vapi.request("POST", specs, "admin", json={"extra_specs": {"a": "b"}})).json()["extra_specs"] == {
        "a": "b"
    }
    assert (await vapi.request("GET", f"{specs}/a", "admin")).json() == {"a": "b"}
    assert (await vapi.request("PUT", f"{specs}/a", "admin", json={"a": "c"})).json() == {"a": "c"}
    assert "mismatch" in fault(await vapi.request("PUT", f"{specs}/a", "admin", json={"b": "c"}), 400)
    assert (await vapi.request("DELETE", f"{specs}/a", "admin")).status_code == 202
    assert fault(await vapi.request("GET", f"{specs}/a", "admin"), 404)
    # Readers list a type's specs (types_extra_specs:index), only the user-visible ones
    # unless read_sensitive lets them (admins), as Cinder.
    wanted = {"volume_backend_name": "secret-backend", "multiattach": "<is> True"}
    assert (await vapi.request("POST", specs, "admin", json={"extra_specs": wanted})).status_code == 200
    assert (await vapi.request("GET", specs, "demo")).json()["extra_specs"] == {"multiattach": "<is> True"}
    assert fault(await vapi.request("GET", f"{specs}/volume_backend_name", "demo"), 404)
    assert wanted.items() <= (await vapi.request("GET", specs, "admin")).json()["extra_specs"].items()
    renamed = await vapi.request("PUT", f"/types/{gold['id']}", "admin", json={"volume_type": {"name": "platinum"}})
    assert renamed.json()["volume_type"]["name"] == "platinum"
    for v in (vol, by_id):
        await vapi.request("DELETE", f"/volumes/{v['id']}")
        await vapi.wait_gone(f"/volumes/{v['id']}")
    assert (await vapi.request("DELETE", f"/types/{gold['id']}", "admin")).status_code == 202
    assert fault(await vapi.request("GET", f"/types/{gold['id']}", "admin"), 404)


async def test_private_type_access(vapi: VolumeApi) -> None:
    body = {"volume_type": {"name": "secret", "os-volume-type-access:is_public": False}}
    vtype = (await vapi.request("POST", "/types", "admin", json=body)).json()["volume_type"]
    assert fault(await vapi.request("GET", f"/types/{vtype['id']}", "demo"), 404)
    assert fault(await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "volume_type": "secret"}}), 404)
    grant = {"addProjectAccess": {"project": "p-demo"}}
    assert (await vapi.request("POST", f"/types/{vtype['id']}/action", "admin", json=grant)).status_code == 202
    assert (await vapi.request("GET", f"/types/{vtype['id']}", "demo")).status_code == 200
    access = (await vapi.request("GET", f"/types/{vtype['id']}/os-volume-type-access", "admin")).json()
    assert access["volume_type_access"] == [{"volume_type_id": vtype["id"], "project_id": "p-demo"}]
    assert fault(await vapi.request("POST", f"/types/{vtype['id']}/action", "admin", json=grant), 409)
    assert (await vapi.create(volume_type="secret"))["volume_type"] == "secret"


async def test_quota_sets_and_limits(vapi: VolumeApi) -> None:
    quota = (await vapi.request("GET", "/os-quota-sets/p-demo")).json()["quota_set"]
    assert quota["volumes"] == 10 and quota["gigabytes"] == 1000 and quota["volumes___DEFAULT__"] == -1
    assert fault(await vapi.request("GET", "/os-quota-sets/p-alt"), 403)
    assert fault(await vapi.request("PUT", "/os-quota-sets/p-demo", json={"quota_set": {"volumes": 1}}), 403)
    bad = await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"pizzas": 1}})
    assert "pizzas" in fault(bad, 400)
    assert fault(await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"volumes": -5}}), 400)
    assert fault(await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"volumes": "x"}}), 400)
    await vapi.create(size=3)
    usage = (await vapi.request("GET", "/os-quota-sets/p-demo?usage=true")).json()["quota_set"]
    assert usage["volumes"]["in_use"] == 1 and usage["gigabytes"]["in_use"] == 3
    assert usage["volumes___DEFAULT__"]["in_use"] == 1
    limits = (await vapi.request("GET", "/limits")).json()["limits"]["absolute"]
    assert limits["totalVolumesUsed"] == 1 and limits["totalGigabytesUsed"] == 3 and limits["maxTotalVolumes"] == 10
    upd = await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"gigabytes": 4}})
    assert upd.json()["quota_set"]["gigabytes"] == 4
    msg = fault(await vapi.request("POST", "/volumes", json={"volume": {"size": 2}}), 413)
    assert "Requested 2G, quota is 4G and 3G has been consumed" in msg
    # per type
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"gigabytes": 100}})
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"volumes___DEFAULT__": 1}})
    assert "volumes___DEFAULT__" in fault(await vapi.request("POST", "/volumes", json={"volume": {"size": 1}}), 413)
    # extend counts too
    await vapi.request("DELETE", "/os-quota-sets/p-demo", "admin")
    defaults = (await vapi.request("GET", "/os-quota-sets/p-demo/defaults")).json()["quota_set"]
    assert defaults["volumes"] == 10
    assert (await vapi.request("GET", "/os-quota-sets/p-demo")).json()["quota_set"]["gigabytes"] == 1000


async def test_extend_respects_quota(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=2)
    await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json={"quota_set": {"gigabytes": 3}})
    assert "gigabytes" in fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 4}}), 413)
    assert (await vapi.action(vol["id"], {"os-extend": {"new_size": 3}})).status_code == 202


async def test_pools_and_zones(vapi: VolumeApi) -> None:
    await vapi.create(size=7)
    pools = (await vapi.request("GET", "/scheduler-stats/get_pools?detail=true", "admin")).json()["pools"]
    caps = pools[0]["capabilities"]
    assert caps["total_capacity_gb"] == 100 and caps["allocated_capacity_gb"] == 7 and caps["free_capacity_gb"] == 93
    assert fault(await vapi.request("GET", "/scheduler-stats/get_pools"), 403)
    zones = (await vapi.request("GET", "/os-availability-zone")).json()["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": True}}]


async def test_backend_full_puts_volume_in_error(vapi: VolumeApi) -> None:
    vol = await vapi.create(size=150, wait="error")
    assert vol["status"] == "error"
    assert vapi.backend.capacity().allocated_gb == 0


async def test_per_volume_gigabytes_and_groups_quotas(vapi: VolumeApi) -> None:
    limits = {"quota_set": {"per_volume_gigabytes": 2, "groups": 1}}
    assert (await vapi.request("PUT", "/os-quota-sets/p-demo", "admin", json=limits)).status_code == 200
    too_big = await vapi.request("POST", "/volumes", json={"volume": {"size": 3}})
    assert "larger than maximum allowed limit 2G" in fault(too_big, 413)
    vol = await vapi.create(size=2)
    assert "maximum allowed limit" in fault(await vapi.action(vol["id"], {"os-extend": {"new_size": 3}}), 413)
    vtype = (await vapi.request("POST", "/types", "admin", json={"volume_type": {"name": "q"}})).json()
    gtype = (await vapi.request("POST", "/group_types", "admin", json={"group_type": {"name": "qg"}})).json()
    body = {"group": {"group_type": gtype["group_type"]["id"], "volume_types": [vtype["volume_type"]["id"]]}}
    assert (await vapi.request("POST", "/groups", json=body)).status_code == 202
    assert "groups" in fault(await vapi.request("POST", "/groups", json=body), 413)
    usage = (await vapi.request("GET", "/os-quota-sets/p-demo?usage=true")).json()["quota_set"]
    assert usage["groups"] == {"limit": 1, "in_use": 1, "reserved": 0, "allocated": 0}


async def test_type_availability_zones(vapi: VolumeApi) -> None:
    for name, zones in (("here", "nova, other"), ("elsewhere", "other")):
        body = {"volume_type": {"name": name, "extra_specs": {"RESKEY:availability_zones": zones}}}
        assert (await vapi.request("POST", "/types", "admin", json=body)).status_code == 200
    assert (await vapi.create(volume_type="here"))["availability_zone"] == "nova"
    refused = await vapi.request("POST", "/volumes", json={"volume": {"size": 1, "volume_type": "elsewhere"}})
    assert "only supported in these availability zones: other" in fault(refused, 400)
