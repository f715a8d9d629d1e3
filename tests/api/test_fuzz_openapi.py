"""The fuzz layer: every route of every service, from its published OpenAPI document.

The whole cloud runs in-process (``pocketstack.testing.fuzz.FuzzCloud``); schemathesis
loads ``/<service>/openapi.json`` through ``from_asgi`` and sends ``EXAMPLES`` generated
requests per operation, valid and invalid per the document, as admin. No answer may be
a 5xx, have a status the document does not list, or a body that breaks its documented
shape (the service's error format). The layer is bounded to about three minutes on two
cores; ``POCKETSTACK_FUZZ_EXAMPLES`` raises the count for a longer run, and
``POCKETSTACK_FUZZ_REPORT=FILE`` writes what was sent and found as JSON (as bench/fuzz.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.testing.fuzz import SERVICES, FuzzCloud, Report, fuzz_service

EXAMPLES = int(os.environ.get("POCKETSTACK_FUZZ_EXAMPLES", "8"))
REPORTS: list[dict[str, Any]] = []


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzCloud]:
    fuzz_cloud = FuzzCloud(tmp_path_factory.mktemp("fuzz-cloud"))
    try:
        yield fuzz_cloud
    finally:
        fuzz_cloud.close()
        out = os.environ.get("POCKETSTACK_FUZZ_REPORT")
        if out and REPORTS:
            Path(out).write_text(json.dumps({"examples_per_route": EXAMPLES, "services": REPORTS}, indent=2))


def test_every_service_publishes_its_openapi_document(cloud: FuzzCloud) -> None:
    for service in SERVICES:
        r = cloud.run(cloud.client.http.get(f"/{service}/openapi.json"))
        assert r.status_code == 200, (service, r.text)
        doc = r.json()
        assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": f"/{service}"}]
        app = cloud.client.cloud.dispatcher.mounts[service]  # type: ignore[union-attr]
        routes = getattr(app, "__self__", None)
        table = (routes._app if routes is not None else app).routes
        documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
        # A last ``{name:path}`` segment (object names with slashes) is documented as ``{name}``.
        assert documented == {(route.method, route.pattern.replace(":path}", "}")) for route in table}
        # Every operation lists its service's error statuses with the error body's shape.
        for ops in doc["paths"].values():
            for op in ops.values():
                assert {"2XX", "400", "401", "403", "404", "413", "415"} <= set(op["responses"])


@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_every_route(cloud: FuzzCloud, service: str) -> None:
    report: Report = fuzz_service(cloud, service, EXAMPLES)
    REPORTS.append(report.as_dict())
    assert report.operations > 0 and report.requests >= report.operations
    assert report.server_errors == 0, "\n".join(report.failures)
    assert not report.failures, "\n".join(report.failures)
