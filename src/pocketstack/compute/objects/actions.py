"""Instance actions and their events (os-instance-actions), and instance faults."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.timeutils import utcnow
from pocketstack.compute.models import InstanceAction, InstanceFault
from pocketstack.db import fastsql


def start_action(s: AsyncSession, instance_uuid: str, action: str, ctx: dict[str, Any]) -> None:
    s.add(
        InstanceAction(
            instance_uuid=instance_uuid,
            action=action,
            request_id=ctx.get("request_id") or "",
            user_id=ctx.get("user_id"),
            project_id=ctx.get("project_id"),
        )
    )


async def start_actions(s: AsyncSession, instance_uuids: list[str], action: str, ctx: dict[str, Any]) -> None:
    """``start_action`` for several instances in one Core insert (server create)."""
    now = utcnow()
    common = {
        "action": action,
        "request_id": ctx.get("request_id") or "",
        "user_id": ctx.get("user_id"),
        "project_id": ctx.get("project_id"),
        "start_time": now,
        "updated_at": now,
    }
    await s.execute(
        insert(InstanceAction.metadata.tables[InstanceAction.__tablename__]),
        [{"instance_uuid": u, **common} for u in instance_uuids],
    )


async def record_events(s: AsyncSession, instance_uuid: str, request_id: str, events: list[dict[str, Any]]) -> None:
    """Store finished events ``{"event", "start", "finish", "result", "host", "traceback"}``
    under the action that ``request_id`` started, and finish it on error.

    Plain SQL in the caller's transaction (fastsql): every launch records events twice,
    and the ORM's unit of work cost several times these three statements."""
    found = await fastsql.rows(
        s,
        "SELECT id FROM compute_instance_action WHERE instance_uuid = :instance AND request_id = :request",
        {"instance": instance_uuid, "request": request_id},
    )
    if not found:
        return
    action_id = found[0][0]
    if events:
        await fastsql.many(
            s,
            "INSERT INTO compute_instance_action_event "
            "(action_id, event, start_time, finish_time, result, traceback, host, details) "
            "VALUES (:action_id, :event, :start_time, :finish_time, :result, :traceback, :host, :details)",
            [
                {
                    "action_id": action_id,
                    "event": ev["event"],
                    "start_time": fastsql.timestamp(s, _utc(ev["start"])),
                    "finish_time": fastsql.timestamp(s, _utc(ev["finish"])) if ev.get("finish") else None,
                    "result": ev.get("result"),
                    "traceback": ev.get("traceback"),
                    "host": ev.get("host"),
                    "details": ev.get("details"),
                }
                for ev in events
            ],
        )
    failed = any(ev.get("result") == "Error" for ev in events)
    await fastsql.many(
        s,
        "UPDATE compute_instance_action SET updated_at = :now"
        + (", message = 'Error'" if failed else "")
        + " WHERE id = :id",
        [{"now": fastsql.timestamp(s, utcnow()), "id": action_id}],
    )


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def add_fault(
    s: AsyncSession, instance_uuid: str, message: str, *, code: int = 500, details: str = "", host: str | None = None
) -> None:
    s.add(
        InstanceFault(
            instance_uuid=instance_uuid, message=message[:255], code=code, details=details or message, host=host
        )
    )


async def latest_fault(s: AsyncSession, instance_uuid: str) -> InstanceFault | None:
    found: InstanceFault | None = await s.scalar(
        select(InstanceFault)
        .where(InstanceFault.instance_uuid == instance_uuid)
        .order_by(InstanceFault.id.desc())
        .limit(1)
    )
    return found


async def latest_faults(s: AsyncSession, instance_uuids: list[str]) -> dict[str, InstanceFault]:
    """The latest fault of each of these instances, in one query (listing pages)."""
    if not instance_uuids:
        return {}
    rows = await s.scalars(
        select(InstanceFault).where(InstanceFault.instance_uuid.in_(instance_uuids)).order_by(InstanceFault.id)
    )
    return {f.instance_uuid: f for f in rows}
