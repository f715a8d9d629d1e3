"""Accounts and containers of the object storage API: usage, metadata, listings with
Swift's paging parameters and formats, deletion only when empty, and bad input."""

from __future__ import annotations

from xml.etree import ElementTree

from tests.api.object_support import ObjectApi, api_fixture, object_config_fixture  # noqa: F401


async def test_info_needs_no_token(api: ObjectApi) -> None:
    resp = await api.client.get("/object/info")
    assert resp.status_code == 200
    info = resp.json()
    assert info["swift"]["container_listing_limit"] == 10000
    assert {"tempurl", "slo", "bulk_delete", "container_quotas", "account_quotas", "versioned_writes"} <= set(info)


async def test_new_account_is_empty_and_auto_created(api: ObjectApi) -> None:
    resp = await api.call("HEAD", "")
    assert resp.status_code == 204
    assert resp.headers["x-account-container-count"] == "0"
    assert resp.headers["x-account-bytes-used"] == "0"
    assert resp.headers["x-timestamp"]
    listing = await api.call("GET", "?format=json")
    assert listing.status_code == 200 and listing.json() == []
    plain = await api.call("GET", "")
    assert plain.status_code == 204


async def test_account_usage_is_exact(api: ObjectApi) -> None:
    await api.container("a")
    await api.container("b")
    await api.put("a", "one", b"12345")
    await api.put("a", "two", b"123")
    await api.put("b", "three", b"1")
    await api.put("a", "one", b"1")  # replaced: its bytes are not counted twice
    resp = await api.call("HEAD", "")
    assert resp.headers["x-account-container-count"] == "2"
    assert resp.headers["x-account-object-count"] == "3"
    assert resp.headers["x-account-bytes-used"] == "5"
    assert resp.headers["x-account-storage-policy-policy-0-bytes-used"] == "5"
    head = await api.head_container("a")
    assert head["x-container-object-count"] == "2" and head["x-container-bytes-used"] == "4"
    assert head["x-storage-policy"] == "Policy-0"
    listing = (await api.call("GET", "?format=json")).json()
    assert [(c["name"], c["count"], c["bytes"]) for c in listing] == [("a", 2, 4), ("b", 1, 1)]


async def test_account_metadata_set_and_removed(api: ObjectApi) -> None:
    resp = await api.call("POST", "", headers={"X-Account-Meta-Color": "blue", "X-Account-Meta-Size": "xl"})
    assert resp.status_code == 204
    head = await api.call("HEAD", "")
    assert head.headers["x-account-meta-color"] == "blue"
    await api.call("POST", "", headers={"X-Remove-Account-Meta-Color": "x", "X-Account-Meta-Size": ""})
    head = await api.call("HEAD", "")
    assert "x-account-meta-color" not in head.headers and "x-account-meta-size" not in head.headers


async def test_account_quota_only_for_reseller_admins(api: ObjectApi) -> None:
    resp = await api.call("POST", "", headers={"X-Account-Meta-Quota-Bytes": "10"})
    assert resp.status_code == 403
    resp = await api.call("POST", "", "reseller", headers={"X-Account-Meta-Quota-Bytes": "10"})
    assert resp.status_code == 204
    await api.container("c")
    await api.put("c", "small", b"x" * 10)
    over = await api.call("PUT", "/c/big", content=b"y")
    assert over.status_code == 413 and "quota" in over.text


async def test_other_projects_and_anonymous_callers_are_refused(api: ObjectApi) -> None:
    assert (await api.call("GET", "", "alt")).status_code == 403
    assert (await api.call("GET", "", None)).status_code == 401
    assert (await api.call("PUT", "/c", "alt")).status_code == 403
    assert (await api.call("PUT", "/c", "reader")).status_code == 403
    assert (await api.call("GET", "", "reader")).status_code in (200, 204)
    assert (await api.call("GET", "", "reseller")).status_code in (200, 204)
    assert (await api.call("GET", "", "demo", account="/object/v1/nobody")).status_code == 404


async def test_container_create_update_delete(api: ObjectApi) -> None:
    resp = await api.call("PUT", "/box", headers={"X-Container-Meta-Owner": "me"})
    assert resp.status_code == 201
    assert (await api.call("PUT", "/box")).status_code == 202
    head = await api.head_container("box")
    assert head["x-container-meta-owner"] == "me"
    resp = await api.call(
        "POST", "/box", headers={"X-Container-Meta-Color": "red", "X-Remove-Container-Meta-Owner": "1"}
    )
    assert resp.status_code == 204
    head = await api.head_container("box")
    assert head["x-container-meta-color"] == "red" and "x-container-meta-owner" not in head
    assert (await api.call("POST", "/missing", headers={"X-Container-Meta-A": "b"})).status_code == 404
    await api.put("box", "thing")
    busy = await api.call("DELETE", "/box")
    assert busy.status_code == 409 and "There was a conflict when trying to complete your request." in busy.text
    assert (await api.call("DELETE", "/box/thing")).status_code == 204
    assert (await api.call("DELETE", "/box")).status_code == 204
    assert (await api.call("DELETE", "/box")).status_code == 404
    assert (await api.call("HEAD", "/box")).status_code == 404


async def test_object_listing_paging(api: ObjectApi) -> None:
    await api.container("c")
    names = ["a", "b", "c", "d", "e"]
    for name in names:
        await api.put("c", name)
    assert await api.names("c") == names
    assert await api.names("c", "limit=2") == ["a", "b"]
    assert await api.names("c", "marker=b") == ["c", "d", "e"]
    assert await api.names("c", "end_marker=c") == ["a", "b"]
    assert await api.names("c", "marker=a&end_marker=d") == ["b", "c"]
    assert await api.names("c", "reverse=true") == ["e", "d", "c", "b", "a"]
    assert await api.names("c", "reverse=on&marker=d&limit=2") == ["c", "b"]
    assert await api.names("c", "limit=0") == []


