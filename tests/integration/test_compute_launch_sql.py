"""The launch path's plain-SQL statements (quota lock and usage, action events, trace
spans, the server row read) on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import select

from pocketstack.common.errors import QuotaExceeded
from pocketstack.compute.models import Instance, InstanceAction, InstanceActionEvent
from pocketstack.compute.objects import actions, quotas, trace
from pocketstack.compute.objects.instances import SHOW_ROW_BY_UUID
from pocketstack.compute.service import ComputeService
from pocketstack.db import Database, migrate


async def _boot_row(db: Database, project: str, uuid: str) -> None:
    """Create one instance the way instances.create does: lock, limits, check, insert."""
    async with db.writer() as s:
        await quotas.lock_project(s, project)
        hard = await quotas.limits_in(s, project)
        await quotas.check_instances(s, project, 1, 1, 512, hard)
        s.add(
            Instance(
                uuid=uuid,
                name=uuid,
                project_id=project,
                user_id="u",
                flavor_id="1",
                flavor={"name": "m1.tiny"},
                vcpus=1,
                memory_mb=512,
                metadata_={"k": "v"},
                config_drive=True,
            )
        )
        actions.start_action(s, uuid, "create", {"request_id": f"req-{uuid}", "user_id": "u", "project_id": project})


async def test_launch_statements(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    try:
        await migrate.upgrade(db, "compute", ComputeService.migrations)
        await quotas.set_limits(db, "p", {"instances": 3})
        # Concurrent creates over the quota: exactly the limit succeed.
        results = await asyncio.gather(*(_boot_row(db, "p", f"i-{n}") for n in range(6)), return_exceptions=True)
        assert sum(r is None for r in results) == 3, results
        assert all(isinstance(r, QuotaExceeded) for r in results if r is not None)
        async with db.reader() as s:
            used = await quotas.usage(s, "p")
        assert used["instances"] == 3 and used["cores"] == 3 and used["ram"] == 1536
        created = [f"i-{n}" for n, r in enumerate(results) if r is None]
        uuid = created[0]
        now = time.time()
        async with db.writer() as s:
            await trace.add_rows(
                s,
                [
                    {"instance_uuid": uuid, "request_id": f"req-{uuid}", "hop": "a", "component": "x", "started": now}
                    | {"duration_ms": 1.5}
                ],
            )
            events = [{"event": "e1", "start": now, "finish": now + 1, "result": "Error", "host": "h"}]
            await actions.record_events(s, uuid, f"req-{uuid}", events)
            await actions.record_events(s, uuid, "req-unknown", events)  # no such action: nothing
        spans = await trace.load(db, uuid)
        assert [(sp["hop"], sp["duration_ms"], sp["result"], sp["host"]) for sp in spans] == [("a", 1.5, "ok", None)]
        async with db.reader() as s:
            action = await s.scalar(select(InstanceAction).where(InstanceAction.instance_uuid == uuid))
            stored = list(await s.scalars(select(InstanceActionEvent)))
        assert action is not None and action.message == "Error" and action.updated_at is not None
        assert [(e.event, e.result, e.host, e.action_id) for e in stored] == [("e1", "Error", "h", action.id)]
        start = dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)
        assert abs((stored[0].start_time - start).total_seconds()) < 1  # MariaDB DATETIME keeps seconds
        assert stored[0].finish_time is not None
        async with db.engine.connect() as conn:
            row = await SHOW_ROW_BY_UUID.first(conn, "uuid", uuid)
            missing = await SHOW_ROW_BY_UUID.first(conn, "uuid", "nope")
        assert row is not None and missing is None
        assert row.metadata_ == {"k": "v"} and row.config_drive is True and row.deleted is False
        assert isinstance(row.created_at, dt.datetime)
    finally:
        await db.close()


async def test_create_inserts_rows_and_actions(db_url: str) -> None:
    from pocketstack.common.context import RequestContext
    from pocketstack.compute.objects import instances

    db = Database(db_url)
    try:
        await migrate.upgrade(db, "compute", ComputeService.migrations)
        ctx = RequestContext(project_id="q", user_id="u", request_id="req-q")
        flavor = {"flavorid": "1", "name": "m1.tiny", "vcpus": 1, "memory_mb": 512, "root_gb": 1}
        req = instances.BuildRequest(
            name="vm",
            flavor=flavor,
            image_ref="img",
            image_meta={"properties": {"a": "b"}},
            requested_networks="none",
            min_count=2,
            max_count=2,
            metadata={"k": "v"},
            tags=["t"],
        )
        created = await instances.create(db, ctx, req)
        assert [i.name for i in created] == ["vm-1", "vm-2"]
        for inst in created:
            async with db.engine.connect() as conn:
                row = await SHOW_ROW_BY_UUID.first(conn, "uuid", inst.uuid)
            assert row is not None and row.metadata_ == {"k": "v"} and row.tags == ["t"]
            assert row.image_meta == {"properties": {"a": "b"}} and row.vm_state == "building"
            assert row.deleted is False and row.created_at is not None and row.reservation_id == inst.reservation_id
        async with db.reader() as s:
            acts = list(await s.scalars(select(InstanceAction).where(InstanceAction.request_id == "req-q")))
        assert sorted(a.instance_uuid for a in acts) == sorted(i.uuid for i in created)
        assert all(a.action == "create" and a.project_id == "q" for a in acts)
    finally:
        await db.close()
