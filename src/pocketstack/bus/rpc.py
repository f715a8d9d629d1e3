"""Typed RPC over the bus: payload dataclasses, a client base and a server base.

Every bus topic has one ``rpcapi.py`` module (``compute/conductor/rpcapi.py``, ...) that
holds, for that topic only:

- the payloads: one frozen dataclass per method (``@payload``), subclass of ``Payload``,
  naming the method in ``METHOD``; its fields are the method's arguments, JSON values;
- the client: a ``Client`` subclass whose methods are the only way to cast, call or fan
  out to the topic; it takes a ``RequestContext`` and serializes it at the bus boundary;
- the endpoint: a ``Server`` subclass whose ``@serves(Payload)`` methods are exactly the
  methods the topic serves, each receiving the ``RequestContext`` and its payload, or a
  ``Forward`` subclass whose ``serves`` tuple lists them (the manager's same-named
  methods get the context and the payload's fields); the bus refuses any other method
  with ``UndeclaredMethod``.

On the wire a message's args are ``payload.to_dict()``: the fields plus ``version``
(``"MAJOR.MINOR"``). A server accepts its own major version with a minor up to its own;
an unknown key, a missing field or another major version is an error back to the caller,
never silently dropped. The version history of a topic is kept in its module docstring.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self, TypeVar, dataclass_transform

from pocketstack.bus.base import Bus, Endpoint, RemoteError
from pocketstack.common.context import RequestContext


class BadPayload(RemoteError):
    """A message whose args do not decode into the method's payload."""

    def __init__(self, message: str) -> None:
        super().__init__("BadPayload", message)


def _version(text: Any) -> tuple[int, int]:
    major, _, minor = str(text).partition(".")
    return int(major), int(minor or 0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Payload:
    """The arguments of one RPC method. Subclasses set ``METHOD`` (and ``VERSION`` when the
    method changes) and are declared with ``@payload``."""

    METHOD: ClassVar[str] = ""
    VERSION: ClassVar[str] = "1.0"
    version: str = "1.0"

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["version"] = self.VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise BadPayload(f"{cls.METHOD}: unknown argument(s) {', '.join(unknown)}")
        if "version" not in data:
            raise BadPayload(f"{cls.METHOD}: the message carries no version")
        try:
            got, ours = _version(data["version"]), _version(cls.VERSION)
        except ValueError:
            raise BadPayload(f"{cls.METHOD}: bad version {data['version']!r}") from None
        if got[0] != ours[0] or got[1] > ours[1]:
            raise BadPayload(f"{cls.METHOD}: version {data['version']} is not served (this server: {cls.VERSION})")
        try:
            return cls(**data)
        except TypeError as exc:
            raise BadPayload(f"{cls.METHOD}: {exc}") from None


P = TypeVar("P", bound=Payload)


@dataclass_transform(frozen_default=True, kw_only_default=True)
def payload(cls: type[P]) -> type[P]:
    """Declare a payload: a frozen, keyword-only dataclass with a method name."""
    if not cls.METHOD:
        raise TypeError(f"payload {cls.__name__} names no METHOD")
    made = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    # The bus verbs take these as their own arguments: a field so named would collide.
    clash = {f.name for f in dataclasses.fields(made)} & {"topic", "method", "ctx", "timeout"}
    if clash:
        raise TypeError(f"payload {cls.__name__}: field(s) {', '.join(sorted(clash))} are reserved")
    return made


Handler = Callable[[Any, RequestContext, Any], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


def serves(kind: type[Payload]) -> Callable[[H], H]:
    """Mark a ``Server`` method as the handler of ``kind.METHOD``."""

    def mark(fn: H) -> H:
        fn.__rpc_payload__ = kind  # type: ignore[attr-defined]
        return fn

    return mark


class Server(Endpoint):
    """A topic's endpoint: the ``@serves`` methods, and nothing else, are served."""

    _handlers: ClassVar[dict[str, tuple[type[Payload], Handler]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, tuple[type[Payload], Handler]] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                kind = getattr(value, "__rpc_payload__", None)
                if kind is not None:
                    handlers[kind.METHOD] = (kind, value)
        cls._handlers = handlers
        cls.rpc_methods = frozenset(handlers)

    async def rpc_dispatch(self, method: str, ctx: dict[str, Any], args: dict[str, Any]) -> Any:
        kind, handler = self._handlers[method]
        return await handler(self, _context(method, ctx), kind.from_dict(args))


class Forward(Endpoint):
    """A topic's endpoint that is a declaration only: ``serves`` lists the payloads, each
    handed to the target's method of the same name as ``method(ctx, **fields)``.

    For managers whose bus methods take the payload's fields one by one (the conductor,
    the scheduler, the compute agent, the volume manager); ``tests/unit/test_rpcapi.py``
    checks every target signature against its payload."""

    serves: ClassVar[tuple[type[Payload], ...]] = ()
    _kinds: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._kinds = {kind.METHOD: kind for kind in cls.serves}
        cls.rpc_methods = frozenset(cls._kinds)

    def __init__(self, target: object) -> None:
        self.target = target

    async def rpc_dispatch(self, method: str, ctx: dict[str, Any], args: dict[str, Any]) -> Any:
        message = self._kinds[method].from_dict(args)
        fields = {f.name: getattr(message, f.name) for f in dataclasses.fields(message) if f.name != "version"}
        return await getattr(self.target, method)(_context(method, ctx), **fields)


def _context(method: str, ctx: dict[str, Any]) -> RequestContext:
    try:
        return RequestContext.from_dict(ctx)
    except (ValueError, TypeError) as exc:
        raise BadPayload(f"{method}: bad request context: {exc}") from None


class Client:
    """Base of a topic's client: the verbs take a ``RequestContext`` and a payload."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def _cast(self, topic: str, ctx: RequestContext, message: Payload) -> None:
        await self.bus.cast(topic, message.METHOD, ctx.to_dict(), **message.to_dict())

    async def _call(self, topic: str, ctx: RequestContext, message: Payload, *, timeout: float | None = None) -> Any:
        return await self.bus.call(topic, message.METHOD, ctx.to_dict(), timeout=timeout, **message.to_dict())

    async def _fanout(self, topic: str, ctx: RequestContext, message: Payload) -> None:
        await self.bus.fanout(topic, message.METHOD, ctx.to_dict(), **message.to_dict())


def no_context() -> RequestContext:
    """The context of work no request asked for (periodic tasks, start-up): no user, no
    request id, as the empty context these messages always carried."""
    return RequestContext(request_id="")
