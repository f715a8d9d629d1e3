"""PATCH /v2/images/{id} with JSON-patch documents, as openstackclient sends them."""

from __future__ import annotations

import pytest

from tests.api.image_support import PATCH_TYPE, PATCH_TYPE_V20, ImageApi, api_fixture, image_config_fixture  # noqa: F401


async def test_add_replace_remove_core_and_extra(api: ImageApi) -> None:
    img = await api.create(name="old", tags=["x"])
    resp = await api.patch(
        img["id"],
        [
            {"op": "replace", "path": "/name", "value": "new"},
            {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
            {"op": "add", "path": "/os~1distro", "value": "debian"},  # "/" escaped as ~1
            {"op": "replace", "path": "/min_ram", "value": 128},
            {"op": "replace", "path": "/protected", "value": True},
            {"op": "replace", "path": "/visibility", "value": "private"},
            {"op": "replace", "path": "/tags", "value": ["a", "b", "a"]},
        ],
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == "new" and body["hw_disk_bus"] == "virtio" and body["os/distro"] == "debian"
    assert body["min_ram"] == 128 and body["protected"] is True and body["visibility"] == "private"
    assert body["tags"] == ["a", "b"]
    assert body["updated_at"] >= img["updated_at"]
    resp = await api.patch(
        img["id"],
        [
            {"op": "remove", "path": "/hw_disk_bus"},
            {"op": "replace", "path": "/os~1distro", "value": "alpine"},
            {"op": "add", "path": "/os~1distro", "value": "ubuntu"},  # add replaces an existing extra
        ],
    )
    assert resp.status_code == 200, resp.text
    shown = await api.show(img["id"])
    assert "hw_disk_bus" not in shown and shown["os/distro"] == "ubuntu"


async def test_sdk_style_tag_item_paths(api: ImageApi) -> None:
    img = await api.create(tags=["a", "b"])
    resp = await api.patch(
        img["id"],
        [
            {"op": "add", "path": "/tags/2", "value": "c"},
            {"op": "add", "path": "/tags/-", "value": "d"},
            {"op": "remove", "path": "/tags/0"},
            {"op": "replace", "path": "/tags/0", "value": "B"},
        ],
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["tags"] == ["B", "c", "d"]
    assert (await api.patch(img["id"], [{"op": "remove", "path": "/tags/9"}])).status_code == 400


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "status",
        "checksum",
        "size",
        "virtual_size",
        "os_hash_value",
        "created_at",
        "updated_at",
        "self",
        "file",
        "schema",
    ],
)
async def test_read_only_fields(api: ImageApi, field: str) -> None:
    img = await api.create()
    for op in ("replace", "add", "remove"):
        doc = [{"op": op, "path": f"/{field}", "value": "x"}] if op != "remove" else [{"op": op, "path": f"/{field}"}]
        resp = await api.patch(img["id"], doc)
        assert resp.status_code == 403, (op, resp.text)
        assert f"'{field}'" in resp.text and "read-only" in resp.text


@pytest.mark.parametrize(
    ("doc", "status", "needle"),
    [
        ({"op": "replace", "path": "/name", "value": "x"}, 400, "JSON array"),
        ("replace name", 400, "JSON array"),
        ([{"op": "move", "from": "/name", "path": "/x"}], 400, "'move' is not supported"),
        ([{"op": "test", "path": "/name", "value": "x"}], 400, "'test' is not supported"),
        ([{"path": "/name", "value": "x"}], 400, "op"),
        ([{"op": "replace", "value": "x"}], 400, "path"),
        ([{"op": "replace", "path": "name", "value": "x"}], 400, "path"),
        ([{"op": "replace", "path": "/name"}], 400, "needs a 'value'"),
        ([{"op": "replace", "path": "/a/b", "value": "x"}], 400, "Invalid JSON pointer"),
        ([{"op": "replace", "path": "/a~2", "value": "x"}], 400, "Invalid JSON pointer"),
        (["replace"], 400, "item 0"),
        ([{"op": "replace", "path": "/disk_format", "value": "floppy"}], 400, "disk_format"),
        ([{"op": "replace", "path": "/min_disk", "value": "big"}], 400, "min_disk"),
        ([{"op": "replace", "path": "/visibility", "value": "nobody"}], 400, "visibility"),
        ([{"op": "add", "path": "/extra", "value": 5}], 400, "extra"),
        ([{"op": "replace", "path": "/nope", "value": "x"}], 409, "Property nope does not exist"),
        ([{"op": "remove", "path": "/nope"}], 409, "Property nope does not exist"),
        ([{"op": "remove", "path": "/name"}], 403, "core property"),
        ([{"op": "replace", "path": "/visibility", "value": "public"}], 403, "publicize_image"),
        ([{"op": "replace", "path": "/owner", "value": "p-alt"}], 403, "owner"),
        ([{"op": "add", "path": "/location", "value": "file:///x"}], 403, "reserved"),
    ],
)
async def test_bad_patches(api: ImageApi, doc: object, status: int, needle: str) -> None:
    img = await api.create(name="keep")
    resp = await api.patch(img["id"], doc)
    assert resp.status_code == status, resp.text
    assert needle in resp.text
    assert (await api.show(img["id"]))["name"] == "keep"  # nothing applied


async def test_patch_content_type_and_body(api: ImageApi) -> None:
    img = await api.create()
    resp = await api.patch(
        img["id"], [{"op": "replace", "path": "/name", "value": "x"}], content_type="application/json"
    )
    assert resp.status_code == 415 and "json-patch" in resp.text
    resp = await api.client.patch(
        f"/image/v2/images/{img['id']}", content=b"[{", headers={"X-Auth-Token": "demo", "Content-Type": PATCH_TYPE}
    )
    assert resp.status_code == 400 and "Malformed JSON" in resp.text


async def test_patch_policy(api: ImageApi) -> None:
    img = await api.create("demo")
    doc = [{"op": "replace", "path": "/name", "value": "x"}]
    assert (await api.patch(img["id"], doc, "alt")).status_code == 404
    assert (await api.patch(img["id"], doc, "reader")).status_code == 403
    public = await api.create("admin", visibility="public")
    assert (await api.patch(public["id"], doc, "demo")).status_code == 403
    assert (await api.patch(img["id"], doc, "admin")).status_code == 200
    resp = await api.patch(img["id"], [{"op": "replace", "path": "/visibility", "value": "public"}], "admin")
    assert resp.json()["visibility"] == "public"
    resp = await api.patch(img["id"], [{"op": "replace", "path": "/owner", "value": "p-alt"}], "admin")
    assert resp.json()["owner"] == "p-alt"


async def test_formats_frozen_after_upload(api: ImageApi) -> None:
    img = await api.create(disk_format="raw", container_format="bare")
    assert (await api.upload(img["id"], b"data")).status_code == 204
    resp = await api.patch(img["id"], [{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert resp.status_code == 403 and "queued" in resp.text
    same = await api.patch(img["id"], [{"op": "replace", "path": "/disk_format", "value": "raw"}])
    assert same.status_code == 200


async def test_tags_api(api: ImageApi) -> None:
    img = await api.create(tags=["a"])
    url = f"/image/v2/images/{img['id']}/tags"
    assert (await api.client.put(f"{url}/b", headers={"X-Auth-Token": "demo"})).status_code == 204
    assert (await api.client.put(f"{url}/b", headers={"X-Auth-Token": "demo"})).status_code == 204
    assert (await api.show(img["id"]))["tags"] == ["a", "b"]
    assert (await api.client.delete(f"{url}/a", headers={"X-Auth-Token": "demo"})).status_code == 204
    missing = await api.client.delete(f"{url}/zzz", headers={"X-Auth-Token": "demo"})
    assert missing.status_code == 404 and "zzz" in missing.text
    assert (await api.client.put(f"{url}/{'t' * 256}", headers={"X-Auth-Token": "demo"})).status_code == 400
    assert (await api.client.put(f"{url}/c", headers={"X-Auth-Token": "reader"})).status_code == 403
    assert (await api.show(img["id"]))["tags"] == ["b"]


async def test_v20_patch_form(api: ImageApi) -> None:
    # The v2.0 media type names the operation as the member ({"replace": "/name"}), as
    # Tempest's image client sends it.
    img = await api.create(name="old")
    doc = [{"replace": "/name", "value": "new"}, {"add": "/os_distro", "value": "debian"}]
    resp = await api.patch(img["id"], doc, content_type=PATCH_TYPE_V20)
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == "new" and resp.json()["os_distro"] == "debian"
    resp = await api.patch(img["id"], [{"remove": "/os_distro"}], content_type=PATCH_TYPE_V20)
    assert resp.status_code == 200 and "os_distro" not in resp.json()
    for bad in ([{"op": "replace", "path": "/name", "value": "x"}], [{"add": "/a", "replace": "/b", "value": "x"}]):
        resp = await api.patch(img["id"], bad, content_type=PATCH_TYPE_V20)
        assert resp.status_code == 400 and "exactly one member" in resp.text
    resp = await api.patch(img["id"], [{"replace": 5, "value": "x"}], content_type=PATCH_TYPE_V20)
    assert resp.status_code == 400, resp.text
    # The v2.1 form with the v2.0 spelling is refused (the operation is "op" there).
    resp = await api.patch(img["id"], [{"replace": "/name", "value": "x"}])
    assert resp.status_code == 400 and "op" in resp.text
