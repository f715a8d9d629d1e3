"""Fuzzing every route of the in-process cloud from its OpenAPI documents (schemathesis).

``FuzzCloud`` runs the whole cloud (``in_process_cloud``) on an event loop of its own
thread; ``bridge`` is an ASGI app that carries each request into that loop, so
schemathesis's in-process ASGI client (``schemathesis.openapi.from_asgi``, which runs
apps on its own loop) reaches the real services with their background work running.

``fuzz_service`` loads ``/<service>/openapi.json`` through the bridge and sends a bounded
number of generated requests (valid and invalid per the document) to every operation
as admin, half of them at real resources (testing/fuzz_seed.py), holding each answer
to: no 5xx, a documented status, a documented content type, and a body of the
documented shape. It returns what it sent and what failed
(tests/api/test_fuzz_openapi.py asserts none did; bench/fuzz.py prints it as JSON).

Needs the dev extras (schemathesis): import it from tests and benchmarks only.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pocketstack.testing.cloud import CloudClient, in_process_cloud, test_config
from pocketstack.testing.fuzz_seed import Ids, seed

T = TypeVar("T")
Message = MutableMapping[str, Any]
SERVICES = ("identity", "compute", "network", "image", "placement", "volume", "object")
# 5xx answers are judged in _fuzz_operation: only those the route documents (501 for a
# feature pocketstack lacks; a 503 a service declares, as Cinder's manage of an unknown
# host) are answers; any other is a server error.
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
# Glance's image PATCH body is JSON under its own media type.
schemathesis.serializer.alias("application/openstack-images-v2.1-json-patch", "application/json")


class FuzzCloud:
    """The in-process cloud on a loop in its own thread, reachable from any other loop."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-cloud", daemon=True)
        self._thread.start()
        config = test_config(data_dir)
        # Empty: SQLite in the data dir; PostgreSQL and MariaDB refuse what SQLite lets by.
        config.database.url = database_url
        self._ctx = in_process_cloud(data_dir, config)
        self.client: CloudClient = self.run(self._ctx.__aenter__())
        self.admin_token = self.run(self.client.token("admin"))
        # Per service, path parameter -> the id of a real resource (testing/fuzz_seed.py).
        self.ids: Ids = self.run(seed(self.client.http, self.admin_token))

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        try:
            self.run(self._ctx.__aexit__(None, None, None))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    async def bridge(
        self, scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        """ASGI app: the request is read here, served on the cloud's loop, answered here."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        future = asyncio.run_coroutine_threadsafe(self._serve(dict(scope), b"".join(chunks)), self.loop)
        for message in await asyncio.wrap_future(future):
            await send(message)

    async def _serve(self, scope: Message, body: bytes) -> list[Message]:
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[Message] = []

        async def receive() -> Message:
            if pending:
                return pending.pop()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        assert self.client.cloud.dispatcher is not None
        await self.client.cloud.dispatcher(scope, receive, send)
        return sent


@dataclass
class Report:
    service: str
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # POST/PUT/PATCH routes whose document declares no body: fuzzed without one (either
    # they take none, or their service's openapi.py should declare it).
    without_body: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "routes_covered": self.operations,
            "requests": self.requests,
            "server_errors": self.server_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": self.failures,
            "without_body": self.without_body,
            "seconds": round(self.seconds, 2),
        }


def fuzz_service(cloud: FuzzCloud, service: str, examples: int) -> Report:
    """Fuzz every operation of ``service`` with ``examples`` requests each (half invalid)."""
    started = time.monotonic()
    report = Report(service)
    schema = schemathesis.openapi.from_asgi(f"/{service}/openapi.json", cloud.bridge)
    headers = {"X-Auth-Token": cloud.admin_token}
    for result in schema.get_all_operations():
        operation: Any = result.ok()  # type: ignore[union-attr]
        report.operations += 1
        if operation.method.upper() in ("POST", "PUT", "PATCH") and "requestBody" not in operation.definition.raw:
            report.without_body.append(operation.label)
        _fuzz_operation(operation, report, headers, examples, cloud.ids.get(service, {}))
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(
    operation: Any, report: Report, headers: dict[str, str], examples: int, ids: dict[str, str]
) -> None:
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    real = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    # Real resources first (Hypothesis starts with the first branch): random ids only
    # reach the 404 branch.
    strategies = [operation.as_strategy(mode, path_parameters=real) for mode in modes] if real else []
    strategies += [operation.as_strategy(mode) for mode in modes]
    strategy = st.one_of(strategies)
    documented = set(operation.definition.raw["responses"])
    seen: set[str] = set()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        # Invalid cases may drop the token (schemathesis negates the security scheme):
        # every request goes as admin so that it reaches the handler's checks.
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(headers=headers)
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        kinds: set[str] = set()
        if response.status_code >= 500 and str(response.status_code) not in documented:
            report.server_errors += 1
            kinds.add("ServerError")
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as failure:
            kinds |= {type(f).__name__ for f in getattr(failure, "exceptions", [failure])}
        if kinds:
            # One entry per distinct failure of the operation, with the request that made it.
            line = f"{operation.label}: {response.status_code} {','.join(sorted(kinds))}"
            if line not in seen:
                seen.add(line)
                report.failures.append(f"{line}: {response.text[:300]!r} <- {case.as_curl_command()[:800]}")

    run()
