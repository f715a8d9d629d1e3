"""RabbitMQ-only guarantees of the bus: reconnect after a broker restart without losing a
cast, durable queues, redelivery of a message whose handler never finished.

These restart the local broker (``rabbitmqctl stop_app``/``start_app``); every test
leaves it running.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pocketstack.bus import BusTimeout, Endpoint
from pocketstack.bus.rabbit import RabbitBus
from pocketstack.common.errors import Unavailable

pytestmark = pytest.mark.integration

URL = "amqp://guest:guest@127.0.0.1:5672/"


def _reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


async def rabbitmqctl(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, f"rabbitmqctl {' '.join(args)} failed: {out.decode(errors='replace')}"


@pytest.fixture
async def buses() -> AsyncIterator[list[RabbitBus]]:
    """Buses made by the test; closed afterwards and their topics deleted from the broker."""
    if not _reachable():
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    made: list[RabbitBus] = []
    yield made
    topics: set[str] = set()
    for bus in made:
        topics |= bus.declared_topics
        await bus.close()
    cleaner = RabbitBus(URL)
    for topic in topics:
        await cleaner.delete_topic(topic)
    await cleaner.close()


@pytest.fixture
async def broker_control(buses: list[RabbitBus]) -> AsyncIterator[None]:
    """Allows a test to stop the broker; the broker is always started again afterwards
    (before the buses are closed: it depends on ``buses`` so it is torn down first)."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed here: cannot restart the broker")
    try:
        yield
    finally:
        await rabbitmqctl("start_app")
        await rabbitmqctl("await_startup")


async def new_bus(buses: list[RabbitBus], **kwargs: Any) -> RabbitBus:
    bus = RabbitBus(URL, **kwargs)
    await bus.start()
    buses.append(bus)
    return bus


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


class Recorder(Endpoint):
    rpc_methods = frozenset({"record", "add"})

    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def record(self, ctx: dict[str, Any], n: Any) -> None:
        self.seen.append(n)

    async def add(self, ctx: dict[str, Any], a: int, b: int) -> int:
        return a + b


async def test_broker_restart_loses_no_cast(broker_control: None, buses: list[RabbitBus]) -> None:
    topic = f"test.restart.{uuid.uuid4().hex}"
    idle_topic = f"test.restart.idle.{uuid.uuid4().hex}"
    server = Recorder()
    serving = await new_bus(buses)
    await serving.serve(topic, server)
    caster = await new_bus(buses)
    await caster.cast(topic, "record", n="before")
    await until(lambda: server.seen == ["before"])
    # Queued with nobody serving: must survive the restart (durable queue, persistent message).
    await caster.cast(idle_topic, "record", n="kept")

    await rabbitmqctl("stop_app")
    # Published while the broker is down: the cast waits for the reconnect, then goes out.
    during = asyncio.create_task(caster.cast(topic, "record", n="during"))
    # A call cannot be answered now: it ends with BusTimeout at its deadline, never hangs.
    with pytest.raises(BusTimeout):
        await asyncio.wait_for(caster.call(topic, "add", timeout=1.0, a=1, b=1), 5)
    assert not during.done(), "a cast cannot have been confirmed by a stopped broker"
    await rabbitmqctl("start_app")
    await rabbitmqctl("await_startup")
    await asyncio.wait_for(during, 30)
    await caster.cast(topic, "record", n="after")

    await until(lambda: {"during", "after"} <= set(server.seen))
    assert server.seen.count("during") == 1
    assert server.seen[0] == "before"
    # Calls work again too (the reply queue was declared again under the same name).
    assert await caster.call(topic, "add", timeout=20, a=1, b=2) == 3

    late = Recorder()
    await (await new_bus(buses)).serve(idle_topic, late)
    await until(lambda: late.seen == ["kept"])


async def test_forced_connection_close_is_survived(broker_control: None, buses: list[RabbitBus]) -> None:
    topic = f"test.closeall.{uuid.uuid4().hex}"
    server = Recorder()
    await (await new_bus(buses)).serve(topic, server)
    caster = await new_bus(buses)
    await caster.cast(topic, "record", n=1)
    await until(lambda: server.seen == [1])

    await rabbitmqctl("close_all_connections", "pocketstack test")
    for n in range(2, 6):
        await caster.cast(topic, "record", n=n)
    await until(lambda: sorted(set(server.seen)) == [1, 2, 3, 4, 5])
    assert await caster.call(topic, "add", timeout=20, a=20, b=22) == 42


