"""Resource classes: the standard ones and CUSTOM_* ones an admin creates."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import standard
from pocketstack.placement.objects.tables import ALLOC, INV, RC


def check_custom(name: str) -> None:
    if not standard.is_custom(name):
        raise e.Invalid(
            f"Resource class name {name!r} is invalid: custom resource classes must start with "
            "CUSTOM_ and contain only upper case letters, digits and underscores."
        )


async def list_classes(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(RC.c.name).order_by(RC.c.id))).scalars())


async def get_id(session: AsyncSession, name: str) -> int:
    row = (await session.execute(select(RC.c.id).where(RC.c.name == name))).first()
    if row is None:
        raise e.NotFound(f"No such resource class {name}.")
    return int(row[0])


async def create(session: AsyncSession, name: str, *, exist_ok: bool) -> bool:
    """Create a custom class; returns False (or 409 unless ``exist_ok``) when it exists."""
    check_custom(name)
    if await session.scalar(select(exists().where(RC.c.name == name))):
        if exist_ok:
            return False
        raise e.Conflict(f"Conflicting resource class already exists: {name}", kind="placement.duplicate_name")
    try:
        async with session.begin_nested():
            now = utcnow()
            await session.execute(insert(RC).values(name=name, created_at=now, updated_at=now))
    except IntegrityError:
        if exist_ok:
            return False
        raise e.Conflict(
            f"Conflicting resource class already exists: {name}", kind="placement.duplicate_name"
        ) from None
    return True


async def rename(session: AsyncSession, old: str, new: str) -> None:
    if old in standard.RESOURCE_CLASSES:
        raise e.Invalid(f"Cannot update standard resource class {old}")
    class_id = await get_id(session, old)
    check_custom(new)
    if await session.scalar(select(exists().where(RC.c.name == new))):
        raise e.Conflict(f"Resource class already exists: {new}", kind="placement.duplicate_name")
    await session.execute(update(RC).where(RC.c.id == class_id).values(name=new, updated_at=utcnow()))


async def delete_class(session: AsyncSession, name: str) -> None:
    class_id = await get_id(session, name)
    if name in standard.RESOURCE_CLASSES:
        raise e.Invalid(f"Cannot delete standard resource class {name}")
    in_use = exists().where(INV.c.resource_class_id == class_id)
    if await session.scalar(select(in_use)) or await session.scalar(
        select(exists().where(ALLOC.c.resource_class_id == class_id))
    ):
        raise e.Conflict(f"Unable to delete resource class {name}. The resource class is in use in inventory.")
    await session.execute(delete(RC).where(RC.c.id == class_id))
