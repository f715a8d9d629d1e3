"""Image records: create, show, delete, policy and every bad-input case of creation."""

from __future__ import annotations

import uuid

import pytest

from pocketstack.common.config import Config
from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401


async def test_create_and_show_glance_fields(api: ImageApi) -> None:
    image_id = str(uuid.uuid4())
    img = await api.create(
        id=image_id, name="cirros", min_disk=1, min_ram=64, tags=["a", "b", "a"], os_distro="debian", protected=False
    )
    assert img["id"] == image_id
    assert img["status"] == "queued"
    assert img["visibility"] == "shared"
    assert img["owner"] == "p-demo"
    assert img["tags"] == ["a", "b"]
    assert img["os_distro"] == "debian"
    assert img["size"] is None and img["checksum"] is None
    assert img["self"] == f"/v2/images/{image_id}"
    assert img["file"] == f"/v2/images/{image_id}/file"
    assert img["schema"] == "/v2/schemas/image"
    assert img["created_at"].endswith("Z")
    shown = await api.show(image_id)
    assert shown == img


async def test_create_response_headers(api: ImageApi) -> None:
    resp = await api.client.post("/image/v2/images", json={"name": "x"}, headers={"X-Auth-Token": "demo"})
    assert resp.status_code == 201
    assert resp.headers["openstack-image-import-methods"] == "glance-direct"
    assert resp.headers["location"].endswith(f"/image/v2/images/{resp.json()['id']}")


async def test_create_amazon_kernel_ramdisk_machine(api: ImageApi) -> None:
    kernel = await api.create(
        "admin", name="tiny-kernel", disk_format="aki", container_format="aki", visibility="public"
    )
    ramdisk = await api.create(
        "admin", name="tiny-initrd", disk_format="ari", container_format="ari", visibility="public"
    )
    machine = await api.create(
        "admin",
        name="tiny",
        disk_format="ami",
        container_format="ami",
        visibility="public",
        kernel_id=kernel["id"],
        ramdisk_id=ramdisk["id"],
    )
    shown = await api.show(machine["id"], "alt")
    assert shown["kernel_id"] == kernel["id"] and shown["ramdisk_id"] == ramdisk["id"]
    assert shown["visibility"] == "public"


async def test_disk_and_container_formats_are_independent(api: ImageApi) -> None:
    # Glance v2 accepts any disk format in any container (Tempest lists ami images in bare).
    img = await api.create(disk_format="ami", container_format="bare")
    assert (img["disk_format"], img["container_format"]) == ("ami", "bare")
    resp = await api.patch(img["id"], [{"op": "replace", "path": "/container_format", "value": "aki"}])
    assert resp.status_code == 200, resp.text
    assert resp.json()["container_format"] == "aki"


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"disk_format": "floppy"}, 400, "disk_format"),
        ({"container_format": "zip"}, 400, "container_format"),
        ({"visibility": "everyone"}, 400, "visibility"),
        ({"min_disk": -1}, 400, "min_disk"),
        ({"min_ram": "lots"}, 400, "min_ram"),
        ({"protected": "yes"}, 400, "protected"),
        ({"name": "x" * 256}, 400, "name"),
        ({"id": "not-a-uuid"}, 400, "id"),
        ({"tags": "a,b"}, 400, "tags"),
        ({"hw_disk_bus": 3}, 400, "hw_disk_bus"),
        ({"status": "active"}, 403, "Attribute 'status' is read-only"),
        ({"checksum": "abc"}, 403, "Attribute 'checksum' is read-only"),
        ({"size": 5}, 403, "Attribute 'size' is read-only"),
        ({"os_hash_value": "x"}, 403, "read-only"),
        ({"location": "file:///etc/passwd"}, 403, "Attribute 'location' is reserved"),
        ({"os_glance_importing_to_stores": "x"}, 403, "reserved"),
    ],
)
async def test_create_bad_input(api: ImageApi, body: dict, status: int, needle: str) -> None:
    resp = await api.client.post("/image/v2/images", json=body, headers={"X-Auth-Token": "demo"})
    assert resp.status_code == status, resp.text
    assert needle in resp.text
    assert resp.headers["content-type"].startswith("text/plain")


