"""The bus contract (pocketstack.bus.base), one suite run against every backend.

Each test uses its own uuid topic so runs never see each other's messages; RabbitMQ
topics are declared auto-delete and deleted at the end, so the broker keeps no garbage.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from pocketstack.bus import Bus, BusTimeout, Endpoint, RemoteError, UndeclaredMethod, rpc
from pocketstack.bus.memory import MemoryBus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _rabbit_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


MakeBus = Callable[[], Awaitable[Bus]]


@pytest.fixture(params=["memory", pytest.param("rabbit", marks=pytest.mark.integration)])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[MakeBus]:
    """A factory of connected buses. On memory every call returns the same bus (one
    process); on RabbitMQ each call is a new connection, like another process."""
    if request.param == "memory":
        memory = MemoryBus()
        await memory.start()

        async def same() -> Bus:
            return memory

        yield same
        await memory.close()
        return

    if not _rabbit_reachable():
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    from pocketstack.bus.rabbit import RabbitBus

    buses: list[RabbitBus] = []

    async def new() -> Bus:
        bus = RabbitBus(RABBIT_URL, auto_delete_topics=True, publish_timeout=10)
        await bus.start()
        buses.append(bus)
        return bus

    yield new
    topics: set[str] = set()
    for bus in buses:
        topics |= bus.declared_topics
        await bus.close()
    cleaner = RabbitBus(RABBIT_URL, auto_delete_topics=True)
    for topic in topics:
        await cleaner.delete_topic(topic)
    await cleaner.close()


@pytest.fixture
async def bus(make_bus: MakeBus) -> Bus:
    return await make_bus()


@pytest.fixture
def topic() -> str:
    return f"test.bus.{uuid.uuid4().hex}"


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (messages travel asynchronously)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


class Recorder(Endpoint):
    """An endpoint that records what it handled and offers the methods the tests call."""

    rpc_methods = frozenset({"record", "add", "find", "explode", "slow", "unserializable", "echo"})

    def __init__(self, name: str = "server") -> None:
        self.name = name
        self.seen: list[Any] = []
        self.ctxs: list[dict[str, Any]] = []

    async def record(self, ctx: dict[str, Any], n: Any) -> None:
        self.ctxs.append(ctx)
        self.seen.append(n)

    async def add(self, ctx: dict[str, Any], a: int, b: int) -> dict[str, Any]:
        return {"sum": a + b, "request_id": ctx.get("request_id"), "server": self.name}

    async def find(self, ctx: dict[str, Any], name: str) -> None:
        raise NotFound(f"Instance {name} could not be found.")

    async def explode(self, ctx: dict[str, Any]) -> None:
        raise ValueError("boom")

    async def slow(self, ctx: dict[str, Any], seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    async def unserializable(self, ctx: dict[str, Any]) -> Any:
        return {"ids": {1, 2}}

    async def echo(self, ctx: dict[str, Any], value: Any) -> Any:
        # Yield once so concurrent calls really interleave on the server.
        await asyncio.sleep(0)
        return value

    async def stop(self, ctx: dict[str, Any]) -> None:
        """Not declared: a server's own life cycle is never reachable over the bus."""
        self.seen.append("stopped")


async def test_cast_is_delivered_to_exactly_one_of_several_servers(make_bus: MakeBus, topic: str) -> None:
    servers = [Recorder(f"s{i}") for i in range(3)]
    for server in servers:
        await (await make_bus()).serve(topic, server)
    caster = await make_bus()
    for n in range(30):
        await caster.cast(topic, "record", {"request_id": f"req-{n}"}, n=n)

    await until(lambda: sum(len(s.seen) for s in servers) >= 30)
    await asyncio.sleep(0.2)  # anything duplicated would arrive now
    everything = sorted(n for s in servers for n in s.seen)
    assert everything == list(range(30))
    ctx_ids = {c["request_id"] for s in servers for c in s.ctxs}
    assert ctx_ids == {f"req-{n}" for n in range(30)}


async def test_cast_before_any_server_is_kept_until_one_starts(make_bus: MakeBus, topic: str) -> None:
    caster = await make_bus()
    for n in range(3):
        await caster.cast(topic, "record", n=n)
    await asyncio.sleep(0.1)

    server = Recorder()
    await (await make_bus()).serve(topic, server)
    await until(lambda: len(server.seen) == 3)
    assert sorted(server.seen) == [0, 1, 2]


async def test_call_returns_the_value(make_bus: MakeBus, topic: str) -> None:
    await (await make_bus()).serve(topic, Recorder("only"))
    caller = await make_bus()
    answer = await caller.call(topic, "add", {"request_id": "req-abc"}, timeout=10, a=2, b=40)
    assert answer == {"sum": 42, "request_id": "req-abc", "server": "only"}


