"""Per-hop spans of a server's launch (DESIGN §1), stored for `pocketstack trace`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from pocketstack.compute.models import TraceSpan
from pocketstack.db import Database, fastsql


@dataclass
class Spans:
    """Spans collected by one component, written (or sent over the bus) in one go."""

    instance_uuid: str
    request_id: str
    component: str
    host: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def span(self, hop: str, detail: str = "") -> Iterator[dict[str, Any]]:
        started = time.time()
        t0 = time.perf_counter()
        record: dict[str, Any] = {
            "hop": hop,
            "component": self.component,
            "host": self.host,
            "started": started,
            "result": "ok",
            "detail": detail,
        }
        try:
            yield record
        except BaseException as exc:
            record["result"] = "error"
            record["detail"] = record["detail"] or f"{type(exc).__name__}: {exc}"
            raise
        finally:
            record["duration_ms"] = round((time.perf_counter() - t0) * 1000, 3)
            self.items.append(record)

    def rows(self) -> list[dict[str, Any]]:
        return [dict(item, instance_uuid=self.instance_uuid, request_id=self.request_id) for item in self.items]


async def add_rows(session: Any, rows: list[dict[str, Any]]) -> None:
    """Insert spans in one executemany of plain SQL (fastsql): ~15 spans per launch,
    and neither the ORM's unit of work nor Core's statement handling should cost more
    than the hops they record."""
    if not rows:
        return
    await fastsql.many(
        session,
        "INSERT INTO compute_trace_span "
        "(instance_uuid, request_id, hop, component, host, started, duration_ms, result, detail) "
        "VALUES (:instance_uuid, :request_id, :hop, :component, :host, :started, :duration_ms, :result, :detail)",
        [
            {
                "instance_uuid": row["instance_uuid"],
                "request_id": row["request_id"],
                "hop": row["hop"],
                "component": row["component"],
                "host": row.get("host"),
                "started": row["started"],
                "duration_ms": row["duration_ms"],
                "result": row.get("result", "ok"),
                "detail": row.get("detail", ""),
            }
            for row in rows
        ],
    )


async def load(db: Database, instance_uuid: str) -> list[dict[str, Any]]:
    async with db.reader() as s:
        rows = list(
            await s.scalars(
                select(TraceSpan)
                .where(TraceSpan.instance_uuid == instance_uuid)
                .order_by(TraceSpan.started, TraceSpan.id)
            )
        )
    return [
        {
            "hop": r.hop,
            "component": r.component,
            "host": r.host,
            "request_id": r.request_id,
            "started": r.started,
            "duration_ms": r.duration_ms,
            "result": r.result,
            "detail": r.detail,
        }
        for r in rows
    ]
