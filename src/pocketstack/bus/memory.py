"""In-process bus: one asyncio queue per topic, for the all-in-one cloud and tests.

Messages are round-tripped through JSON so anything that works here also works on
RabbitMQ. Each message is handled in its own task, so a slow handler never blocks the
topic; ``max_inflight`` bounds how many run at once per server.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import orjson

from pocketstack.bus.base import (
    Bus,
    BusTimeout,
    Endpoint,
    NotificationHandler,
    Subscription,
    decode_error,
    dispatch,
    encode_error,
    notification,
)

log = logging.getLogger(__name__)


class _Server(Subscription):
    def __init__(self, bus: MemoryBus, topic: str, endpoint: Endpoint, max_inflight: int) -> None:
        self.bus = bus
        self.topic = topic
        self.endpoint = endpoint
        self.slots = asyncio.Semaphore(max_inflight)
        self.tasks: set[asyncio.Task[None]] = set()
        self.consumer = asyncio.create_task(self._consume(), name=f"bus-serve-{topic}")

    async def _consume(self) -> None:
        queue = self.bus._queue(self.topic)
        while True:
            await self.slots.acquire()
            try:
                raw = await queue.get()
            except asyncio.CancelledError:
                self.slots.release()
                raise
            self._spawn(raw)

    def _spawn(self, raw: bytes, *, fanned: bool = False) -> None:
        task = asyncio.create_task(self._handle(raw, fanned))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _handle(self, raw: bytes, fanned: bool) -> None:
        message = orjson.loads(raw)
        reply_id = message.get("reply")
        try:
            result = await dispatch(self.endpoint, message["method"], message["ctx"], message["args"])
            if reply_id:
                self.bus._reply(reply_id, orjson.dumps({"result": result}))
        except Exception as exc:
            if reply_id:
                self.bus._reply(reply_id, orjson.dumps({"error": encode_error(exc)}))
            else:
                log.exception("bus: %s.%s failed", self.topic, message["method"])
        finally:
            if not fanned:
                self.slots.release()

    async def stop(self) -> None:
        self.consumer.cancel()
        servers = self.bus._servers.get(self.topic, [])
        if self in servers:
            servers.remove(self)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(self.consumer, *self.tasks, return_exceptions=True)


class _Listener(Subscription):
    def __init__(self, bus: MemoryBus, handler: NotificationHandler) -> None:
        self.bus = bus
        self.handler = handler

    async def stop(self) -> None:
        if self in self.bus._listeners:
            self.bus._listeners.remove(self)


class MemoryBus(Bus):
    durable = False

    def __init__(self, max_inflight: int = 256) -> None:
        self.max_inflight = max_inflight
        self._queues: dict[str, asyncio.Queue[bytes]] = {}
        self._servers: dict[str, list[_Server]] = {}
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._listeners: list[_Listener] = []
        self._closed = False

    def _queue(self, topic: str) -> asyncio.Queue[bytes]:
        queue = self._queues.get(topic)
        if queue is None:
            queue = self._queues[topic] = asyncio.Queue()
        return queue

    def _reply(self, reply_id: str, raw: bytes) -> None:
        future = self._pending.pop(reply_id, None)
        if future is not None and not future.done():
            future.set_result(raw)

    async def start(self) -> None:
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        for servers in list(self._servers.values()):
            for server in list(servers):
                await server.stop()
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()

    def _encode(self, method: str, ctx: dict[str, Any] | None, args: dict[str, Any], reply: str | None = None) -> bytes:
        try:
            return orjson.dumps({"method": method, "ctx": ctx or {}, "args": args, "reply": reply})
        except TypeError as exc:
            raise TypeError(f"bus message {method} is not JSON-serializable: {exc}") from None

    async def cast(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None:
        self._queue(topic).put_nowait(self._encode(method, ctx, args))

    async def call(
        self, topic: str, method: str, ctx: dict[str, Any] | None = None, *, timeout: float | None = None, **args: Any
    ) -> Any:
        timeout = self.default_timeout if timeout is None else timeout
        reply_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[reply_id] = future
        self._queue(topic).put_nowait(self._encode(method, ctx, args, reply_id))
        try:
            raw = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise BusTimeout(topic, method, timeout) from None
        finally:
            self._pending.pop(reply_id, None)
        answer = orjson.loads(raw)
        if "error" in answer:
            raise decode_error(answer["error"])
        return answer["result"]

    async def fanout(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None:
        raw = self._encode(method, ctx, args)
        for server in list(self._servers.get(topic, [])):
            server._spawn(raw, fanned=True)

    async def notify(
        self,
        event_type: str,
        payload: Any,
        ctx: dict[str, Any] | None = None,
        *,
        publisher_id: str = "pocketstack",
        priority: str = "INFO",
    ) -> None:
        # Encode even without listeners: non-JSON payloads must fail here as on RabbitMQ.
        try:
            raw = orjson.dumps(notification(event_type, payload, ctx, publisher_id, priority))
        except TypeError as exc:
            raise TypeError(f"notification {event_type} is not JSON-serializable: {exc}") from None
        if not self._listeners:
            return
        message = orjson.loads(raw)
        for listener in list(self._listeners):
            try:
                await listener.handler(message)
            except Exception:
                log.exception("notification listener failed on %s", event_type)

    async def serve(self, topic: str, endpoint: Endpoint) -> Subscription:
        server = _Server(self, topic, endpoint, self.max_inflight)
        self._servers.setdefault(topic, []).append(server)
        return server

    async def listen(self, handler: NotificationHandler) -> Subscription:
        listener = _Listener(self, handler)
        self._listeners.append(listener)
        return listener
