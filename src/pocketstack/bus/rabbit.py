"""RabbitMQ bus (aio-pika): the distributed backend of the bus contract in ``base.py``.

Layout on the broker:
- topic ``T``: a durable queue named ``T`` on the default exchange; casts and calls are
  persistent messages, so a cast sent while no server runs (or while the broker
  restarts) waits in the queue.
- fanout to ``T``: a fanout exchange ``pocketstack.fanout.T``; each server binds its own
  exclusive auto-delete queue, so absent servers get nothing queued.
- call replies: one exclusive queue per bus, matched by correlation id.
- notifications: the topic exchange ``pocketstack.notifications`` (routing key = event
  type); each listener binds an exclusive queue to ``#``.
- with a ``namespace`` N, every queue and exchange name above is prefixed ``N.``.

Delivery is at least once: a server acks a message only after its handler finished (a
process that dies mid-handler has the message redelivered), and a publish whose confirm
was lost in a broker outage is retried once the connection is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aiormq.exceptions import (
    AMQPConnectionError,
    ChannelAccessRefused,
    ChannelClosed,
    ChannelInvalidStateError,
    ChannelPreconditionFailed,
    DeliveryError,
)

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
from pocketstack.bus.oslo_notify import ServiceNotifications, messages
from pocketstack.common.errors import Unavailable

log = logging.getLogger(__name__)

NOTIFICATIONS_EXCHANGE = "pocketstack.notifications"
FANOUT_PREFIX = "pocketstack.fanout."
STOP_TIMEOUT = 5.0

# Errors that mean "the connection is (or was) down": worth retrying once it is back.
# Access refused and precondition failed (a queue declared with other arguments) are
# permanent and surface at once.
_TRANSIENT = (
    AMQPConnectionError,
    ConnectionError,
    ChannelInvalidStateError,
    TimeoutError,
    DeliveryError,
    ChannelClosed,
)
_PERMANENT = (ChannelAccessRefused, ChannelPreconditionFailed)


def _encode(method: str, ctx: dict[str, Any] | None, args: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps({"method": method, "ctx": ctx or {}, "args": args})
    except TypeError as exc:
        raise TypeError(f"bus message {method} is not JSON-serializable: {exc}") from None


class _Server(Subscription):
    """One ``serve()``: a channel with its own prefetch, consuming the topic queue and
    this server's fanout queue."""

    def __init__(self, bus: RabbitBus, topic: str, endpoint: Endpoint, channel: AbstractRobustChannel) -> None:
        self.bus = bus
        self.topic = topic
        self.endpoint = endpoint
        self.channel = channel
        self.consumers: list[tuple[AbstractQueue, str]] = []
        self.tasks: set[asyncio.Task[Any]] = set()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        # aiormq already runs each delivery in its own task; remember it so stop() can
        # cancel handlers still running (their messages are requeued by the channel close).
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        try:
            await self._handle(message)
        finally:
            if task is not None:
                self.tasks.discard(task)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            body = orjson.loads(message.body)
            method, ctx, args = body["method"], body["ctx"], body["args"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            # Not the body: a message's ctx carries the caller's token.
            log.error("bus: dropping a malformed message on %s (%d bytes)", self.topic, len(message.body))
            await _settle(message.reject(requeue=False))
            return
        try:
            answer: dict[str, Any] = {"result": await dispatch(self.endpoint, method, ctx, args)}
        except Exception as exc:
            if not message.reply_to:
                log.exception("bus: %s.%s failed", self.topic, method)
            answer = {"error": encode_error(exc)}
        if message.reply_to:
            try:
                raw = orjson.dumps(answer)
            except TypeError as exc:
                raw = orjson.dumps(
                    {"error": encode_error(TypeError(f"reply of {method} is not JSON-serializable: {exc}"))}
                )
            await self.bus._send_reply(message.reply_to, message.correlation_id, raw)
        await _settle(message.ack())

    async def stop(self) -> None:
        if self in self.bus._subscriptions:
            self.bus._subscriptions.remove(self)
        # Bounded: with the broker away, cancelling would wait for a reconnect forever.
        with contextlib.suppress(*_TRANSIENT, RuntimeError):
            async with asyncio.timeout(STOP_TIMEOUT):
                for queue, tag in self.consumers:
                    await queue.cancel(tag)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await _close_channel(self.channel)


class _Listener(Subscription):
    def __init__(self, bus: RabbitBus, handler: NotificationHandler, channel: AbstractRobustChannel) -> None:
        self.bus = bus
        self.handler = handler
        self.channel = channel
        # Deliveries arrive as concurrent tasks; the lock (FIFO) keeps notifications in order.
        self.order = asyncio.Lock()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        async with self.order:
            try:
                await self.handler(orjson.loads(message.body))
            except Exception:
                log.exception("notification listener failed on %s", message.routing_key)
            await _settle(message.ack())

    async def stop(self) -> None:
        if self in self.bus._subscriptions:
            self.bus._subscriptions.remove(self)
        await _close_channel(self.channel)


async def _close_channel(channel: AbstractRobustChannel) -> None:
    """Close a consumer channel: the broker hands every unacked message back to its queue.
    If the connection is down the broker has done that already."""
    with contextlib.suppress(*_TRANSIENT, RuntimeError):
        async with asyncio.timeout(STOP_TIMEOUT):
            await channel.close()


async def _settle(outcome: Awaitable[None]) -> None:
    """Ack/reject; if the channel died meanwhile the broker redelivers, which is the point."""
    try:
        await outcome
    except _TRANSIENT as exc:
        log.debug("bus: could not settle a message (%s); it will be redelivered", exc)


class RabbitBus(Bus):
    """``auto_delete_topics`` declares topic queues auto-delete (for tests and throwaway
    topics): they vanish when their last server stops instead of living forever."""

    def __init__(
        self,
        url: str,
        *,
        max_inflight: int = 64,
        publish_timeout: float = 60.0,
        auto_delete_topics: bool = False,
        namespace: str = "",
    ) -> None:
        self.url = url
        # Prefix of every queue and exchange name: clouds (or test runs) sharing one broker
        # and vhost stay apart. Empty: the plain topic names.
        self.namespace = namespace
        self._notifications_name = self._ns(NOTIFICATIONS_EXCHANGE)
        self.max_inflight = max_inflight
        self.publish_timeout = publish_timeout
        self.auto_delete_topics = auto_delete_topics
        self._connection: AbstractRobustConnection | None = None
        self._publisher: AbstractRobustChannel | None = None
        self._connect_lock = asyncio.Lock()
        self._reply_lock = asyncio.Lock()
        self._reply_queue: str | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._declared: set[str] = set()
        self._notifications: AbstractExchange | None = None
        # oslo.messaging-format copies of each notification (bus/oslo_notify.py); None: off.
        self.oslo_settings: dict[str, ServiceNotifications] | None = None
        self._oslo_declared: set[tuple[str, str]] = set()
        self._subscriptions: list[_Server | _Listener] = []

    def _ns(self, name: str) -> str:
        return f"{self.namespace}.{name}" if self.namespace else name

    # -- connection -------------------------------------------------------------------

    async def start(self) -> None:
        await self._channel()

    async def _channel(self) -> AbstractRobustChannel:
        """The publishing channel (publisher confirms on), connecting on first use."""
        if self._publisher is not None:
            return self._publisher
        async with self._connect_lock:
            if self._publisher is None:
                kwargs: dict[str, Any] = {}
                # aio-pika waits 5 s between reconnect attempts by default; a bus should
                # come back within a second of the broker.
                if "reconnect_interval" not in parse_qs(urlsplit(self.url).query):
                    kwargs["reconnect_interval"] = 1
                try:
                    self._connection = await aio_pika.connect_robust(self.url, **kwargs)
                except (AMQPConnectionError, ConnectionError) as exc:
                    where = urlsplit(self.url)
                    raise Unavailable(
                        f"cannot connect to RabbitMQ at {where.hostname}:{where.port or 5672}: {exc}"
                    ) from exc
                channel = await self._connection.channel(publisher_confirms=True)
                self._publisher = channel
        assert self._publisher is not None
        return self._publisher

    async def _new_channel(self, prefetch: int) -> AbstractRobustChannel:
        """A channel for a consumer; while the broker is away, wait for the reconnect
        (up to ``publish_timeout``) instead of failing at once."""
        await self._channel()
        assert self._connection is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_timeout
        while True:
            try:
                async with asyncio.timeout(max(deadline - loop.time(), 0.001)):
                    await self._connection.ready()
                    channel: AbstractRobustChannel = await self._connection.channel()
                    await channel.set_qos(prefetch_count=prefetch)
                    return channel
            except _PERMANENT:
                raise
            # RuntimeError: aio-pika's "Connection was not opened" between connection loss and
            # its reconnect (ChannelInvalidStateError is one too).
            except (*_TRANSIENT, RuntimeError) as exc:
                if loop.time() >= deadline:
                    raise Unavailable(
                        f"RabbitMQ did not open a channel within {self.publish_timeout:g}s: {exc!r}"
                    ) from None
                await asyncio.sleep(0.2)

    async def close(self) -> None:
        for subscription in list(self._subscriptions):
            await subscription.stop()
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._connection is not None:
            with contextlib.suppress(*_TRANSIENT, RuntimeError):
                async with asyncio.timeout(STOP_TIMEOUT):
                    await self._connection.close()
        self._connection = self._publisher = None
        self._notifications = None
        self._reply_queue = None
        self._declared.clear()

    async def _publish(
        self,
        message: aio_pika.Message,
        routing_key: str,
        *,
        timeout: float,
        exchange: Callable[[AbstractRobustChannel], Awaitable[AbstractExchange]] | None = None,
        what: str,
    ) -> None:
        """Publish with a broker confirm, retrying through a reconnect until ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            try:
                channel = await self._channel()
                async with asyncio.timeout(max(left, 0.001)):
                    await channel.ready()
                    target = channel.default_exchange if exchange is None else await exchange(channel)
                    await target.publish(message, routing_key, mandatory=False)
                return
            except _PERMANENT:
                raise
            except _TRANSIENT as exc:
                if loop.time() >= deadline:
                    raise Unavailable(f"RabbitMQ did not accept {what} within {timeout:g}s: {exc!r}") from None
                log.warning("bus: publishing %s failed (%r); retrying after reconnect", what, exc)
                await asyncio.sleep(min(0.2, max(deadline - loop.time(), 0)))

    async def _declare_topic(self, channel: AbstractRobustChannel, topic: str) -> AbstractExchange:
        # Auto-delete queues can vanish behind our back (last server stopped), so they are
        # declared before every publish; durable ones only once per connection.
        if topic not in self._declared or self.auto_delete_topics:
            # robust: the channel declares durable topics again after a reconnect (in case
            # the broker lost them); re-declared auto-delete ones are not tracked, or every
            # cast would add one more queue object to the channel's restore list.
            await channel.declare_queue(
                topic, durable=True, auto_delete=self.auto_delete_topics, robust=not self.auto_delete_topics
            )
            self._declared.add(topic)
        return channel.default_exchange

    @property
    def declared_topics(self) -> frozenset[str]:
        return frozenset(self._declared)

    async def delete_topic(self, topic: str) -> None:
        """Remove a topic's queue (and queued messages) and its fanout exchange, e.g.
        when a host is retired for good."""
        topic = self._ns(topic)
        channel = await self._channel()
        await channel.queue_delete(topic)
        await channel.exchange_delete(FANOUT_PREFIX + topic)
        self._declared.discard(topic)

    # -- verbs ------------------------------------------------------------------------

    async def cast(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None:
        topic = self._ns(topic)
        message = aio_pika.Message(
            _encode(method, ctx, args),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )

        async def declare(channel: AbstractRobustChannel) -> AbstractExchange:
            return await self._declare_topic(channel, topic)

        await self._publish(
            message, topic, timeout=self.publish_timeout, exchange=declare, what=f"cast {method} to {topic}"
        )

    async def call(
        self, topic: str, method: str, ctx: dict[str, Any] | None = None, *, timeout: float | None = None, **args: Any
    ) -> Any:
        timeout = self.default_timeout if timeout is None else timeout
        named, topic = topic, self._ns(topic)
        body = _encode(method, ctx, args)
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

        async def declare(channel: AbstractRobustChannel) -> AbstractExchange:
            return await self._declare_topic(channel, topic)

        try:
            # One deadline for everything, connecting included: a call never outlives its timeout.
            async with asyncio.timeout(timeout):
                message = aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    correlation_id=correlation_id,
                    reply_to=await self._replies(),
                    # Nobody waits for the answer after the timeout: let the broker drop the request.
                    expiration=timeout,
                )
                self._pending[correlation_id] = future
                await self._publish(message, topic, timeout=timeout, exchange=declare, what=f"call {method} to {topic}")
                raw = await future
        except (TimeoutError, Unavailable):
            raise BusTimeout(named, method, timeout) from None
        finally:
            self._pending.pop(correlation_id, None)
        answer = orjson.loads(raw)
        if "error" in answer:
            raise decode_error(answer["error"])
        return answer["result"]

    async def fanout(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None:
        topic = self._ns(topic)
        message = aio_pika.Message(_encode(method, ctx, args), content_type="application/json")

        async def declare(channel: AbstractRobustChannel) -> AbstractExchange:
            # Declared on every fanout (cheap, rare): the exchange auto-deletes when its
            # last server goes, and publishing to a missing exchange would close the channel.
            return await channel.declare_exchange(
                FANOUT_PREFIX + topic, aio_pika.ExchangeType.FANOUT, auto_delete=True, robust=False
            )

        await self._publish(
            message, "", timeout=self.publish_timeout, exchange=declare, what=f"fanout {method} to {topic}"
        )

    async def notify(
        self,
        event_type: str,
        payload: Any,
        ctx: dict[str, Any] | None = None,
        *,
        publisher_id: str = "pocketstack",
        priority: str = "INFO",
    ) -> None:
        try:
            body = orjson.dumps(notification(event_type, payload, ctx, publisher_id, priority))
        except TypeError as exc:
            raise TypeError(f"notification {event_type} is not JSON-serializable: {exc}") from None
        message = aio_pika.Message(body, content_type="application/json")
        await self._publish(
            message,
            event_type,
            timeout=self.publish_timeout,
            exchange=self._notification_exchange,
            what=f"notification {event_type}",
        )
        if self.oslo_settings is not None:
            for exchange_name, routing_key, raw in messages(
                self.oslo_settings, event_type, payload, ctx, publisher_id, priority
            ):
                await self._publish_oslo(exchange_name, routing_key, raw, event_type)

    async def _publish_oslo(self, exchange_name: str, routing_key: str, raw: bytes, event_type: str) -> None:
        """As oslo's rabbit notifier: a non-durable topic exchange, and a queue named by
        the routing key bound to it so events wait for a consumer that is not there yet."""

        async def declare(channel: AbstractRobustChannel) -> AbstractExchange:
            exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=False)
            if (exchange_name, routing_key) not in self._oslo_declared:
                queue = await channel.declare_queue(routing_key, durable=False)
                await queue.bind(exchange, routing_key)
                self._oslo_declared.add((exchange_name, routing_key))
            return exchange

        message = aio_pika.Message(raw, content_type="application/json", content_encoding="utf-8")
        await self._publish(
            message,
            routing_key,
            timeout=self.publish_timeout,
            exchange=declare,
            what=f"notification {event_type} to {exchange_name}/{routing_key}",
        )

    async def _notification_exchange(self, channel: AbstractRobustChannel) -> AbstractExchange:
        if self._notifications is None:
            self._notifications = await channel.declare_exchange(
                self._notifications_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._notifications

    # -- consumers --------------------------------------------------------------------

    async def _replies(self) -> str:
        """The bus's reply queue, declared on the first call (pure servers need none)."""
        if self._reply_queue is not None:
            return self._reply_queue
        async with self._reply_lock:
            if self._reply_queue is None:
                channel = await self._new_channel(prefetch=0)
                # A fixed client-chosen name: after a reconnect the robust channel declares
                # the same queue again, so callers keep their reply address.
                name = self._ns(f"pocketstack.reply.{uuid.uuid4().hex}")
                queue = await channel.declare_queue(name, exclusive=True, auto_delete=True)
                await queue.consume(self._on_reply, no_ack=True)
                self._reply_queue = name
        return self._reply_queue

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(message.body)

    async def _send_reply(self, reply_to: str, correlation_id: str | None, raw: bytes) -> None:
        message = aio_pika.Message(raw, content_type="application/json", correlation_id=correlation_id)
        try:
            # Short deadline: a caller that waits longer than this has given up anyway.
            await self._publish(message, reply_to, timeout=10.0, what=f"reply to {reply_to}")
        except Unavailable:
            log.warning("bus: could not deliver a reply to %s", reply_to)

    async def serve(self, topic: str, endpoint: Endpoint) -> Subscription:
        topic = self._ns(topic)
        channel = await self._new_channel(prefetch=self.max_inflight)
        server = _Server(self, topic, endpoint, channel)
        queue = await channel.declare_queue(topic, durable=True, auto_delete=self.auto_delete_topics)
        self._declared.add(topic)
        exchange = await channel.declare_exchange(FANOUT_PREFIX + topic, aio_pika.ExchangeType.FANOUT, auto_delete=True)
        fanout_queue = await channel.declare_queue(
            f"{FANOUT_PREFIX}{topic}.{uuid.uuid4().hex[:12]}", exclusive=True, auto_delete=True
        )
        await fanout_queue.bind(exchange)
        for q in (queue, fanout_queue):
            server.consumers.append((q, await q.consume(server.on_message)))
        self._subscriptions.append(server)
        return server

    async def listen(self, handler: NotificationHandler) -> Subscription:
        channel = await self._new_channel(prefetch=self.max_inflight)
        listener = _Listener(self, handler, channel)
        exchange = await channel.declare_exchange(self._notifications_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(
            f"{self._notifications_name}.{uuid.uuid4().hex[:12]}", exclusive=True, auto_delete=True
        )
        await queue.bind(exchange, "#")
        await queue.consume(listener.on_message)
        self._subscriptions.append(listener)
        return listener
