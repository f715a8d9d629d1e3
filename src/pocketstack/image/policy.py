"""Who may do what with images: Glance's rules (``policies.py``) in the common engine.

Two layers, as in Glance: what a caller can see at all (its own images, public and
community ones, shared ones it is a member of; admins everything) hides the rest as
"not found"; the named rules then decide, against the image as target, what the caller
may do with what it sees (a 403). ``is_admin`` is the ``context_is_admin`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, NotFound, PocketError
from pocketstack.common.policy import Enforcer
from pocketstack.image.models import Image
from pocketstack.image.policies import RULES


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"You are not authorized to complete {rule} action.")


ENFORCER = Enforcer("image", RULES, deny=_deny)


def enforce(
    ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None, *, error: PocketError | None = None
) -> None:
    if error is None and ctx.is_reader_only:
        # Say why, for the common case of a caller with only the reader role.
        error = Forbidden(f"You are not authorized to complete {rule} action: the reader role is read-only.")
    ENFORCER.enforce(ctx, rule, target, error=error)


def is_admin(ctx: RequestContext) -> bool:
    return ENFORCER.allowed(ctx, "context_is_admin")


def image_target(ctx: RequestContext, image: Image, member_status: str | None = None) -> dict[str, Any]:
    """The image as Glance's rules see it (``project_id`` is its owner)."""
    return {
        "id": image.id,
        "project_id": image.owner,
        "owner": image.owner,
        "visibility": image.visibility,
        "status": image.status,
        "protected": image.protected,
        "member_id": ctx.project_id if member_status is not None else None,
    }


def _in_sight(ctx: RequestContext, image: Image, member_status: str | None) -> bool:
    """What Glance's database layer lets a caller see at all."""
    if is_admin(ctx) or image.owner == ctx.project_id:
        return True
    if image.visibility in ("public", "community"):
        return True
    return image.visibility == "shared" and member_status is not None


def can_see(ctx: RequestContext, image: Image, member_status: str | None) -> bool:
    """``member_status`` is the caller's membership status on the image (None: not a member)."""
    return _in_sight(ctx, image, member_status) and ENFORCER.allowed(
        ctx, "get_image", image_target(ctx, image, member_status)
    )


def check_visible(ctx: RequestContext, image: Image | None, image_id: str, member_status: str | None) -> Image:
    if image is None or not can_see(ctx, image, member_status):
        raise NotFound(f"No image found with ID {image_id}")
    return image


def is_owner(ctx: RequestContext, image: Image) -> bool:
    return is_admin(ctx) or (image.owner is not None and image.owner == ctx.project_id)


def check_image(ctx: RequestContext, image: Image, rule: str) -> None:
    """``rule`` (modify_image, delete_image, upload_image, ...) on an image the caller sees."""
    enforce(ctx, rule, image_target(ctx, image))


def check_create(ctx: RequestContext, owner: str | None) -> None:
    error = None
    if owner != ctx.project_id:
        error = Forbidden("You are not permitted to create an image owned by another project (add_image).")
    enforce(ctx, "add_image", {"project_id": ctx.project_id, "owner": owner}, error=error)


def check_visibility_value(ctx: RequestContext, image: Image | None, visibility: str | None) -> None:
    """Making an image public or community takes publicize_image / communitize_image."""
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility or "")
    if rule is None:
        return
    target = image_target(ctx, image) if image is not None else {"project_id": ctx.project_id}
    if rule == "publicize_image":
        error = Forbidden(
            "You are not authorized to complete publicize_image action: only an admin makes images public."
        )
        enforce(ctx, rule, target, error=error)
    else:
        enforce(ctx, rule, target)


def check_owner_value(ctx: RequestContext, image: Image, owner: str | None) -> None:
    """Handing an image to another project: the image, with its new owner, must still be
    one the caller may modify."""
    target = {**image_target(ctx, image), "project_id": owner, "owner": owner}
    error = Forbidden("You are not permitted to set the owner of an image to another project.")
    enforce(ctx, "modify_image", target, error=error)


def check_download(ctx: RequestContext, image: Image) -> None:
    enforce(ctx, "download_image", image_target(ctx, image))
    if image.status == "deactivated" and not is_admin(ctx):
        raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")
