"""Tasks: the import task an image lists (API 2.12) and the admin-only legacy tasks API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.image_support import ImageApi, api_fixture, image_config_fixture  # noqa: F401

IMPORT_TASK = {
    "type": "import",
    "input": {
        "import_from": "http://images.example.test/cirros.qcow2",
        "import_from_format": "qcow2",
        "image_properties": {"disk_format": "qcow2", "container_format": "bare"},
    },
}


async def _call(api: ImageApi, method: str, path: str, token: str = "admin", body: Any = None) -> Any:
    return await api.client.request(method, f"/image{path}", json=body, headers={"X-Auth-Token": token})


async def test_import_records_a_task(api: ImageApi) -> None:
    img = await api.create(visibility="private")
    assert (await _call(api, "GET", f"/v2/images/{img['id']}/tasks", "demo")).json() == {"tasks": []}
    resp = await api.client.put(
        f"/image/v2/images/{img['id']}/stage",
        content=b"data" * 100,
        headers={"X-Auth-Token": "demo", "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 204, resp.text
    assert "stores" not in await api.show(img["id"])  # staged data is in no store yet
    url = f"/v2/images/{img['id']}/import"
    # Stores: all of them, or named ones that exist (409 otherwise), never both ways.
    for bad, status in (
        ({"stores": ["ceph"]}, 409),
        ({"all_stores": True, "stores": ["file"]}, 400),
    ):
        resp = await _call(api, "POST", url, "demo", {"method": {"name": "glance-direct"}, **bad})
        assert resp.status_code == status, resp.text
    resp = await api.client.post(
        f"/image{url}",
        json={"method": {"name": "glance-direct"}, "stores": ["file"]},
        headers={"X-Auth-Token": "demo", "X-Image-Meta-Store": "file"},
    )
    assert resp.status_code == 400 and "both" in resp.text
    request = {"method": {"name": "glance-direct"}, "all_stores": True}
    resp = await _call(api, "POST", url, "demo", request)
    assert resp.status_code == 202, resp.text
    request_id = resp.headers["x-openstack-request-id"]
    resp = await _call(api, "GET", f"/v2/images/{img['id']}/tasks", "demo")
    assert resp.status_code == 200, resp.text
    [task] = resp.json()["tasks"]
    assert task["status"] == "success" and task["type"] == "api_image_import"
    assert task["request_id"] == request_id and task["image_id"] == img["id"]
    assert task["input"]["import_req"]["method"]["name"] == "glance-direct"
    assert task["input"]["backend"] == ["file"] and task["owner"] == "p-demo" and task["user_id"] == "u-demo"
    assert task["expires_at"] is not None and task["deleted"] is False
    # The image's tasks are as visible as the image.
    assert (await _call(api, "GET", f"/v2/images/{img['id']}/tasks", "alt")).status_code == 404
    # Admins read the same task through the tasks API.
    shown = (await _call(api, "GET", f"/v2/tasks/{task['id']}")).json()
    assert shown["id"] == task["id"] and shown["self"] == f"/v2/tasks/{task['id']}"
    assert shown["schema"] == "/v2/schemas/task" and shown["request_id"] == request_id


async def test_legacy_import_task_fails_without_downloads(api: ImageApi) -> None:
    resp = await _call(api, "POST", "/v2/tasks", "admin", IMPORT_TASK)
    assert resp.status_code == 201, resp.text
    task = resp.json()
    assert resp.headers["location"] == f"/v2/tasks/{task['id']}"
    assert task["status"] == "failure" and "does not download images from URLs" in task["message"]
    assert task["input"] == IMPORT_TASK["input"] and task["result"] is None and task["owner"] == "p-admin"
    listed = (await _call(api, "GET", "/v2/tasks")).json()
    assert [t["id"] for t in listed["tasks"]] == [task["id"]]
    assert "input" not in listed["tasks"][0] and listed["schema"] == "/v2/schemas/tasks"
    assert (await _call(api, "GET", "/v2/tasks?status=failure")).json()["tasks"][0]["id"] == task["id"]
    assert (await _call(api, "GET", "/v2/tasks?status=success")).json()["tasks"] == []
    assert (await _call(api, "DELETE", f"/v2/tasks/{task['id']}")).status_code == 405


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"input": {}}, 400, "'type' is required"),
        ({"type": "import"}, 400, "'input' is required"),
        ({"type": "convert", "input": {}}, 400, "Invalid type value"),
        ({"type": "import", "input": {"import_from": "x"}}, 400, "import_from_format"),
        ({**IMPORT_TASK, "input": {**IMPORT_TASK["input"], "import_from": "file:///etc/passwd"}}, 400, "http"),
        ([], 400, "JSON object"),
    ],
)
async def test_legacy_task_bad_input(api: ImageApi, body: Any, status: int, needle: str) -> None:
    resp = await _call(api, "POST", "/v2/tasks", "admin", body)
    assert resp.status_code == status, resp.text
    assert needle in resp.text


async def test_tasks_api_is_for_admins(api: ImageApi) -> None:
    assert (await _call(api, "POST", "/v2/tasks", "demo", IMPORT_TASK)).status_code == 403
    assert (await _call(api, "GET", "/v2/tasks", "demo")).status_code == 403
    assert (await _call(api, "GET", "/v2/tasks/00000000-0000-0000-0000-000000000000")).status_code == 404
    assert (await _call(api, "GET", "/v2/tasks?status=done")).status_code == 400
    assert (await _call(api, "GET", "/v2/tasks?sort_key=owner")).status_code == 400


async def test_task_schemas(api: ImageApi) -> None:
    task = (await api.get("/v2/schemas/task")).json()
    assert task["name"] == "task" and task["properties"]["status"]["enum"][-1] == "failure"
    tasks = (await api.get("/v2/schemas/tasks")).json()
    assert tasks["name"] == "tasks" and "input" not in tasks["properties"]["tasks"]["items"]["properties"]
