"""The compute notifier: events POSTed with the service token; failures logged, never raised."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from pocketstack.bus.memory import MemoryBus
from pocketstack.common.config import Config
from pocketstack.network.notifier import ComputeNotifier, vif_event
from pocketstack.runtime import Runtime
from pocketstack.testing.auth import StaticAuthenticator


def runtime_with(transport: httpx.AsyncBaseTransport, tmp_path: Path) -> Runtime:
    async def token() -> str:
        return "service-token"

    rt = Runtime(
        Config(data_dir=tmp_path), MemoryBus(), StaticAuthenticator(), transport=transport, base_url="http://cloud.test"
    )
    rt.service_token = token
    return rt


async def test_events_are_posted_with_the_service_token(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"events": []})

    notifier = ComputeNotifier(runtime_with(httpx.MockTransport(handler), tmp_path))
    assert await notifier.send([vif_event("network-vif-plugged", "vm-1", "port-1")]) is True
    assert len(seen) == 1
    assert seen[0].url.path == "/compute/v2.1/os-server-external-events"
    assert seen[0].headers["x-auth-token"] == "service-token"
    assert json.loads(seen[0].content) == {
        "events": [{"name": "network-vif-plugged", "server_uuid": "vm-1", "tag": "port-1", "status": "completed"}]
    }


async def test_unreachable_or_failing_compute_is_not_an_error(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="boom")

    for handler in (down, broken):
        notifier = ComputeNotifier(runtime_with(httpx.MockTransport(handler), tmp_path))
        assert await notifier.send([vif_event("network-vif-plugged", "vm-1", "port-1")]) is False
