"""Instance actions and their events (os-instance-actions), and instance faults."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
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
    under the action that ``request_id`` started, and finish it on error."""
    action = await s.scalar(
        select(InstanceAction).where(
            InstanceAction.instance_uuid == instance_uuid, InstanceAction.request_id == request_id
        )
    )
    if action is None:
        return
    now = utcnow()
    for ev in events:
        s.add(
            InstanceActionEvent(
                action_id=action.id,
                event=ev["event"],
                start_time=dt.datetime.fromtimestamp(ev["start"], dt.UTC).replace(tzinfo=None),
                finish_time=dt.datetime.fromtimestamp(ev["finish"], dt.UTC).replace(tzinfo=None)
                if ev.get("finish")
                else None,
                result=ev.get("result"),
                host=ev.get("host"),
                traceback=ev.get("traceback"),
                details=ev.get("details"),
            )
        )
        if ev.get("result") == "Error":
            action.message = "Error"
    action.updated_at = now


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