async def test_object_listing_prefix_delimiter_path(api: ObjectApi) -> None:
    await api.container("c")
    for name in ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/top.jpg", "readme", "z/"]:
        await api.put("c", name)
    assert await api.names("c", "delimiter=/") == ["photos/", "readme", "z/"]
    assert await api.names("c", "prefix=photos/&delimiter=/") == ["photos/2024/", "photos/2025/", "photos/top.jpg"]
    assert await api.names("c", "prefix=photos/2024/") == ["photos/2024/a.jpg", "photos/2024/b.jpg"]
    assert await api.names("c", "prefix=photos/&delimiter=/&reverse=true") == [
        "photos/top.jpg",
        "photos/2025/",
        "photos/2024/",
    ]
    assert await api.names("c", "delimiter=/&marker=photos/") == ["readme", "z/"]
    assert await api.names("c", "path=photos") == ["photos/top.jpg"]
    assert await api.names("c", "prefix=nothing") == []


async def test_listing_formats(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "x&y", b"abc", **{"Content-Type": "text/plain"})
    plain = await api.call("GET", "/c")
    assert plain.status_code == 200 and plain.text == "x&y\n" and plain.headers["content-type"].startswith("text/plain")
    item = (await api.call("GET", "/c?format=json")).json()[0]
    assert item["bytes"] == 3 and item["hash"] == "900150983cd24fb0d6963f7d28e17f72"
    assert item["content_type"] == "text/plain" and item["last_modified"].count(":") == 2
    xml = await api.call("GET", "/c?format=xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "container" and root.attrib["name"] == "c"
    assert root.find("object/name").text == "x&y"  # type: ignore[union-attr]
    by_accept = await api.call("GET", "/c", headers={"Accept": "application/json"})
    assert by_accept.json()[0]["name"] == "x&y"
    account_xml = ElementTree.fromstring((await api.call("GET", "?format=xml")).content)
    assert account_xml.find("container/count").text == "1"  # type: ignore[union-attr]
    empty = await api.call("GET", "/c?format=json&prefix=q")
    assert empty.status_code == 200 and empty.json() == []
    refused = await api.call("GET", "/c", headers={"Accept": "image/png"})
    assert refused.status_code == 406


async def test_listing_bad_parameters(api: ObjectApi) -> None:
    await api.container("c")
    for query, status in [("limit=10001", 412), ("limit=abc", 412), ("limit=-1", 412), ("marker=" + "m" * 1100, 412)]:
        resp = await api.call("GET", f"/c?{query}")
        assert resp.status_code == status, (query, resp.text)
        assert resp.text  # a message, never an empty error


async def test_container_bad_input(api: ObjectApi) -> None:
    long_name = await api.call("PUT", "/" + "n" * 257)
    assert long_name.status_code == 400 and "Container name length of 257 longer than 256" in long_name.text
    resp = await api.call("PUT", "/c", headers={"X-Container-Meta-" + "k" * 129: "v"})
    assert resp.status_code == 400 and "too long" in resp.text
    resp = await api.call("PUT", "/c", headers={"X-Container-Meta-K": "v" * 257})
    assert resp.status_code == 400
    resp = await api.call("PUT", "/c", headers={"X-Container-Meta-Quota-Bytes": "lots"})
    assert resp.status_code == 400 and "quota" in resp.text.lower()
    resp = await api.call("PUT", "/c", headers={"X-Container-Read": ".bogus"})
    assert resp.status_code == 400
    many = {f"X-Container-Meta-K{i}": "v" for i in range(91)}
    assert (await api.call("PUT", "/c", headers=many)).status_code == 400
    assert (await api.call("DELETE", "", headers={})).status_code == 405
    assert (await api.call("GET", "/c")).status_code == 404


async def test_container_quotas(api: ObjectApi) -> None:
    await api.container("q", **{"X-Container-Meta-Quota-Bytes": "10", "X-Container-Meta-Quota-Count": "2"})
    await api.put("q", "a", b"12345")
    too_big = await api.call("PUT", "/q/b", content=b"123456")
    assert too_big.status_code == 413
    await api.put("q", "b", b"1")
    too_many = await api.call("PUT", "/q/c", content=b"1")
    assert too_many.status_code == 413
    head = await api.head_container("q")
    assert head["x-container-object-count"] == "2" and head["x-container-bytes-used"] == "6"


async def test_account_quota_headers_of_swift_2_34(api: ObjectApi) -> None:
    assert (await api.call("POST", "", headers={"X-Account-Quota-Count": "1"})).status_code == 403
    resp = await api.call(
        "POST", "", "reseller", headers={"X-Account-Quota-Count": "1", "X-Account-Quota-Bytes": "100"}
    )
    assert resp.status_code == 204
    head = await api.call("HEAD", "")
    assert head.headers["x-account-quota-count"] == "1" and head.headers["x-account-quota-bytes"] == "100"
    await api.container("c")
    await api.put("c", "one", b"1")
    assert (await api.call("PUT", "/c/two", content=b"2")).status_code == 413
    assert (await api.call("PUT", "/c/one", content=b"x" * 101)).status_code == 413  # bytes
    await api.put("c", "one", b"x" * 99)  # a replacement within the bytes quota
    bad = await api.call("POST", "", "reseller", headers={"X-Account-Quota-Count": "many"})
    assert bad.status_code == 400
    await api.call("POST", "", "reseller", headers={"X-Remove-Account-Quota-Count": "x"})
    await api.put("c", "two", b"")
