"""User messages (Cinder 3.3+): what went wrong with an asynchronous operation, kept
for the project for a month (``message_ttl``): event ids and texts as Cinder's
``VOLUME_<resource>_<action>_<detail>``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.volume.models import Message

TTL = dt.timedelta(seconds=2592000)
# (id, text) of the actions and details messages name.
SCHEDULE_ALLOCATE_VOLUME = ("001", "schedule allocate volume")
NO_BACKEND_AVAILABLE = ("003", "Could not find any available weighted backend.")
COPY_IMAGE_TO_VOLUME = ("005", "copy image to volume")
NOT_ENOUGH_SPACE_FOR_IMAGE = ("007", "Image used for creating volume exceeds available space.")


def record(
    s: AsyncSession,
    project_id: str,
    request_id: str,
    resource_uuid: str,
    action: tuple[str, str],
    detail: tuple[str, str],
    resource_type: str = "VOLUME",
) -> None:
    now = utcnow()
    s.add(
        Message(
            project_id=project_id,
            request_id=request_id,
            resource_type=resource_type,
            resource_uuid=resource_uuid,
            event_id=f"VOLUME_{resource_type}_{action[0]}_{detail[0]}",
            message_level="ERROR",
            user_message=f"{action[1]}: {detail[1]}",
            created_at=now,
            expires_at=now + TTL,
        )
    )


def _visible(ctx: RequestContext, msg: Message) -> bool:
    return (ctx.is_admin or msg.project_id == ctx.project_id) and msg.expires_at > utcnow()


async def list_messages(s: AsyncSession, ctx: RequestContext) -> list[Message]:
    query = select(Message).order_by(Message.created_at.desc(), Message.id)
    if not ctx.is_admin:
        query = query.where(Message.project_id == ctx.project_id)
    return [m for m in await s.scalars(query) if _visible(ctx, m)]


async def get(s: AsyncSession, ctx: RequestContext, message_id: str) -> Message:
    msg = await s.get(Message, message_id)
    if msg is None or not _visible(ctx, msg):
        raise NotFound(f"Message {message_id} could not be found.")
    return msg
