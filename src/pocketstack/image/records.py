"""Loading images with everything a response needs: the row, extra properties, tags,
and the caller's membership (which decides whether a shared image is visible)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.image import policy
from pocketstack.image.models import Image, ImageMember, ImageProperty, ImageTag


@dataclass(slots=True)
class ImageRecord:
    image: Image
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


async def member_status(session: AsyncSession, image_id: str, project_id: str | None) -> str | None:
    if project_id is None:
        return None
    return await session.scalar(
        select(ImageMember.status).where(ImageMember.image_id == image_id, ImageMember.member == project_id)
    )


async def load_visible(session: AsyncSession, ctx: RequestContext, image_id: str) -> Image:
    """The image row if the caller may see it; NotFound otherwise."""
    image = await session.get(Image, image_id)
    status = None
    if image is not None and image.visibility == "shared" and not policy.is_owner(ctx, image):
        status = await member_status(session, image_id, ctx.project_id)
    return policy.check_visible(ctx, image, image_id, status)


async def with_details(session: AsyncSession, images: Sequence[Image]) -> list[ImageRecord]:
    """Attach properties and tags to a page of images in two queries."""
    records = {img.id: ImageRecord(img) for img in images}
    if records:
        ids = list(records)
        for image_id, name, value in await session.execute(
            select(ImageProperty.image_id, ImageProperty.name, ImageProperty.value).where(
                ImageProperty.image_id.in_(ids)
            )
        ):
            records[image_id].properties[name] = value
        for image_id, value in await session.execute(
            select(ImageTag.image_id, ImageTag.value).where(ImageTag.image_id.in_(ids)).order_by(ImageTag.value)
        ):
            records[image_id].tags.append(value)
    return [records[img.id] for img in images]


async def record(session: AsyncSession, image: Image) -> ImageRecord:
    return (await with_details(session, [image]))[0]
