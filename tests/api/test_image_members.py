"""Image members: sharing between projects with Glance's rules."""

from __future__ import annotations

from typing import Any

import pytest

from pocketstack.common.config import Config
from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401


async def _call(api: ImageApi, method: str, path: str, token: str, body: Any = None) -> Any:
    resp = await api.client.request(method, f"/image/v2/images{path}", json=body, headers={"X-Auth-Token": token})
    return resp


async def test_member_lifecycle(api: ImageApi) -> None:
    img = await api.create("demo", visibility="shared")
    resp = await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-alt"})
    assert resp.status_code == 200, resp.text
    member = resp.json()
    assert member["member_id"] == "p-alt" and member["image_id"] == img["id"] and member["status"] == "pending"
    assert member["schema"] == "/v2/schemas/member"
    dup = await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-alt"})
    assert dup.status_code == 409 and "p-alt" in dup.text
    # The member sees it (pending) and only its own membership.
    assert (await api.get(f"/v2/images/{img['id']}", "alt")).status_code == 200
    await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-other"})
    listed = (await _call(api, "GET", f"/{img['id']}/members", "demo")).json()
    assert {m["member_id"] for m in listed["members"]} == {"p-alt", "p-other"}
    assert listed["schema"] == "/v2/schemas/members"
    as_member = (await _call(api, "GET", f"/{img['id']}/members", "alt")).json()
    assert [m["member_id"] for m in as_member["members"]] == ["p-alt"]
    assert (await _call(api, "GET", f"/{img['id']}/members/p-other", "alt")).status_code == 404
    assert (await _call(api, "GET", f"/{img['id']}/members/p-alt", "alt")).json()["status"] == "pending"
    # Only the member decides its status; the owner cannot.
    owner_try = await _call(api, "PUT", f"/{img['id']}/members/p-alt", "demo", {"status": "accepted"})
    assert owner_try.status_code == 403
    for status in ("accepted", "rejected", "pending", "accepted"):
        resp = await _call(api, "PUT", f"/{img['id']}/members/p-alt", "alt", {"status": status})
        assert resp.status_code == 200 and resp.json()["status"] == status
    assert img["id"] in await api.list_ids(token="alt")
    # Members cannot remove themselves; the owner can.
    assert (await _call(api, "DELETE", f"/{img['id']}/members/p-alt", "alt")).status_code == 403
    assert (await _call(api, "DELETE", f"/{img['id']}/members/p-alt", "demo")).status_code == 204
    assert (await _call(api, "DELETE", f"/{img['id']}/members/p-alt", "demo")).status_code == 404
    assert (await api.get(f"/v2/images/{img['id']}", "alt")).status_code == 404


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "member"),
        ({"member": ""}, "member"),
        ({"member": 5}, "member"),
        ({"member": "p", "x": 1}, "x"),
    ],
)
async def test_bad_member_bodies(api: ImageApi, body: dict, needle: str) -> None:
    img = await api.create("demo")
    resp = await _call(api, "POST", f"/{img['id']}/members", "demo", body)
    assert resp.status_code == 400 and needle in resp.text


async def test_bad_status(api: ImageApi) -> None:
    img = await api.create("demo")
    await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-alt"})
    resp = await _call(api, "PUT", f"/{img['id']}/members/p-alt", "alt", {"status": "maybe"})
    assert resp.status_code == 400 and "status" in resp.text


async def test_only_shared_images_have_members(api: ImageApi) -> None:
    for visibility, token in (("private", "demo"), ("community", "demo"), ("public", "admin")):
        img = await api.create(token, visibility=visibility)
        resp = await _call(api, "POST", f"/{img['id']}/members", token, {"member": "p-alt"})
        assert resp.status_code == 403 and "Only shared images have members" in resp.text


async def test_member_policy(api: ImageApi) -> None:
    img = await api.create("demo")
    assert (await _call(api, "POST", f"/{img['id']}/members", "alt", {"member": "p-alt"})).status_code == 404
    assert (await _call(api, "POST", f"/{img['id']}/members", "reader", {"member": "p-alt"})).status_code == 403
    assert (await _call(api, "POST", f"/{img['id']}/members", "admin", {"member": "p-alt"})).status_code == 200
    assert (await _call(api, "PUT", f"/{img['id']}/members/p-alt", "reader", {"status": "accepted"})).status_code == 403
    assert (await _call(api, "GET", f"/{img['id']}/members/nobody", "demo")).status_code == 404


@pytest.fixture
def few_members(image_config: Config) -> Config:
    image_config.image.max_members = 1
    return image_config


@pytest.mark.usefixtures("few_members")
async def test_member_limit(api: ImageApi) -> None:
    img = await api.create("demo")
    assert (await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-alt"})).status_code == 200
    resp = await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-admin"})
    assert resp.status_code == 413 and "members" in resp.text


async def test_status_update_as_openstacksdk_sends_it(api: ImageApi) -> None:
    img = await api.create("demo")
    await _call(api, "POST", f"/{img['id']}/members", "demo", {"member": "p-alt"})
    resp = await _call(api, "PUT", f"/{img['id']}/members/p-alt", "alt", {"member": "p-alt", "status": "accepted"})
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