async def test_message_of_an_unfinished_handler_is_redelivered(buses: list[RabbitBus]) -> None:
    topic = f"test.redeliver.{uuid.uuid4().hex}"
    started = asyncio.Event()

    class Stuck(Endpoint):
        rpc_methods = frozenset({"record"})

        async def record(self, ctx: dict[str, Any], n: Any) -> None:
            started.set()
            await asyncio.sleep(3600)

    first = await new_bus(buses)
    subscription = await first.serve(topic, Stuck())
    await first.cast(topic, "record", n="job")
    await asyncio.wait_for(started.wait(), 10)
    # The server goes away mid-handler: the message was never acked, so it comes back.
    await subscription.stop()

    second = Recorder()
    await (await new_bus(buses)).serve(topic, second)
    await until(lambda: second.seen == ["job"])


async def test_work_is_spread_over_servers(buses: list[RabbitBus]) -> None:
    topic = f"test.spread.{uuid.uuid4().hex}"
    handled: dict[int, list[int]] = {0: [], 1: [], 2: []}

    class Slow(Endpoint):
        rpc_methods = frozenset({"record"})

        def __init__(self, index: int) -> None:
            self.index = index

        async def record(self, ctx: dict[str, Any], n: int) -> None:
            await asyncio.sleep(0.01)
            handled[self.index].append(n)

    for i in range(3):
        await (await new_bus(buses, max_inflight=1)).serve(topic, Slow(i))
    caster = await new_bus(buses)
    for n in range(30):
        await caster.cast(topic, "record", n=n)
    await until(lambda: sum(map(len, handled.values())) == 30)
    assert sorted(n for ns in handled.values() for n in ns) == list(range(30))
    # Round-robin with prefetch 1: every server took a share.
    assert all(len(ns) >= 5 for ns in handled.values()), handled


async def test_unreachable_broker_is_a_clear_error() -> None:
    bus = RabbitBus("amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(Unavailable) as info:
        await bus.start()
    assert "127.0.0.1:1" in str(info.value)
    assert "guest" not in str(info.value), "credentials must not leak into the message"
    await bus.close()


CRASHING_SERVER = """
import asyncio, sys
from pocketstack.bus import Endpoint
from pocketstack.bus.rabbit import RabbitBus

class Stuck(Endpoint):
    rpc_methods = frozenset({"record"})

    async def record(self, ctx, n):
        print("handling", n, flush=True)
        await asyncio.sleep(3600)

async def main():
    bus = RabbitBus(sys.argv[1])
    await bus.serve(sys.argv[2], Stuck())
    print("serving", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_message_survives_a_server_process_killed_mid_handler(buses: list[RabbitBus]) -> None:
    topic = f"test.crash.{uuid.uuid4().hex}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASHING_SERVER, URL, topic, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"serving"
        caster = await new_bus(buses)
        await caster.cast(topic, "record", n="job")
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"handling job"
    finally:
        proc.kill()  # SIGKILL by PID: no cleanup, no ack
        await proc.wait()
    survivor = Recorder()
    await (await new_bus(buses)).serve(topic, survivor)
    await until(lambda: survivor.seen == ["job"])


async def test_namespaces_keep_clouds_on_one_broker_apart(buses: list[RabbitBus]) -> None:
    # Two clouds using the same topic names on one broker: each sees only its own
    # casts, calls, fanouts and notifications.
    topic = f"test.ns.{uuid.uuid4().hex}"
    ns_a, ns_b = f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}"
    server_a, server_b = Recorder(), Recorder()
    await (await new_bus(buses, namespace=ns_a, auto_delete_topics=True)).serve(topic, server_a)
    await (await new_bus(buses, namespace=ns_b, auto_delete_topics=True)).serve(topic, server_b)
    heard_a: list[str] = []

    async def on_note(n: dict[str, Any]) -> None:
        heard_a.append(n["event_type"])

    await (await new_bus(buses, namespace=ns_a)).listen(on_note)
    client_a = await new_bus(buses, namespace=ns_a, auto_delete_topics=True)
    client_b = await new_bus(buses, namespace=ns_b, auto_delete_topics=True)
    await client_a.cast(topic, "record", n="a-cast")
    await client_a.fanout(topic, "record", n="a-fanout")
    assert await client_b.call(topic, "add", a=2, b=3, timeout=10) == 5
    await client_b.notify("test.b.only", {})
    await client_a.notify("test.a.only", {})
    await until(lambda: len(server_a.seen) == 2 and heard_a == ["test.a.only"])
    assert sorted(server_a.seen) == ["a-cast", "a-fanout"]
    assert server_b.seen == []
    assert all(t.startswith(f"{ns_a}.") or t.startswith(f"{ns_b}.") for t in client_a.declared_topics)
