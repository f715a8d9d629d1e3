"""GET /v2/images: who sees what, filters, sorting and pagination with next links."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401


async def _world(api: ImageApi) -> dict[str, str]:
    ids = {}
    ids["public"] = (await api.create("admin", name="pub", visibility="public"))["id"]
    ids["admin_private"] = (await api.create("admin", name="adm", visibility="private"))["id"]
    ids["demo_private"] = (await api.create("demo", name="mine", visibility="private"))["id"]
    ids["demo_shared"] = (await api.create("demo", name="shr", visibility="shared"))["id"]
    ids["alt_community"] = (await api.create("alt", name="com", visibility="community"))["id"]
    ids["alt_shared"] = (await api.create("alt", name="alt-shr", visibility="shared"))["id"]
    ids["hidden"] = (await api.create("demo", name="hid", os_hidden=True))["id"]
    return ids


async def test_default_visibility_rules(api: ImageApi) -> None:
    ids = await _world(api)
    demo = set(await api.list_ids())
    assert demo == {ids["public"], ids["demo_private"], ids["demo_shared"]}
    alt = set(await api.list_ids(token="alt"))
    assert alt == {ids["public"], ids["alt_community"], ids["alt_shared"]}
    admin = set(await api.list_ids(token="admin"))
    assert admin == set(ids.values()) - {ids["hidden"]}
    reader = set(await api.list_ids(token="reader"))
    assert reader == demo


async def test_visibility_filters(api: ImageApi) -> None:
    ids = await _world(api)
    assert await api.list_ids("?visibility=community") == [ids["alt_community"]]
    assert await api.list_ids("?visibility=public", "alt") == [ids["public"]]
    assert await api.list_ids("?visibility=private") == [ids["demo_private"]]
    assert set(await api.list_ids("?visibility=all")) == {
        ids["public"],
        ids["demo_private"],
        ids["demo_shared"],
        ids["alt_community"],
    }
    assert await api.list_ids("?os_hidden=true") == [ids["hidden"]]
    resp = await api.get("/v2/images?visibility=friends")
    assert resp.status_code == 400 and "friends" in resp.text


async def test_shared_images_follow_member_status(api: ImageApi) -> None:
    ids = await _world(api)
    image = ids["alt_shared"]
    resp = await api.client.post(
        f"/image/v2/images/{image}/members", json={"member": "p-demo"}, headers={"X-Auth-Token": "alt"}
    )
    assert resp.status_code == 200, resp.text
    # Pending: not listed by default, but can be shown and listed with member_status.
    assert image not in await api.list_ids()
    assert (await api.show(image))["id"] == image
    assert await api.list_ids("?visibility=shared&member_status=pending") == [image]
    assert await api.list_ids("?visibility=shared&member_status=all") == [image]
    resp = await api.client.put(
        f"/image/v2/images/{image}/members/p-demo", json={"status": "accepted"}, headers={"X-Auth-Token": "demo"}
    )
    assert resp.status_code == 200
    assert image in await api.list_ids()
    assert set(await api.list_ids("?visibility=shared")) == {image, ids["demo_shared"]}
    assert await api.list_ids("?visibility=shared&member_status=accepted") == [image]
    assert await api.list_ids("?visibility=shared&member_status=pending") == []
    resp = await api.get("/v2/images?member_status=maybe")
    assert resp.status_code == 400


async def test_filters(api: ImageApi) -> None:
    a = await api.create(name="alpha", disk_format="qcow2", tags=["x", "y"], distro="debian")
    b = await api.create(name="beta", disk_format="raw", tags=["x"], protected=True)
    assert (await api.upload(b["id"], b"12345")).status_code == 204
    assert await api.list_ids("?name=alpha") == [a["id"]]
    assert set(await api.list_ids("?name=in:alpha,beta")) == {a["id"], b["id"]}
    assert await api.list_ids("?disk_format=raw") == [b["id"]]
    assert await api.list_ids("?status=active") == [b["id"]]
    assert await api.list_ids("?status=queued") == [a["id"]]
    assert set(await api.list_ids("?tag=x")) == {a["id"], b["id"]}
    assert await api.list_ids("?tag=x&tag=y") == [a["id"]]
    assert await api.list_ids("?distro=debian") == [a["id"]]
    assert await api.list_ids("?protected=true") == [b["id"]]
    assert await api.list_ids("?size_min=5&size_max=5") == [b["id"]]
    assert await api.list_ids("?size_min=6") == []
    # Core columns filter by value, never as extra properties (Tempest lists by ?size=).
    assert await api.list_ids("?size=5") == [b["id"]]
    assert await api.list_ids("?size=6") == []
    assert await api.list_ids(f"?checksum={hashlib.md5(b'12345').hexdigest()}") == [b["id"]]
    assert await api.list_ids("?os_hash_algo=sha512") == [b["id"]]
    assert set(await api.list_ids("?min_disk=0&min_ram=0")) == {a["id"], b["id"]}
    assert await api.list_ids("?owner=p-demo&name=beta") == [b["id"]]
    assert await api.list_ids(f"?id={a['id']}") == [a["id"]]
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(await api.list_ids(f"?created_at=gt:{past}")) == {a["id"], b["id"]}
    assert await api.list_ids(f"?created_at=lt:{past}") == []
    assert set(await api.list_ids(f"?updated_at=gte:{past}")) == {a["id"], b["id"]}


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("?limit=-1", "limit"),
        ("?limit=abc", "limit"),
        ("?size_min=big", "size_min"),
        ("?size=big", "size"),
        ("?virtual_size_max=-1", "virtual_size_max"),
        ("?created_at=gt:yesterday", "created_at"),
        ("?protected=perhaps", "protected"),
        ("?sort_key=colour", "Invalid sort key"),
        ("?sort_dir=up", "Invalid sort direction"),
        ("?sort=name:sideways", "Invalid sort direction"),
        ("?sort=name&sort_key=id", "cannot be combined"),
        ("?marker=00000000-0000-0000-0000-000000000000", "Invalid marker"),
    ],
)
async def test_bad_list_queries(api: ImageApi, query: str, needle: str) -> None:
    resp = await api.get(f"/v2/images{query}")
    assert resp.status_code == 400, resp.text
    assert needle in resp.text


async def test_marker_must_be_visible(api: ImageApi) -> None:
    private = await api.create("alt", visibility="private")
    resp = await api.get(f"/v2/images?marker={private['id']}")
    assert resp.status_code == 400 and "Invalid marker" in resp.text


async def test_pagination_follows_next_links(api: ImageApi) -> None:
    created = [(await api.create(name=f"img-{i:02d}", min_ram=i % 3))["id"] for i in range(12)]
    seen: list[str] = []
    url = "/v2/images?limit=5&sort_key=name&sort_dir=asc"
    pages = 0
    while url:
        resp = await api.get(url)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["schema"] == "/v2/schemas/images"
        assert body["first"] == "/v2/images?limit=5&sort_key=name&sort_dir=asc"
        assert len(body["images"]) <= 5
        seen += [img["id"] for img in body["images"]]
        url = body.get("next", "")
        if url:
            assert url.startswith("/v2/images?")
            query = parse_qs(urlsplit(url).query)
            assert query["limit"] == ["5"] and query["sort_key"] == ["name"]
        pages += 1
    assert pages == 3
    assert (await api.get("/v2/images")).json()["first"] == "/v2/images"
    assert seen == created  # names sort the same as creation order here


@pytest.mark.parametrize(
    "sort",
    [
        "sort_key=min_ram&sort_dir=desc",
        "sort=min_ram:asc,name:desc",
        "sort_key=created_at",
        "sort_key=size&sort_key=name&sort_dir=asc&sort_dir=desc",
    ],
)
async def test_pagination_is_complete_and_ordered_for_any_sort(api: ImageApi, sort: str) -> None:
    for i in range(9):
        img = await api.create(name=f"n{i % 4}", min_ram=i % 3)
        if i % 2:
            assert (await api.upload(img["id"], b"x" * i)).status_code == 204
    full = await api.list_ids(f"?limit=100&{sort}")
    paged: list[str] = []
    url = f"/v2/images?limit=2&{sort}"
    while url:
        body = (await api.get(url)).json()
        paged += [img["id"] for img in body["images"]]
        url = body.get("next", "")
    assert len(full) == 9
    assert paged == full


async def test_sort_orders(api: ImageApi) -> None:
    for name in ("b", "c", "a"):
        await api.create(name=name)
    resp = (await api.get("/v2/images?sort=name:asc")).json()
    assert [img["name"] for img in resp["images"]] == ["a", "b", "c"]
    resp = (await api.get("/v2/images?sort_key=name&sort_dir=desc")).json()
    assert [img["name"] for img in resp["images"]] == ["c", "b", "a"]
    default = (await api.get("/v2/images")).json()
    assert [img["name"] for img in default["images"]] == ["a", "c", "b"]  # newest first


async def test_limit_is_capped(api: ImageApi) -> None:
    for _ in range(3):
        await api.create()
    resp = await api.get("/v2/images?limit=100000")
    assert resp.status_code == 200 and len(resp.json()["images"]) == 3