async def test_create_body_not_json_object(api: ImageApi) -> None:
    for content in (b"[1, 2]", b"{not json", b""):
        resp = await api.client.post(
            "/image/v2/images", content=content, headers={"X-Auth-Token": "demo", "Content-Type": "application/json"}
        )
        assert resp.status_code == 400, (content, resp.text)


async def test_duplicate_id_conflicts(api: ImageApi) -> None:
    image_id = str(uuid.uuid4())
    await api.create(id=image_id)
    out = await api.create(id=image_id, expect=409)
    assert image_id in out["text"]


async def test_only_admin_makes_public(api: ImageApi) -> None:
    out = await api.create("demo", visibility="public", expect=403)
    assert "publicize_image" in out["text"]
    img = await api.create("admin", visibility="public")
    assert img["visibility"] == "public"


async def test_owner_setting(api: ImageApi) -> None:
    await api.create("demo", owner="p-alt", expect=403)
    img = await api.create("admin", owner="p-alt")
    assert img["owner"] == "p-alt"
    assert (await api.show(img["id"], "alt"))["owner"] == "p-alt"


async def test_reader_cannot_write(api: ImageApi) -> None:
    out = await api.create("reader", expect=403)
    assert "reader" in out["text"]
    img = await api.create("demo", name="mine")
    assert (await api.show(img["id"], "reader"))["name"] == "mine"
    assert (await api.delete(img["id"], "reader")).status_code == 403


async def test_unauthenticated(api: ImageApi) -> None:
    resp = await api.client.get("/image/v2/images")
    assert resp.status_code == 401
    resp = await api.client.get("/image/v2/images", headers={"X-Auth-Token": "bogus"})
    assert resp.status_code == 401


async def test_unknown_image_and_visibility(api: ImageApi) -> None:
    resp = await api.get(f"/v2/images/{uuid.uuid4()}")
    assert resp.status_code == 404 and "No image found" in resp.text
    private = await api.create("demo", visibility="private")
    assert (await api.get(f"/v2/images/{private['id']}", "alt")).status_code == 404
    assert (await api.get(f"/v2/images/{private['id']}", "admin")).status_code == 200
    community = await api.create("demo", visibility="community")
    assert (await api.get(f"/v2/images/{community['id']}", "alt")).status_code == 200


async def test_delete_rules(api: ImageApi) -> None:
    img = await api.create("demo", protected=True)
    resp = await api.delete(img["id"])
    assert resp.status_code == 403 and "protected" in resp.text
    public = await api.create("admin", visibility="public")
    assert (await api.delete(public["id"], "demo")).status_code == 403
    assert (await api.delete(img["id"], "alt")).status_code == 404
    other = await api.create("demo")
    assert (await api.delete(other["id"])).status_code == 204
    assert (await api.get(f"/v2/images/{other['id']}")).status_code == 404
    assert (await api.delete(other["id"])).status_code == 404


@pytest.fixture
def small_quota(image_config: Config) -> Config:
    image_config.image.quota_images = 2
    image_config.image.max_tags = 3
    image_config.image.max_properties = 2
    return image_config


@pytest.mark.usefixtures("small_quota")
async def test_image_count_quota(api: ImageApi) -> None:
    await api.create("demo")
    await api.create("demo")
    out = await api.create("demo", expect=413)
    assert "Image count quota exceeded" in out["text"]
    await api.create("alt")  # quotas are per project


@pytest.mark.usefixtures("small_quota")
async def test_tag_and_property_limits(api: ImageApi) -> None:
    assert "tags" in (await api.create(tags=["a", "b", "c", "d"], expect=413))["text"]
    assert "properties" in (await api.create(p1="1", p2="2", p3="3", expect=413))["text"]
