"""Bus throughput: casts/s (published and handled) and calls/s, per backend.

Usage: python bench/bus_throughput.py [--backend memory|rabbit|both] [--count N] [--concurrency C]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

from pocketstack.bus import Bus, Endpoint
from pocketstack.bus.memory import MemoryBus

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"


class Sink(Endpoint):
    rpc_methods = frozenset({"record", "echo"})

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.handled = 0
        self.done = asyncio.Event()

    async def record(self, ctx: dict[str, Any], n: int) -> None:
        self.handled += 1
        if self.handled >= self.expected:
            self.done.set()

    async def echo(self, ctx: dict[str, Any], value: Any) -> Any:
        return value


async def make(backend: str) -> Bus:
    if backend == "memory":
        bus: Bus = MemoryBus()
    else:
        from pocketstack.bus.rabbit import RabbitBus

        # Durable topics, as in production (the queue is deleted at the end).
        bus = RabbitBus(RABBIT_URL)
    await bus.start()
    return bus


async def run(backend: str, count: int, concurrency: int) -> dict[str, Any]:
    server_bus, client_bus = await make(backend), await make(backend)
    if backend == "memory":
        # One process: the client must share the server's in-memory queues.
        await client_bus.close()
        client_bus = server_bus
    topic = f"bench.bus.{uuid.uuid4().hex}"
    sink = Sink(count)
    await server_bus.serve(topic, sink)
    limit = asyncio.Semaphore(concurrency)

    async def cast(n: int) -> None:
        async with limit:
            await client_bus.cast(topic, "record", {"request_id": f"req-{n}"}, n=n)

    start = time.perf_counter()
    await asyncio.gather(*(cast(n) for n in range(count)))
    published = time.perf_counter() - start
    await sink.done.wait()
    handled = time.perf_counter() - start

    async def call(n: int) -> None:
        async with limit:
            assert await client_bus.call(topic, "echo", timeout=60, value=n) == n

    start = time.perf_counter()
    await asyncio.gather(*(call(n) for n in range(count)))
    calls = time.perf_counter() - start

    if client_bus is not server_bus:
        await client_bus.close()
    await server_bus.close()
    if backend == "rabbit":
        from pocketstack.bus.rabbit import RabbitBus

        cleaner = RabbitBus(RABBIT_URL, auto_delete_topics=True)
        await cleaner.delete_topic(topic)
        await cleaner.close()
    return {
        "backend": backend,
        "messages": count,
        "concurrency": concurrency,
        "casts_published_per_s": round(count / published, 1),
        "casts_handled_per_s": round(count / handled, 1),
        "calls_per_s": round(count / calls, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["memory", "rabbit", "both"], default="both")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    opts = parser.parse_args()
    backends = ["memory", "rabbit"] if opts.backend == "both" else [opts.backend]
    results = [await run(b, opts.count, opts.concurrency) for b in backends]
    print(json.dumps({"benchmark": "bus_throughput", "results": results}, indent=2))
    print(
        "; ".join(
            f"{r['backend']}: {r['casts_handled_per_s']:.0f} casts/s handled, {r['calls_per_s']:.0f} calls/s"
            for r in results
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
