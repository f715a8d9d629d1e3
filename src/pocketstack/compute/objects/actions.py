"""Instance actions and their events (os-instance-actions), and instance faults."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.timeutils import utcnow
from pocketstack.compute.models import InstanceAction, InstanceActionEvent, InstanceFault


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


async def record_events(s: AsyncSession, instance_uuid: str, request_id: str, events: list[dict[str, Any]]) -> None:
    """Store finished events ``{"event", "start", "finish", "result", "host", "traceback"}``
    under the action that ``request_id`` started, and finish it on error.

    Core statements, not ORM entities: every launch records events twice, and the unit
    of work cost more than the three statements it issues."""
    action_id = await s.scalar(
        select(InstanceAction.id).where(
            InstanceAction.instance_uuid == instance_uuid, InstanceAction.request_id == request_id
        )
    )
    if action_id is None:
        return
    if events:
        await s.execute(
            insert(InstanceActionEvent),
            [
                {
                    "action_id": action_id,
                    "event": ev["event"],
                    "start_time": _utc(ev["start"]),
                    "finish_time": _utc(ev["finish"]) if ev.get("finish") else None,
                    "result": ev.get("result"),
                    "host": ev.get("host"),
                    "traceback": ev.get("traceback"),
                    "details": ev.get("details"),
                }
                for ev in events
            ],
        )
    values: dict[str, Any] = {"updated_at": utcnow()}
    if any(ev.get("result") == "Error" for ev in events):
        values["message"] = "Error"
    await s.execute(update(InstanceAction).where(InstanceAction.id == action_id).values(**values))


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
