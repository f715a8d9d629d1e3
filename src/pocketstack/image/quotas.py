"""Per-project image quotas: how many images and how many bytes of image data.

Limits come from the [image] config section. Exceeding one is a 413 (as Glance answers),
raised before any data is kept: an upload is given the bytes left as its size limit,
so the store refuses the byte that would pass the quota and keeps nothing. Uploads of
one project running side by side each see the same bytes left, so the size is checked
once more when an upload is recorded, with the project's image rows locked
(``check_bytes_locked``): the later of two that together pass the quota is refused.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.config import ImageConfig
from pocketstack.common.errors import QuotaExceeded, TooLarge
from pocketstack.image.models import Image


class OverQuota(TooLarge, QuotaExceeded):
    """A project quota would be exceeded (413 for the image API)."""


async def image_count(session: AsyncSession, project_id: str | None) -> int:
    return await session.scalar(select(func.count()).select_from(Image).where(Image.owner == project_id)) or 0


async def check_image_count(session: AsyncSession, project_id: str | None, limits: ImageConfig) -> None:
    count = await image_count(session, project_id)
    if count >= limits.quota_images:
        raise OverQuota(
            f"Image count quota exceeded for project {project_id}: {count} of {limits.quota_images} images used."
        )


async def bytes_left(session: AsyncSession, project_id: str | None, limits: ImageConfig, *, exclude: str = "") -> int:
    used = await session.scalar(
        select(func.coalesce(func.sum(Image.size), 0)).where(Image.owner == project_id, Image.id != exclude)
    )
    return max(0, limits.quota_bytes - int(used or 0))


def storage_exceeded(project_id: str | None, limits: ImageConfig, left: int) -> OverQuota:
    return OverQuota(
        f"Image storage quota exceeded for project {project_id}: the upload is larger than the "
        f"{left} bytes left of its {limits.quota_bytes}-byte quota. No data was kept."
    )


async def check_bytes_locked(
    session: AsyncSession, project_id: str | None, limits: ImageConfig, image_id: str, size: int
) -> None:
    """Raise OverQuota if ``size`` more bytes for ``image_id`` pass the project's quota.

    The project's rows are read FOR UPDATE, so two uploads recording at once take turns
    and the second sees the first's size (SQLite serialises writers anyway)."""
    sizes = await session.scalars(
        select(Image.size).where(Image.owner == project_id, Image.id != image_id).with_for_update()
    )
    left = limits.quota_bytes - sum(s or 0 for s in sizes)
    if size > left:
        raise storage_exceeded(project_id, limits, max(0, left))
