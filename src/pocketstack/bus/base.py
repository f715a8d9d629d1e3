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
- endpoint: an ``Endpoint`` that declares the methods it serves (``rpc_methods``); the bus
  hands a message to ``rpc_dispatch(method, ctx, args)`` only if its method is declared and
  answers any other with ``UndeclaredMethod`` (an agent's ``start``/``stop`` are never
  reachable). ``ctx`` is the caller's RequestContext as a dict (request id, user, tokens);
  the typed layer (``pocketstack.bus.rpc``, used by every service's ``rpcapi.py``) turns it
  back into a ``RequestContext`` and the arguments into a payload dataclass.

Arguments and return values must be JSON-serializable: every backend enforces it, so code
that works on the memory bus works on RabbitMQ.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from pocketstack.common import errors as domain_errors
from pocketstack.common.errors import PocketError, Unavailable

log = logging.getLogger(__name__)

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


class UndeclaredMethod(RemoteError):
    """The endpoint serving the topic does not declare the method called."""

    def __init__(self, message: str) -> None:
        PocketError.__init__(self, message, kind="UndeclaredMethod")
        self.exc_type = "UndeclaredMethod"

    @classmethod
    def of(cls, endpoint: Endpoint, method: str) -> UndeclaredMethod:
        return cls(f"Remote error: UndeclaredMethod: {type(endpoint).__name__} does not serve method {method!r}")


class Endpoint:
    """What ``Bus.serve`` serves: exactly the methods named in ``rpc_methods``.

    The default ``rpc_dispatch`` calls ``self.<method>(ctx, **args)`` (plain endpoints, e.g.
    the bus's own tests); ``pocketstack.bus.rpc.Server`` decodes a typed payload instead.
    """

    rpc_methods: ClassVar[frozenset[str]] = frozenset()

    async def rpc_dispatch(self, method: str, ctx: dict[str, Any], args: dict[str, Any]) -> Any:
        return await getattr(self, method)(ctx, **args)


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
    if data["type"] == "UndeclaredMethod":
        return UndeclaredMethod(data["message"])
    cls = getattr(domain_errors, data["type"], None)
    if isinstance(cls, type) and issubclass(cls, PocketError):
        error = cls.__new__(cls)
        PocketError.__init__(error, data["message"], kind=data.get("kind"), detail=data.get("detail") or "")
        return error
    return RemoteError(data["type"], data["message"])


async def dispatch(endpoint: Endpoint, method: str, ctx: dict[str, Any], args: dict[str, Any]) -> Any:
    """Hand a message to its endpoint; a method the endpoint does not declare is refused
    (never looked up as an attribute)."""
    if method not in endpoint.rpc_methods:
        raise UndeclaredMethod.of(endpoint, method)
    return await endpoint.rpc_dispatch(method, ctx, args)


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
