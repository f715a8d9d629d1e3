"""Image members: sharing a ``shared`` image with other projects.

The owner adds and removes members; a member project accepts, rejects or resets
(pending) its own membership; accepted members see the image in their lists, any
member can show it. Glance's rules, including 403 for images that are not shared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from pocketstack.common.config import ImageConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Forbidden, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.image import policy, quotas
from pocketstack.image.models import Image, ImageMember
from pocketstack.image.records import load_visible


def _target(ctx: RequestContext, image: Image, member_id: str | None) -> dict[str, Any]:
    """The image as target, ``member_id`` the membership concerned."""
    return {**policy.image_target(ctx, image), "member_id": member_id}


def _check_shared(image: Image) -> None:
    if image.visibility != "shared":
        raise Forbidden(f"Only shared images have members; image {image.id} is {image.visibility}.")


async def add(db: Database, ctx: RequestContext, image_id: str, member_id: str, limits: ImageConfig) -> ImageMember:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "add_member")
        _check_shared(image)
        if await session.get(ImageMember, (image_id, member_id)) is not None:
            raise Conflict(f"Member {member_id} already associated with image {image_id}.")
        count = await session.scalar(select(func.count()).where(ImageMember.image_id == image_id)) or 0
        if count >= limits.max_members:
            raise quotas.OverQuota(f"Maximum number of members exceeded for image {image_id}: {limits.max_members}.")
        now = utcnow()
        row = ImageMember(image_id=image_id, member=member_id, status="pending", created_at=now, updated_at=now)
        session.add(row)
        return row


async def list_members(db: Database, ctx: RequestContext, image_id: str) -> list[ImageMember]:
    async with db.reader() as session:
        image = await load_visible(session, ctx, image_id)
        policy.enforce(ctx, "get_members", _target(ctx, image, ctx.project_id))
        _check_shared(image)
        stmt = select(ImageMember).where(ImageMember.image_id == image_id).order_by(ImageMember.created_at)
        if not policy.is_owner(ctx, image):
            stmt = stmt.where(ImageMember.member == ctx.project_id)
        return list((await session.scalars(stmt)).all())


async def show(db: Database, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
    async with db.reader() as session:
        image = await load_visible(session, ctx, image_id)
        row = await session.get(ImageMember, (image_id, member_id))
        if row is None or not (policy.is_owner(ctx, image) or member_id == ctx.project_id):
            raise NotFound(f"Member {member_id} not found for image {image_id}.")
        policy.enforce(ctx, "get_member", _target(ctx, image, member_id))
        return row


async def update(db: Database, ctx: RequestContext, image_id: str, member_id: str, status: str) -> ImageMember:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        # As Glance: the rule first (a reader is refused whatever the member), then the member.
        policy.enforce(ctx, "modify_member", _target(ctx, image, member_id))
        row = await session.get(ImageMember, (image_id, member_id))
        if row is None or not (policy.is_owner(ctx, image) or member_id == ctx.project_id):
            raise NotFound(f"Member {member_id} not found for image {image_id}.")
        row.status = status
        row.updated_at = utcnow()
        return row


async def remove(db: Database, ctx: RequestContext, image_id: str, member_id: str) -> None:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.enforce(ctx, "delete_member", _target(ctx, image, member_id))
        row = await session.get(ImageMember, (image_id, member_id))
        visible_row = row is not None and (policy.is_owner(ctx, image) or member_id == ctx.project_id)
        if not visible_row:
            raise NotFound(f"Member {member_id} not found for image {image_id}.")
        await session.execute(
            sql_delete(ImageMember).where(ImageMember.image_id == image_id, ImageMember.member == member_id)
        )
