"""Image records: create, update (from JSON-patch changes), delete, (de)activate, tags.

Domain code: it raises pocketstack.common.errors only; the web layer picks statuses.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from pocketstack.common.config import ImageConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.image import policy, quotas
from pocketstack.image.models import Image, ImageProperty, ImageTag
from pocketstack.image.patch import Change, apply_changes, check_attribute_name
from pocketstack.image.records import ImageRecord, load_visible, record
from pocketstack.image.schemas import IMAGE_CREATE
from pocketstack.image.store import ImageStore
from pocketstack.web.validation import validate

CORE_WRITABLE = (
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "owner",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
)


def check_limits(properties: dict[str, str], tags: list[str], limits: ImageConfig) -> None:
    if len(properties) > limits.max_properties:
        raise quotas.OverQuota(
            f"Maximum number of extra properties exceeded: {len(properties)} > {limits.max_properties}"
        )
    if len(tags) > limits.max_tags:
        raise quotas.OverQuota(f"Maximum number of tags exceeded: {len(tags)} > {limits.max_tags}")


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


async def create(db: Database, ctx: RequestContext, body: Any, limits: ImageConfig) -> ImageRecord:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object describing the image.")
    for name in body:
        check_attribute_name(name)
    validate(IMAGE_CREATE, body)
    visibility = body.get("visibility", "shared")
    owner = body.get("owner", ctx.project_id)
    policy.check_create(ctx, owner)
    policy.check_visibility_value(ctx, None, visibility)
    properties = {k: v for k, v in body.items() if k not in IMAGE_CREATE["properties"]}
    tags = _unique(body.get("tags", []))
    check_limits(properties, tags, limits)
    image_id = body.get("id") or str(uuid.uuid4())
    now = utcnow()
    async with db.writer() as session:
        await quotas.check_image_count(session, owner, limits)
        if await session.get(Image, image_id) is not None:
            raise Conflict(f"Image with identifier {image_id} already exists!")
        image = Image(
            id=image_id,
            name=body.get("name"),
            status="queued",
            visibility=visibility,
            protected=body.get("protected", False),
            os_hidden=body.get("os_hidden", False),
            owner=owner,
            disk_format=body.get("disk_format"),
            container_format=body.get("container_format"),
            min_disk=body.get("min_disk", 0),
            min_ram=body.get("min_ram", 0),
            created_at=now,
            updated_at=now,
        )
        session.add(image)
        await session.flush()
        session.add_all([ImageProperty(image_id=image_id, name=k, value=v) for k, v in properties.items()])
        session.add_all([ImageTag(image_id=image_id, value=t) for t in tags])
    return ImageRecord(image, properties, sorted(tags))


async def show(db: Database, ctx: RequestContext, image_id: str) -> ImageRecord:
    async with db.reader() as session:
        return await record(session, await load_visible(session, ctx, image_id))


async def update(
    db: Database, ctx: RequestContext, image_id: str, changes: list[Change], limits: ImageConfig
) -> ImageRecord:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "modify_image")
        rec = await record(session, image)
        core: dict[str, Any] = {name: getattr(image, name) for name in CORE_WRITABLE}
        core["tags"] = list(rec.tags)
        properties = dict(rec.properties)
        apply_changes(changes, core, properties, image.status)
        if core["visibility"] != image.visibility:
            policy.check_visibility_value(ctx, image, core["visibility"])
        if core["owner"] != image.owner:
            policy.check_owner_value(ctx, image, core["owner"])
        tags = _unique(core.pop("tags"))
        check_limits(properties, tags, limits)
        for name, value in core.items():
            setattr(image, name, value)
        image.updated_at = utcnow()
        await _replace_children(session, image_id, rec, properties, tags)
        return ImageRecord(image, properties, sorted(tags))


async def _replace_children(
    session: Any, image_id: str, rec: ImageRecord, properties: dict[str, str], tags: list[str]
) -> None:
    gone = [k for k in rec.properties if k not in properties]
    if gone:
        await session.execute(
            sql_delete(ImageProperty).where(ImageProperty.image_id == image_id, ImageProperty.name.in_(gone))
        )
    for name, value in properties.items():
        if rec.properties.get(name) != value:
            await session.merge(ImageProperty(image_id=image_id, name=name, value=value))
    old_tags = set(rec.tags)
    removed = old_tags - set(tags)
    if removed:
        await session.execute(sql_delete(ImageTag).where(ImageTag.image_id == image_id, ImageTag.value.in_(removed)))
    session.add_all([ImageTag(image_id=image_id, value=t) for t in tags if t not in old_tags])


async def delete(db: Database, store: ImageStore, ctx: RequestContext, image_id: str) -> None:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "delete_image")
        if image.protected:
            raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
        location = image.location
        await session.execute(sql_delete(Image).where(Image.id == image_id))
    # The row goes first: a concurrent download then fails cleanly instead of reading a
    # half-deleted file, and an upload in flight notices the image is gone.
    if location:
        await store.delete(location)


async def set_active(db: Database, ctx: RequestContext, image_id: str, active: bool) -> None:
    """Deactivate (active -> deactivated) or reactivate; repeating either is a no-op."""
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "reactivate" if active else "deactivate")
        source, target = ("deactivated", "active") if active else ("active", "deactivated")
        if image.status == target:
            return
        if image.status != source:
            action = "reactivate" if active else "deactivate"
            raise Invalid(f"Not allowed to {action} image {image_id} in status '{image.status}'.")
        image.status = target
        image.updated_at = utcnow()


async def add_tag(db: Database, ctx: RequestContext, image_id: str, tag: str, limits: ImageConfig) -> None:
    if not tag or len(tag) > 255:
        raise Invalid("Invalid tag: a tag is 1 to 255 characters long.")
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "modify_image")
        tags = list(await session.scalars(select(ImageTag.value).where(ImageTag.image_id == image_id)))
        if tag in tags:
            return
        check_limits({}, [*tags, tag], limits)
        session.add(ImageTag(image_id=image_id, value=tag))
        image.updated_at = utcnow()


async def remove_tag(db: Database, ctx: RequestContext, image_id: str, tag: str) -> None:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "modify_image")
        result = await session.execute(sql_delete(ImageTag).where(ImageTag.image_id == image_id, ImageTag.value == tag))
        if not getattr(result, "rowcount", 0):
            raise NotFound(f"Tag {tag} not found on image {image_id}.")
        image.updated_at = utcnow()
