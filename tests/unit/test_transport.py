"""The in-process transport streams responses and request bodies, and stops the app
when the client goes away."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from pocketstack.web.transport import InProcessTransport


def streaming_app(chunks: int, produced: list[int]) -> Any:
    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        received = 0
        while True:
            message = await receive()
            received += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-received", str(received).encode())]})
        for i in range(chunks):
            produced.append(i)
            await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


async def test_response_is_streamed_not_buffered() -> None:
    produced: list[int] = []
    client = httpx.AsyncClient(
        transport=InProcessTransport(streaming_app(1000, produced), queue_chunks=4), base_url="http://t"
    )
    async with client.stream("GET", "/") as answer:
        assert answer.status_code == 200
        # The app is held back by the bounded queue: far from all 1000 chunks exist yet.
        await asyncio.sleep(0.05)
        assert len(produced) < 10
        total = sum([len(chunk) async for chunk in answer.aiter_bytes()])
    assert total == 1000 * 65536 and len(produced) == 1000
    await client.aclose()


async def test_request_body_streams_in() -> None:
    async def body() -> Any:
        for _ in range(10):
            yield b"y" * 1000

    client = httpx.AsyncClient(transport=InProcessTransport(streaming_app(1, [])), base_url="http://t")
    answer = await client.post("/", content=body())
    assert answer.headers["x-received"] == "10000"
    await client.aclose()


async def test_client_leaving_early_stops_the_app() -> None:
    produced: list[int] = []
    client = httpx.AsyncClient(
        transport=InProcessTransport(streaming_app(100000, produced), queue_chunks=2), base_url="http://t"
    )
    async with client.stream("GET", "/") as answer:
        async for _ in answer.aiter_bytes():
            break
    await asyncio.sleep(0.05)
    count = len(produced)
    await asyncio.sleep(0.05)
    assert len(produced) == count < 100, "the app stopped once the client left"
    await client.aclose()


async def test_app_failing_before_start_is_an_error() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    client = httpx.AsyncClient(transport=InProcessTransport(broken), base_url="http://t")
    with pytest.raises(httpx.RemoteProtocolError, match="boom"):
        await client.get("/")
    await client.aclose()
