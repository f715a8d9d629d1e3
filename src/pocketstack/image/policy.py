"""Who may do what with images (Glance's default rules).

The owner of an image is a project. Admins see and change everything; owners change
their own images; anyone sees public and community images; a shared image is seen by
its members (listed once they accept); only an admin makes an image public; a caller
with only the reader role never writes. An image a caller may not see is "not found",
so its existence does not leak.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, NotFound
from pocketstack.image.models import Image


def check_writer(ctx: RequestContext) -> None:
    if ctx.is_reader_only:
        raise Forbidden("You are not authorized to complete this action: the reader role is read-only.")


def can_see(ctx: RequestContext, image: Image, member_status: str | None) -> bool:
    """``member_status`` is the caller's membership status on the image (None: not a member)."""
    if ctx.is_admin or image.owner == ctx.project_id:
        return True
    if image.visibility in ("public", "community"):
        return True
    return image.visibility == "shared" and member_status is not None


def check_visible(ctx: RequestContext, image: Image | None, image_id: str, member_status: str | None) -> Image:
    if image is None or not can_see(ctx, image, member_status):
        raise NotFound(f"No image found with ID {image_id}")
    return image


def is_owner(ctx: RequestContext, image: Image) -> bool:
    return ctx.is_admin or (image.owner is not None and image.owner == ctx.project_id)


def check_owner(ctx: RequestContext, image: Image, action: str) -> None:
    check_writer(ctx)
    if not is_owner(ctx, image):
        raise Forbidden(f"You are not permitted to {action} image {image.id}: it belongs to another project.")


def check_visibility_value(ctx: RequestContext, visibility: str | None) -> None:
    if visibility == "public" and not ctx.is_admin:
        raise Forbidden("You are not authorized to complete publicize_image action: only an admin makes images public.")


def check_owner_value(ctx: RequestContext, owner: str | None) -> None:
    if not ctx.is_admin and owner != ctx.project_id:
        raise Forbidden("You are not permitted to set the owner of an image to another project.")


def check_download(ctx: RequestContext, image: Image) -> None:
    if image.status == "deactivated" and not ctx.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")
