"""Bad requests Cinder answers with 4xx (never 500), and its paging rules."""

from __future__ import annotations

from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def test_empty_ids_and_bad_values(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    assert fault(await vapi.request("GET", "/volumes/"), 404)
    assert fault(await vapi.request("DELETE", "/volumes/"), 404)
    assert fault(await vapi.request("PUT", "/volumes/", json={"volume": {"name": "x"}}), 404)
    assert (await vapi.client.get("/volume/v3/")).status_code == 200
    assert "new_size" in fault(await vapi.action(vol["id"], {"os-extend": {"new_size": None}}), 400)
    no_volume = await vapi.request("POST", "/snapshots", json={"snapshot": {"volume_id": None}})
    assert fault(no_volume, 404)


async def test_pages_link_on_and_after_a_full_page(vapi: VolumeApi) -> None:
    made = [await vapi.create(name=f"v{i}") for i in range(2)]
    first = (await vapi.request("GET", "/volumes?limit=1")).json()
    assert len(first["volumes"]) == 1
    link = first["volumes_links"][0]["href"]
    assert "/volume/v3/volumes?" in link and "limit=1" in link
    marker = first["volumes"][0]["id"]
    second = (await vapi.request("GET", f"/volumes?limit=1&marker={marker}")).json()
    # A full page is always followed by a link (the next page may be empty).
    assert "volumes_links" in second
    last = (await vapi.request("GET", f"/volumes?limit=1&marker={second['volumes'][0]['id']}")).json()
    assert last == {"volumes": []}
    assert {first["volumes"][0]["id"], second["volumes"][0]["id"]} == {v["id"] for v in made}
    assert "marker" in fault(await vapi.request("GET", "/snapshots?marker=nope"), 404).lower()


async def test_sort_by_display_name(vapi: VolumeApi) -> None:
    vol = await vapi.create()
    for name in ("b", "a"):
        await vapi.snapshot(vol["id"], name=name)
    asc = (await vapi.request("GET", "/snapshots?sort_key=display_name&sort_dir=asc")).json()["snapshots"]
    assert [s["name"] for s in asc] == ["a", "b"]
    desc = (await vapi.request("GET", "/volumes/detail?sort=display_name:desc")).json()["volumes"]
    assert len(desc) == 1


async def test_filters_size_like_times_and_resource_filters(vapi: VolumeApi) -> None:
    small = await vapi.create(name="alpha-one", size=1)
    big = await vapi.create(name="beta-two", size=3)
    by_size = (await vapi.request("GET", "/volumes?size=3")).json()["volumes"]
    assert [v["id"] for v in by_size] == [big["id"]]
    like = (await vapi.request("GET", "/volumes?name~=pha")).json()["volumes"]
    assert [v["id"] for v in like] == [small["id"]]
    # Before 3.34 "name~" is no filter.
    assert len((await vapi.request("GET", "/volumes?name~=pha", version="volume 3.33")).json()["volumes"]) == 2
    after = big["created_at"]
    newer = (await vapi.request("GET", f"/volumes?created_at=gte:{after}")).json()["volumes"]
    assert big["id"] in [v["id"] for v in newer] and small["id"] not in [v["id"] for v in newer]
    assert fault(await vapi.request("GET", "/volumes?created_at=bogus:2020-01-01"), 400)
    assert fault(await vapi.request("GET", "/volumes?created_at=gt:yesterday"), 400)
    listed = (await vapi.request("GET", "/resource_filters?resource=volume")).json()["resource_filters"]
    assert listed[0]["resource"] == "volume" and "size" in listed[0]["filters"]
    assert fault(await vapi.request("GET", "/resource_filters", version="volume 3.32"), 404)


async def test_empty_update_is_a_no_op(vapi: VolumeApi) -> None:
    vol = await vapi.create(name="same")
    resp = await vapi.request("PUT", f"/volumes/{vol['id']}", json={"volume": {}})
    assert resp.status_code == 200 and resp.json()["volume"]["name"] == "same"
    assert fault(await vapi.request("PUT", "/volumes/", json={"volume": {}}), 404)
    snap = await vapi.snapshot(vol["id"])
    assert fault(await vapi.request("PUT", f"/snapshots/{snap['id']}", json={"snapshot": {}}), 400)
