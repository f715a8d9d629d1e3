"""The bus contract shared by every backend.

Glossary:
- topic: a named work queue, e.g. ``conductor`` or ``compute.host1``; every message on
  it is handled by exactly one of the servers serving it (round-robin).
- cast: send and forget. The message waits in the topic's queue until a server takes it
  (durable in RabbitMQ), so a cast sent while no server runs is not lost.
- call: send and wait for the return value (or the remote exception) up to ``timeout``;
  on timeout ``BusTimeout`` names the topic and method.
- fanout: deliver to every server currently serving the topic (no queueing for absent ones).
- notify: publish a versioned notification ``event_type`` with a payload to every listener.
- endpoint: an object whose ``async def method(ctx, **args)`` methods handle messages;
  ``ctx`` is the caller's RequestContext as a dict (request id, user, tokens).

Arguments and return values must be JSON-serializable: every backend enforces it, so code
that works on the memory bus works on RabbitMQ.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.common import errors as domain_errors
from pocketstack.common.errors import PocketError, Unavailable

log = logging.getLogger(__name__)

Endpoint = Any
NotificationHandler = Callable[[dict[str, Any]], Awaitable[None]]


class BusTimeout(Unavailable):
    """A call got no answer in time."""

    def __init__(self, topic: str, method: str, timeout: float) -> None:
        super().__init__(f"Timed out after {timeout:g}s waiting for a reply to {method} on topic {topic}")
        self.topic = topic
        self.method = method


class RemoteError(PocketError):
    """An exception raised by the remote endpoint that is not a domain error."""

    def __init__(self, exc_type: str, message: str) -> None:
        super().__init__(f"Remote error: {exc_type}: {message}", kind=exc_type)
        self.exc_type = exc_type


class Subscription(abc.ABC):
    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop consuming; messages not yet taken stay queued for other servers."""


def encode_error(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": getattr(exc, "message", None) or str(exc),
        "kind": getattr(exc, "kind", None),
        "detail": getattr(exc, "detail", ""),
    }


def decode_error(data: dict[str, Any]) -> PocketError:
    """Rebuild domain errors by class name so they cross the bus with their meaning."""
    cls = getattr(domain_errors, data["type"], None)
    if isinstance(cls, type) and issubclass(cls, PocketError):
        error = cls.__new__(cls)
        PocketError.__init__(error, data["message"], kind=data.get("kind"), detail=data.get("detail") or "")
        return error
    return RemoteError(data["type"], data["message"])


async def dispatch(endpoint: Endpoint, method: str, ctx: dict[str, Any], args: dict[str, Any]) -> Any:
    """Run ``endpoint.method(ctx, **args)``; unknown or private methods are refused."""
    fn = None if method.startswith("_") else getattr(endpoint, method, None)
    if fn is None:
        raise RemoteError("NoSuchMethod", f"Endpoint {type(endpoint).__name__} has no method {method}")
    return await fn(ctx, **args)


def notification(
    event_type: str, payload: Any, ctx: dict[str, Any] | None, publisher_id: str, priority: str
) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "payload": payload,
        "publisher_id": publisher_id,
        "priority": priority,
        "timestamp": time.time(),
        "request_id": (ctx or {}).get("request_id"),
        "context": ctx or {},
    }


class Bus(abc.ABC):
    """See the module docstring for the meaning of each verb."""

    default_timeout: float = 60.0
    # Whether a cast outlives the process that sent it (a broker queue) or dies with it
    # (the memory bus): start-up recovery ends the builds whose cast can no longer come.
    durable: bool = True

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def cast(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None: ...

    @abc.abstractmethod
    async def call(
        self, topic: str, method: str, ctx: dict[str, Any] | None = None, *, timeout: float | None = None, **args: Any
    ) -> Any: ...

    @abc.abstractmethod
    async def fanout(self, topic: str, method: str, ctx: dict[str, Any] | None = None, **args: Any) -> None: ...

    @abc.abstractmethod
    async def notify(
        self,
        event_type: str,
        payload: Any,
        ctx: dict[str, Any] | None = None,
        *,
        publisher_id: str = "pocketstack",
        priority: str = "INFO",
    ) -> None: ...

    @abc.abstractmethod
    async def serve(self, topic: str, endpoint: Endpoint) -> Subscription:
        """Handle messages cast/called/fanned out to ``topic`` with ``endpoint``."""

    @abc.abstractmethod
    async def listen(self, handler: NotificationHandler) -> Subscription:
        """Receive every notification published from now on."""


def connect(url: str, *, default_timeout: float = 60.0, namespace: str = "") -> Bus:
    if url.startswith("memory"):
        from pocketstack.bus.memory import MemoryBus

        bus: Bus = MemoryBus()
    elif url.startswith("amqp"):
        from pocketstack.bus.rabbit import RabbitBus  # type: ignore[import-not-found,unused-ignore]

        bus = RabbitBus(url, namespace=namespace)
    else:
        raise ValueError(f"unknown bus URL {url!r}: use memory:// or amqp://user:pass@host:port/")
    bus.default_timeout = default_timeout
    return bus
