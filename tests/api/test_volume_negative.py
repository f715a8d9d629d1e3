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