async def test_call_reraises_a_domain_error_with_its_message(make_bus: MakeBus, topic: str) -> None:
    await (await make_bus()).serve(topic, Recorder())
    caller = await make_bus()
    with pytest.raises(NotFound) as info:
        await caller.call(topic, "find", timeout=10, name="vm-7")
    assert info.value.message == "Instance vm-7 could not be found."


async def test_call_of_a_failing_method_raises_remote_error(bus: Bus, topic: str) -> None:
    await bus.serve(topic, Recorder())
    with pytest.raises(RemoteError) as info:
        await bus.call(topic, "explode", timeout=10)
    assert info.value.exc_type == "ValueError"
    assert "boom" in str(info.value)


async def test_call_of_an_unknown_method_raises_remote_error(bus: Bus, topic: str) -> None:
    await bus.serve(topic, Recorder())
    with pytest.raises(RemoteError) as info:
        await bus.call(topic, "no_such_method", timeout=10)
    assert "no_such_method" in str(info.value)
    with pytest.raises(RemoteError):
        await bus.call(topic, "_private", timeout=10)


async def test_an_undeclared_method_is_refused_even_if_the_endpoint_has_it(bus: Bus, topic: str) -> None:
    server = Recorder()
    await bus.serve(topic, server)
    with pytest.raises(UndeclaredMethod) as info:
        await bus.call(topic, "stop", timeout=10)
    assert "stop" in str(info.value) and "Recorder" in str(info.value)
    with pytest.raises(UndeclaredMethod):
        await bus.call(topic, "__init__", timeout=10)
    # A cast or fanout of it is dropped, and the server keeps serving.
    await bus.cast(topic, "stop")
    await bus.fanout(topic, "stop")
    assert (await bus.call(topic, "add", a=1, b=2, timeout=10))["sum"] == 3
    assert "stopped" not in server.seen


@rpc.payload
class Greet(rpc.Payload):
    METHOD = "greet"
    name: str
    times: int = 1


@rpc.payload
class Forget(rpc.Payload):
    METHOD = "forget"
    name: str


class Greeter(rpc.Server):
    def __init__(self) -> None:
        self.contexts: list[RequestContext] = []

    @rpc.serves(Greet)
    async def greet(self, ctx: RequestContext, p: Greet) -> str:
        self.contexts.append(ctx)
        return " ".join([f"hello {p.name}"] * p.times)

    async def stop(self) -> None:
        raise AssertionError("never served")


class GreeterClient(rpc.Client):
    async def greet(self, topic: str, ctx: RequestContext, name: str, times: int = 1) -> str:
        answer: str = await self._call(topic, ctx, Greet(name=name, times=times), timeout=10)
        return answer

    async def forget(self, topic: str, ctx: RequestContext, name: str) -> None:
        await self._call(topic, ctx, Forget(name=name), timeout=10)


async def test_typed_rpc_carries_a_request_context_and_a_strict_payload(make_bus: MakeBus, topic: str) -> None:
    server = Greeter()
    assert Greeter.rpc_methods == {"greet"}
    await (await make_bus()).serve(topic, server)
    caller = await make_bus()
    client = GreeterClient(caller)
    ctx = RequestContext(request_id="req-typed", user_id="u1", roles=("member",), auth_token="secret")
    assert await client.greet(topic, ctx, "you", times=2) == "hello you hello you"
    received = server.contexts[0]
    assert isinstance(received, RequestContext)
    assert (received.request_id, received.user_id, received.roles, received.auth_token) == (
        "req-typed", "u1", ("member",), "secret",
    )  # fmt: skip
    # A payload type the server does not declare is refused by the bus.
    with pytest.raises(UndeclaredMethod):
        await client.forget(topic, ctx, "you")
    # Unknown keys, a missing version or another major version are errors, never dropped.
    with pytest.raises(RemoteError) as info:
        await caller.call(topic, "greet", {}, name="x", version="1.0", colour="red", timeout=10)
    assert info.value.exc_type == "BadPayload" and "colour" in str(info.value)
    with pytest.raises(RemoteError, match="no version"):
        await caller.call(topic, "greet", {}, name="x", timeout=10)
    with pytest.raises(RemoteError, match="not served"):
        await caller.call(topic, "greet", {}, name="x", version="2.0", timeout=10)
    with pytest.raises(RemoteError, match="not served"):
        await caller.call(topic, "greet", {}, name="x", version="1.1", timeout=10)
    # So is a context with a field RequestContext does not have.
    with pytest.raises(RemoteError, match="request context"):
        await caller.call(topic, "greet", {"tenant": "t"}, name="x", version="1.0", timeout=10)


