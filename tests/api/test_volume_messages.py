"""The scheduler's capabilities filter (a type the backend cannot satisfy: no valid
backend, the volume in error) and the user message it leaves (3.3+)."""

from __future__ import annotations

import pytest

from pocketstack.volume import scheduler
from tests.api.volume_support import VolumeApi, fault, vapi_fixture  # noqa: F401


async def _type(vapi: VolumeApi, name: str, specs: dict[str, str]) -> dict[str, object]:
    body = {"volume_type": {"name": name, "extra_specs": specs}}
    resp = await vapi.request("POST", "/types", "admin", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["volume_type"]  # type: ignore[no-any-return]


async def test_unsatisfiable_type_errors_with_a_message(vapi: VolumeApi) -> None:
    await _type(vapi, "bogus", {"storage_protocol": "iSCSI-nope", "vendor_name": "Nobody"})
    vol = await vapi.create(volume_type="bogus", wait="error")
    assert vol["status"] == "error"
    listed = (await vapi.request("GET", "/messages")).json()["messages"]
    (msg,) = [m for m in listed if m.get("resource_uuid") == vol["id"]]
    assert msg["event_id"] == "VOLUME_VOLUME_001_003" and msg["message_level"] == "ERROR"
    assert msg["user_message"] == "schedule allocate volume: Could not find any available weighted backend."
    assert msg["request_id"].startswith("req-") and msg["guaranteed_until"] > msg["created_at"]
    assert (await vapi.request("GET", "/messages", "alt")).json()["messages"] == []
    assert fault(await vapi.request("GET", "/messages", version="volume 3.2"), 404)
    shown = (await vapi.request("GET", f"/messages/{msg['id']}")).json()["message"]
    assert shown == msg
    assert fault(await vapi.request("GET", f"/messages/{msg['id']}", "alt"), 404)
    assert (await vapi.request("DELETE", f"/messages/{msg['id']}")).status_code == 204
    assert fault(await vapi.request("GET", f"/messages/{msg['id']}"), 404)


async def test_satisfiable_types_are_created(vapi: VolumeApi) -> None:
    caps = (await vapi.request("GET", "/scheduler-stats/get_pools?detail=true", "admin")).json()["pools"][0]
    backend = caps["capabilities"]["volume_backend_name"]
    await _type(vapi, "ok", {"volume_backend_name": backend, "multiattach": "<is> True", "RESKEY:x": "y"})
    await _type(vapi, "scoped", {"capabilities:vendor_name": "Open Source", "free_capacity_gb": ">= 1"})
    assert (await vapi.create(volume_type="ok"))["status"] == "available"
    assert (await vapi.create(volume_type="scoped"))["status"] == "available"


@pytest.mark.parametrize(
    ("have", "want", "ok"),
    [
        ("iSCSI", "iSCSI", True),
        ("file", "iSCSI", False),
        (True, "<is> True", True),
        (False, "<is> True", False),
        (10, ">= 5", True),
        (10, "== 11", False),
        ("abc", "<in> b", True),
        ("nfs", "<or> iscsi <or> nfs", True),
        ("fc", "<or> iscsi <or> nfs", False),
        ("b", "s>= a", True),
        ("x", ">= 1", False),
    ],
)
def test_match(have: object, want: str, ok: bool) -> None:
    assert scheduler.match(have, want) is ok
