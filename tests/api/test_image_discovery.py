"""Version discovery, schemas and info calls that clients read before anything else."""

from __future__ import annotations

from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401


async def test_version_document(api: ImageApi) -> None:
    resp = await api.client.get("/image/")
    assert resp.status_code == 300
    versions = resp.json()["versions"]
    current = [v for v in versions if v["status"] == "CURRENT"]
    assert len(current) == 1 and current[0]["id"].startswith("v2.")
    assert current[0]["links"][0]["href"] == "http://pocketstack.test/image/v2/"
    assert {v["id"] for v in versions} >= {"v2.0", "v2.1"}
    assert (await api.client.get("/image/versions")).status_code == 200


async def test_image_schema_matches_what_the_api_accepts(api: ImageApi) -> None:
    schema = (await api.get("/v2/schemas/image")).json()
    assert schema["name"] == "image"
    props = schema["properties"]
    assert set(props["disk_format"]["enum"]) >= {"ami", "ari", "aki", "raw", "qcow2", "vmdk", "vdi", "vhd", "iso"}
    assert set(props["container_format"]["enum"]) >= {"bare", "ami", "ari", "aki", "ovf"}
    assert props["visibility"]["enum"] == ["public", "private", "shared", "community"]
    assert props["status"]["readOnly"] is True
    assert schema["additionalProperties"] == {"type": "string"}
    images = (await api.get("/v2/schemas/images")).json()
    assert images["name"] == "images" and images["properties"]["images"]["items"]["name"] == "image"
    member = (await api.get("/v2/schemas/member")).json()
    assert member["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
    assert (await api.get("/v2/schemas/members")).json()["name"] == "members"


async def test_info_calls(api: ImageApi) -> None:
    info = (await api.get("/v2/info/import")).json()
    assert info["import-methods"]["value"] == ["glance-direct"]
    stores = (await api.get("/v2/info/stores")).json()["stores"]
    assert stores == [{"id": "file", "description": "pocketstack file store", "default": True}]
    img = await api.create("demo")
    assert (await api.upload(img["id"], b"12345")).status_code == 204
    usage = (await api.get("/v2/info/usage")).json()["usage"]
    assert usage["image_count_total"]["usage"] == 1
    assert usage["image_size_total"]["usage"] == 5


async def test_unknown_paths_and_methods(api: ImageApi) -> None:
    resp = await api.get("/v2/nothing")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/plain")
    resp = await api.client.put("/image/v2/images", headers={"X-Auth-Token": "demo"})
    assert resp.status_code == 405


async def test_trailing_slash_is_an_empty_id(api: ImageApi) -> None:
    # Glance routes /v2/images/ to the image with an empty id: 404, never the list
    # (and DELETE there is not a 405 on the collection).
    await api.create("demo")
    resp = await api.get("/v2/images/")
    assert resp.status_code == 404, resp.text
    resp = await api.client.delete("/image/v2/images/", headers={"X-Auth-Token": "demo"})
    assert resp.status_code == 404, resp.text
    assert (await api.get("/v2/images")).status_code == 200
    # The versioned endpoint keystoneauth discovers keeps answering with its slash.
    resp = await api.client.get("/image/v2/")
    assert resp.status_code == 200 and resp.json()["versions"]