async def test_call_timeout_names_topic_and_method(bus: Bus, topic: str) -> None:
    await bus.serve(topic, Recorder())
    with pytest.raises(BusTimeout) as info:
        await bus.call(topic, "slow", timeout=0.3, seconds=5)
    assert info.value.topic == topic
    assert info.value.method == "slow"
    assert topic in str(info.value) and "slow" in str(info.value)


async def test_call_without_any_server_times_out(bus: Bus, topic: str) -> None:
    with pytest.raises(BusTimeout) as info:
        await bus.call(topic, "add", timeout=0.3, a=1, b=2)
    assert info.value.topic == topic and info.value.method == "add"


async def test_fanout_reaches_every_server(make_bus: MakeBus, topic: str) -> None:
    servers = [Recorder(f"s{i}") for i in range(3)]
    for server in servers:
        await (await make_bus()).serve(topic, server)
    sender = await make_bus()
    await sender.fanout(topic, "record", n="refresh")

    await until(lambda: all(s.seen for s in servers))
    await asyncio.sleep(0.2)
    assert [s.seen for s in servers] == [["refresh"]] * 3


async def test_notify_reaches_every_listener(make_bus: MakeBus) -> None:
    event_type = f"compute.instance.create.end.{uuid.uuid4().hex[:8]}"
    received: list[list[dict[str, Any]]] = [[], []]
    for inbox in received:

        async def handler(message: dict[str, Any], inbox: list[dict[str, Any]] = inbox) -> None:
            # Other tests may notify on a shared broker: keep only this test's events.
            if message["event_type"] == event_type:
                inbox.append(message)

        await (await make_bus()).listen(handler)
    publisher = await make_bus()
    await publisher.notify(event_type, {"instance_id": "i-1", "state": "active"}, {"request_id": "req-n1"})

    await until(lambda: all(received))
    for inbox in received:
        assert len(inbox) == 1
        message = inbox[0]
        assert message["event_type"] == event_type
        assert message["payload"] == {"instance_id": "i-1", "state": "active"}
        assert message["request_id"] == "req-n1"
        assert message["priority"] == "INFO"


async def test_stopped_listener_gets_nothing_more(bus: Bus) -> None:
    event_type = f"test.event.{uuid.uuid4().hex[:8]}"
    inbox: list[dict[str, Any]] = []

    async def handler(message: dict[str, Any]) -> None:
        if message["event_type"] == event_type:
            inbox.append(message)

    subscription = await bus.listen(handler)
    await bus.notify(event_type, {"n": 1})
    await until(lambda: len(inbox) == 1)
    await subscription.stop()
    await bus.notify(event_type, {"n": 2})
    await asyncio.sleep(0.2)
    assert [m["payload"] for m in inbox] == [{"n": 1}]


async def test_arguments_must_be_json_serializable(bus: Bus, topic: str) -> None:
    await bus.serve(topic, Recorder())
    with pytest.raises(TypeError):
        await bus.cast(topic, "record", n=object())
    with pytest.raises(TypeError):
        await bus.call(topic, "echo", timeout=5, value={1, 2})
    with pytest.raises(TypeError):
        await bus.fanout(topic, "record", n=b"bytes")
    with pytest.raises(TypeError):
        await bus.notify("test.event", {"when": object()})


async def test_unserializable_return_value_is_a_remote_error(bus: Bus, topic: str) -> None:
    await bus.serve(topic, Recorder())
    with pytest.raises(RemoteError) as info:
        await bus.call(topic, "unserializable", timeout=10)
    assert info.value.exc_type == "TypeError"
    # The server survives it and answers the next call.
    assert (await bus.call(topic, "add", timeout=10, a=1, b=1))["sum"] == 2


async def test_stopped_server_leaves_later_casts_queued(make_bus: MakeBus, topic: str) -> None:
    bus = await make_bus()
    first = Recorder("first")
    subscription = await bus.serve(topic, first)
    await bus.cast(topic, "record", n=1)
    await until(lambda: first.seen == [1])
    await subscription.stop()

    await bus.cast(topic, "record", n=2)
    await asyncio.sleep(0.1)
    second = Recorder("second")
    await (await make_bus()).serve(topic, second)
    await until(lambda: second.seen == [2])
    assert first.seen == [1]


async def test_concurrent_calls_are_all_answered_correctly(make_bus: MakeBus, topic: str) -> None:
    for i in range(2):
        await (await make_bus()).serve(topic, Recorder(f"s{i}"))
    caller = await make_bus()
    values = [{"n": n, "tag": uuid.uuid4().hex} for n in range(200)]
    answers = await asyncio.gather(*(caller.call(topic, "echo", timeout=30, value=v) for v in values))
    assert answers == values
