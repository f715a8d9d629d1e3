"""An httpx transport that calls an ASGI app in-process and streams both ways.

The all-in-one routes service-to-service HTTP through this (no sockets, no
serialization beyond HTTP itself). Unlike httpx's own ASGITransport, which collects the
whole response body before returning, the response body flows through a small bounded
queue: a compute agent fetching a 1 GiB image, or a volume made from one, never holds
more than a few chunks in memory, and a slow reader slows the producer down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx

_END = object()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, queue: asyncio.Queue[Any], task: asyncio.Task[None], disconnect: asyncio.Event) -> None:
        self.queue = queue
        self.task = task
        self.disconnect = disconnect

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self.queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise httpx.ReadError(f"the in-process response was cut short: {item}") from item
            yield item

    async def aclose(self) -> None:
        # The client is done (or gave up): tell the app, and stop it if it still runs.
        self.disconnect.set()
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class InProcessTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, queue_chunks: int = 8) -> None:
        self.app = app
        self.queue_chunks = queue_chunks

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 0),
            "root_path": "",
        }
        assert isinstance(request.stream, httpx.AsyncByteStream)
        body = request.stream.__aiter__()
        body_done = False
        disconnect = asyncio.Event()
        started = asyncio.Event()
        head: dict[str, Any] = {}
        queue: asyncio.Queue[Any] = asyncio.Queue(self.queue_chunks)

        async def receive() -> MutableMapping[str, Any]:
            nonlocal body_done
            if body_done:
                await disconnect.wait()
                return {"type": "http.disconnect"}
            try:
                chunk = await body.__anext__()
            except StopAsyncIteration:
                body_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                head["status"] = message["status"]
                head["headers"] = message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk and request.method != "HEAD":
                    await queue.put(chunk)
                if not message.get("more_body", False):
                    await queue.put(_END)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                if not started.is_set():
                    head["error"] = exc
                    started.set()
                else:
                    await queue.put(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                if not started.is_set():
                    head["error"] = RuntimeError("the app returned without a response")
                    started.set()

        task = asyncio.create_task(run())
        await started.wait()
        if "error" in head:
            await asyncio.gather(task, return_exceptions=True)
            raise httpx.RemoteProtocolError(f"the in-process app failed: {head['error']}")
        return httpx.Response(
            head["status"], headers=head["headers"], stream=_ResponseStream(queue, task, disconnect), request=request
        )
