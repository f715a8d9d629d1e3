"""The metadata definitions catalog (/v2/metadefs) and its schemas, with Glance's rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401

NS = "/image/v2/metadefs/namespaces"


async def _call(api: ImageApi, method: str, path: str, token: str = "admin", body: Any = None, **headers: str) -> Any:
    return await api.client.request(method, path, json=body, headers={"X-Auth-Token": token, **headers})


async def _namespace(api: ImageApi, name: str = "OS::Test::Ns", **body: Any) -> dict[str, Any]:
    resp = await _call(api, "POST", NS, body={"namespace": name, **body})
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.mark.parametrize(
    ("doc", "title"),
    [
        ("namespace", "namespace"),
        ("namespaces", "namespaces"),
        ("object", "object"),
        ("objects", "objects"),
        ("property", "property"),
        ("properties", "properties"),
        ("tag", "tag"),
        ("tags", "tags"),
        ("resource_type", "resource_type_association"),
        ("resource_types", "resource_type_associations"),
    ],
)
async def test_schemas(api: ImageApi, doc: str, title: str) -> None:
    resp = await api.get(f"/v2/schemas/metadefs/{doc}", "reader")
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == title


async def test_schema_details_and_unknown(api: ImageApi) -> None:
    namespace = (await api.get("/v2/schemas/metadefs/namespace")).json()
    assert namespace["required"] == ["namespace"] and namespace["additionalProperties"] is False
    assert namespace["properties"]["visibility"]["enum"] == ["public", "private"]
    assert "property" in namespace["definitions"]
    prop = (await api.get("/v2/schemas/metadefs/property")).json()
    assert set(prop["required"]) == {"name", "title", "type"}
    assert (await api.get("/v2/schemas/metadefs/nothing")).status_code == 404


async def test_empty_catalog_and_seeded_resource_types(api: ImageApi) -> None:
    resp = await api.get("/v2/metadefs/namespaces")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "namespaces": [],
        "first": "/v2/metadefs/namespaces",
        "schema": "/v2/schemas/metadefs/namespaces",
    }
    types = (await api.get("/v2/metadefs/resource_types")).json()["resource_types"]
    names = [t["name"] for t in types]
    assert names[0] == "OS::Glance::Image" and "OS::Nova::Flavor" in names and "OS::Cinder::Volume" in names
    assert set(types[0]) == {"name", "created_at", "updated_at"}


async def test_namespace_lifecycle(api: ImageApi) -> None:
    created = await _namespace(
        api,
        "OS::Test::Hyper",
        display_name="Hyper",
        description="Tempest",
        visibility="public",
        protected=True,
        resource_type_associations=[{"name": "OS::Glance::Image", "prefix": "hw_"}],
        properties={"cpu": {"title": "CPU", "type": "integer", "minimum": 1}},
        objects=[{"name": "Limits", "properties": {"q": {"title": "Q", "type": "string"}}}],
        tags=[{"name": "t1"}],
    )
    assert created["namespace"] == "OS::Test::Hyper" and created["owner"] == "p-admin"
    assert created["self"] == "/v2/metadefs/namespaces/OS::Test::Hyper"
    assert created["schema"] == "/v2/schemas/metadefs/namespace"
    assert created["properties"] == {"cpu": {"title": "CPU", "type": "integer", "minimum": 1}}
    listed = (await api.get("/v2/metadefs/namespaces", "demo")).json()["namespaces"]
    assert [n["namespace"] for n in listed] == ["OS::Test::Hyper"]
    assert listed[0]["resource_type_associations"][0]["name"] == "OS::Glance::Image"
    assert "properties" not in listed[0]
    shown = (await api.get("/v2/metadefs/namespaces/OS::Test::Hyper", "demo")).json()
    assert shown["visibility"] == "public" and shown["tags"] == [{"name": "t1"}]
    assert shown["objects"][0]["self"] == "/v2/metadefs/namespaces/OS::Test::Hyper/objects/Limits"
    prefixed = (await api.get("/v2/metadefs/namespaces/OS::Test::Hyper?resource_type=OS::Glance::Image")).json()
    assert list(prefixed["properties"]) == ["hw_cpu"]
    # Protected: neither it nor what it holds can be deleted.
    resp = await _call(api, "DELETE", f"{NS}/OS::Test::Hyper")
    assert resp.status_code == 403 and "protected" in resp.text
    assert (await _call(api, "DELETE", f"{NS}/OS::Test::Hyper/objects/Limits")).status_code == 403
    assert (await _call(api, "DELETE", f"{NS}/OS::Test::Hyper/tags")).status_code == 403
    # PUT replaces the fields (omitted ones reset), then deletion cascades.
    body = {"namespace": "OS::Test::Hyper", "visibility": "private", "protected": False}
    resp = await _call(api, "PUT", f"{NS}/OS::Test::Hyper", body=body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["visibility"] == "private" and updated["protected"] is False
    assert "description" not in updated and "display_name" not in updated
    assert (await api.get("/v2/metadefs/namespaces/OS::Test::Hyper", "demo")).status_code == 404
    assert (await _call(api, "DELETE", f"{NS}/OS::Test::Hyper")).status_code == 204
    assert (await api.get("/v2/metadefs/namespaces/OS::Test::Hyper")).status_code == 404


async def test_namespace_rules(api: ImageApi) -> None:
    resp = await _call(api, "POST", NS, "demo", {"namespace": "OS::Mine"})
    assert resp.status_code == 403 and "admin" in resp.text
    await _namespace(api, "OS::Private")
    assert (await _call(api, "POST", NS, body={"namespace": "OS::Private"})).status_code == 409
    # A private namespace is not found by others, even for writes.
    assert (await api.get("/v2/metadefs/namespaces/OS::Private", "demo")).status_code == 404
    assert (await _call(api, "DELETE", f"{NS}/OS::Private", "demo")).status_code == 404
    assert (await api.get("/v2/metadefs/namespaces", "demo")).json()["namespaces"] == []
    await _namespace(api, "OS::Public", visibility="public")
    assert (await _call(api, "DELETE", f"{NS}/OS::Public", "demo")).status_code == 403
    # Renaming onto another namespace conflicts.
    resp = await _call(api, "PUT", f"{NS}/OS::Public", body={"namespace": "OS::Private", "visibility": "public"})
    assert resp.status_code == 409, resp.text


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({}, 400, "namespace"),
        ({"namespace": "x" * 81}, 400, "namespace"),
        ({"namespace": "n", "visibility": "shared"}, 400, "visibility"),
        ({"namespace": "n", "protected": "yes"}, 400, "protected"),
        ({"namespace": "n", "color": "red"}, 400, "color"),
        ({"namespace": "n", "properties": {"p": {"type": "string"}}}, 400, "title"),
        ({"namespace": "n", "created_at": "2020-01-01T00:00:00Z"}, 403, "read-only"),
        ({"namespace": ""}, 400, "non-empty"),
        ({"namespace": "a/b"}, 400, "'/'"),
        ({"namespace": "n", "tags": [{"name": " "}]}, 400, "tag name"),
        ({"namespace": "n", "tags": [{"name": "t"}, {"name": "t"}]}, 409, "t already exists"),
        ({"namespace": "n", "objects": [{"name": "o", "required": ["a", "a"]}]}, 400, "non-unique"),
        ({"namespace": "n", "properties": {"p": {"title": "P", "type": "string", "pattern": "("}}}, 400, "regex"),
        ([], 400, "object"),
    ],
)
async def test_namespace_bad_input(api: ImageApi, body: Any, status: int, needle: str) -> None:
    resp = await _call(api, "POST", NS, body=body)
    assert resp.status_code == status, resp.text
    assert needle in resp.text
    # Nothing of a refused request is kept.
    assert (await api.get("/v2/metadefs/namespaces", "admin")).json()["namespaces"] == []


async def test_objects(api: ImageApi) -> None:
    await _namespace(api, "OS::Obj", visibility="public")
    base = f"{NS}/OS::Obj/objects"
    resp = await _call(api, "POST", base, body={"name": "CPU Limits", "required": [], "description": "d"})
    assert resp.status_code == 201, resp.text
    obj = resp.json()
    assert obj["self"] == "/v2/metadefs/namespaces/OS::Obj/objects/CPU Limits"
    assert obj["schema"] == "/v2/schemas/metadefs/object" and obj["required"] == []
    assert (await _call(api, "POST", base, body={"name": "CPU Limits"})).status_code == 409
    assert (await _call(api, "POST", base, "demo", {"name": "other"})).status_code == 403
    listed = (await _call(api, "GET", base, "demo")).json()
    assert [o["name"] for o in listed["objects"]] == ["CPU Limits"]
    assert listed["schema"] == "v2/schemas/metadefs/objects"
    resp = await _call(api, "PUT", f"{base}/CPU Limits", body={"name": "Renamed"})
    assert resp.status_code == 200 and resp.json()["name"] == "Renamed"
    assert "description" not in resp.json()
    assert (await _call(api, "GET", f"{base}/CPU Limits")).status_code == 404
    assert (await _call(api, "GET", f"{base}/Renamed")).json()["name"] == "Renamed"
    assert (await _call(api, "DELETE", f"{base}/Renamed")).status_code == 204
    assert (await _call(api, "DELETE", f"{base}/Renamed")).status_code == 404
    assert (await _call(api, "GET", base)).json()["objects"] == []
    await _call(api, "POST", base, body={"name": "a"})
    assert (await _call(api, "DELETE", base)).status_code == 204
    assert (await _call(api, "GET", base)).json()["objects"] == []
    assert (await _call(api, "GET", f"{NS}/OS::Nope/objects")).status_code == 404


async def test_properties(api: ImageApi) -> None:
    await _namespace(api, "OS::Prop", resource_type_associations=[{"name": "OS::Nova::Flavor", "prefix": "hw:"}])
    base = f"{NS}/OS::Prop/properties"
    enum = ["xen", "qemu", "kvm"]
    body = {"name": "OS::Glance::Image", "title": "T", "type": "string", "enum": enum}
    resp = await _call(api, "POST", base, body=body)
    assert resp.status_code == 201, resp.text
    assert resp.json() == body
    assert (await _call(api, "POST", base, body=body)).status_code == 409
    shown = (await _call(api, "GET", f"{base}/OS::Glance::Image")).json()
    assert shown["name"] == "OS::Glance::Image" and shown["enum"] == enum
    # With ?resource_type the name is the one that resource type carries (prefixed).
    resp = await _call(api, "GET", f"{base}/hw:OS::Glance::Image?resource_type=OS::Nova::Flavor")
    assert resp.status_code == 200 and resp.json()["name"] == "OS::Glance::Image"
    resp = await _call(api, "GET", f"{base}/OS::Glance::Image?resource_type=OS::Nova::Flavor")
    assert resp.status_code == 404 and "prefix" in resp.text
    resp = await _call(api, "PUT", f"{base}/OS::Glance::Image", body={**body, "title": "New"})
    assert resp.status_code == 200 and resp.json()["title"] == "New"
    listed = (await _call(api, "GET", base)).json()
    assert listed == {"properties": {"OS::Glance::Image": {"title": "New", "type": "string", "enum": enum}}}
    for bad in ({"name": "p", "type": "string"}, {"name": "p", "title": "T", "type": "str"}, {"title": "T"}):
        resp = await _call(api, "POST", base, body={"type": "string", **bad})
        assert resp.status_code == 400, resp.text
    assert (await _call(api, "DELETE", f"{base}/OS::Glance::Image")).status_code == 204
    assert (await _call(api, "GET", base)).json() == {"properties": {}}


async def test_tags(api: ImageApi) -> None:
    await _namespace(api, "OS::Tags", visibility="public")
    base = f"{NS}/OS::Tags/tags"
    many = {"tags": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
    resp = await _call(api, "POST", base, body=many)
    assert resp.status_code == 201 and resp.json() == many
    # Posting a list replaces the tags, unless X-Openstack-Append says to add.
    await _call(api, "POST", base, body={"tags": [{"name": "z"}]})
    assert (await _call(api, "GET", base, "demo")).json() == {"tags": [{"name": "z"}]}
    await _call(api, "POST", base, body=many, **{"X-Openstack-Append": "true"})
    assert {t["name"] for t in (await _call(api, "GET", base)).json()["tags"]} == {"z", "a", "b", "c"}
    resp = await _call(api, "POST", f"{base}/one")
    assert resp.status_code == 201 and set(resp.json()) == {"name", "created_at", "updated_at"}
    assert (await _call(api, "POST", f"{base}/one")).status_code == 409
    assert (await _call(api, "GET", f"{base}/one")).json()["name"] == "one"
    resp = await _call(api, "PUT", f"{base}/one", body={"name": "two"})
    assert resp.status_code == 200 and resp.json()["name"] == "two"
    assert (await _call(api, "GET", f"{base}/one")).status_code == 404
    assert (await _call(api, "DELETE", f"{base}/two")).status_code == 204
    assert (await _call(api, "POST", base, body={"tags": [{"name": "x"}, {"name": "x"}]})).status_code == 409
    assert (await _call(api, "POST", base, body={"tags": "x"})).status_code == 400
    assert (await _call(api, "DELETE", base)).status_code == 204
    assert (await _call(api, "GET", base)).json() == {"tags": []}


async def test_resource_type_associations(api: ImageApi) -> None:
    await _namespace(api, "OS::Rt", visibility="public")
    base = f"{NS}/OS::Rt/resource_types"
    resp = await _call(api, "POST", base, body={"name": "OS::Glance::Image", "prefix": "hw_"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["name"] == "OS::Glance::Image" and resp.json()["prefix"] == "hw_"
    assert "properties_target" not in resp.json()
    assert (await _call(api, "POST", base, body={"name": "OS::Glance::Image"})).status_code == 409
    # A new resource type becomes known with its first association.
    assert (await _call(api, "POST", base, body={"name": "OS::Trove::Instance"})).status_code == 201
    names = [t["name"] for t in (await api.get("/v2/metadefs/resource_types")).json()["resource_types"]]
    assert "OS::Trove::Instance" in names
    listed = (await _call(api, "GET", base, "demo")).json()["resource_type_associations"]
    assert [a["name"] for a in listed] == ["OS::Glance::Image", "OS::Trove::Instance"]
    filtered = (await api.get("/v2/metadefs/namespaces?resource_types=OS::Trove::Instance")).json()
    assert [n["namespace"] for n in filtered["namespaces"]] == ["OS::Rt"]
    assert (await api.get("/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor")).json()["namespaces"] == []
    assert (await _call(api, "DELETE", f"{base}/OS::Glance::Image", "demo")).status_code == 403
    assert (await _call(api, "DELETE", f"{base}/OS::Glance::Image")).status_code == 204
    assert (await _call(api, "DELETE", f"{base}/OS::Glance::Image")).status_code == 404


async def test_namespace_paging(api: ImageApi) -> None:
    for i in range(3):
        await _namespace(api, f"OS::Page{i}", visibility="public")
    resp: httpx.Response = await api.get("/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc")
    page = resp.json()
    assert [n["namespace"] for n in page["namespaces"]] == ["OS::Page0", "OS::Page1"]
    assert page["next"] == "/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc&marker=OS%3A%3APage1"
    assert page["first"] == "/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc"
    rest = (await api.get("/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc&marker=OS::Page1")).json()
    assert [n["namespace"] for n in rest["namespaces"]] == ["OS::Page2"] and "next" not in rest
    assert (await api.get("/v2/metadefs/namespaces?sort_key=color")).status_code == 400
    assert (await api.get("/v2/metadefs/namespaces?visibility=shared")).status_code == 400
    assert (await api.get("/v2/metadefs/namespaces?limit=-1")).status_code == 400
    assert (await api.get("/v2/metadefs/namespaces?marker=OS::Nope")).status_code == 404
