"""Tasks: what ran (or failed) on behalf of a request, kept for a while after it ended.

An interoperable import (POST /v2/images/{id}/import) records an ``api_image_import``
task, listed at GET /v2/images/{id}/tasks (API 2.12). The legacy tasks API (POST
/v2/tasks, admin only as in Glance) takes ``import`` tasks that would download an
image from a URL: pocketstack does not download images from URLs (no web-download
either), so such a task is refused when its URL is malformed and otherwise ends in
``failure`` with a message saying why. A finished task expires after two days.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.image import policy
from pocketstack.image.models import ImageTask
from pocketstack.image.records import load_visible

TIME_TO_LIVE = dt.timedelta(hours=48)
STATUSES = ("pending", "processing", "success", "failure")
# The types the legacy API takes (api_image_import tasks come from the import call).
API_TYPES = ("import",)
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
SORT_KEYS = {
    "created_at": ImageTask.created_at,
    "updated_at": ImageTask.updated_at,
    "id": ImageTask.id,
    "status": ImageTask.status,
    "type": ImageTask.type,
}
NO_DOWNLOADS = (
    "pocketstack does not download images from URLs (no legacy import tasks, no web-download import); "
    "create the image and upload its data, or stage it and import it with glance-direct."
)


@dataclass(slots=True)
class TaskQuery:
    limit: int = DEFAULT_LIMIT
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    status: str | None = None
    type: str | None = None


def _check_tasks_api(ctx: RequestContext, rule: str) -> None:
    """The tasks API is guarded as a whole (tasks_api_access), then by its own rule."""
    error = Forbidden("You are not authorized to use the tasks API: it is for admins (tasks_api_access).")
    policy.enforce(ctx, "tasks_api_access", error=error)
    policy.enforce(ctx, rule)


def _alive() -> Any:
    return or_(ImageTask.expires_at.is_(None), ImageTask.expires_at >= utcnow())


def record(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    task_type: str,
    status: str,
    task_input: dict[str, Any],
    image_id: str | None = None,
    result: dict[str, Any] | None = None,
    message: str = "",
) -> ImageTask:
    """Add a task to the session; a finished one (success/failure) gets its expiry."""
    now = utcnow()
    task = ImageTask(
        id=str(uuid.uuid4()),
        type=task_type,
        status=status,
        owner=ctx.project_id or "",
        image_id=image_id,
        request_id=ctx.request_id,
        user_id=ctx.user_id,
        input=task_input,
        result=result,
        message=message,
        expires_at=now + TIME_TO_LIVE if status in ("success", "failure") else None,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    return task


async def for_image(db: Database, ctx: RequestContext, image_id: str) -> list[ImageTask]:
    """GET /v2/images/{id}/tasks: the image's unexpired tasks the caller may see."""
    async with db.reader() as session:
        await load_visible(session, ctx, image_id)
        stmt = select(ImageTask).where(ImageTask.image_id == image_id, _alive()).order_by(ImageTask.created_at)
        if not policy.is_admin(ctx):
            stmt = stmt.where(ImageTask.owner == (ctx.project_id or ""))
        return list((await session.scalars(stmt)).all())


def _check_import_input(task_input: Any) -> dict[str, Any]:
    if not isinstance(task_input, dict):
        raise Invalid("Task 'input' must be a JSON object.")
    for name in ("import_from", "import_from_format", "image_properties"):
        if name not in task_input:
            raise Invalid(f"Input does not contain '{name}' field")
    uri = task_input["import_from"]
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"Invalid import_from {uri!r}: an http or https URL is expected.")
    return task_input


async def create(db: Database, ctx: RequestContext, body: Any) -> ImageTask:
    """POST /v2/tasks: a legacy import task (it fails: see the module docstring)."""
    _check_tasks_api(ctx, "add_task")
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object with the task's 'type' and 'input'.")
    for name in ("type", "input"):
        if name not in body:
            raise Invalid(f"Task '{name}' is required")
    if body["type"] not in API_TYPES:
        raise Invalid(f"Invalid type value: {body['type']!r}. The tasks API takes {', '.join(API_TYPES)} tasks.")
    task_input = _check_import_input(body["input"])
    async with db.writer() as session:
        return record(
            session, ctx, task_type=body["type"], status="failure", task_input=task_input, message=NO_DOWNLOADS
        )


async def show(db: Database, ctx: RequestContext, task_id: str) -> ImageTask:
    _check_tasks_api(ctx, "get_task")
    async with db.reader() as session:
        task = await session.scalar(select(ImageTask).where(ImageTask.id == task_id, _alive()))
    if task is None:
        raise NotFound(f"Task with the given ID {task_id} not found")
    return task


async def list_tasks(db: Database, ctx: RequestContext, query: TaskQuery) -> tuple[list[ImageTask], str | None]:
    _check_tasks_api(ctx, "get_tasks")
    if query.sort_key not in SORT_KEYS:
        raise Invalid(f"Invalid sort key: {query.sort_key!r}. It is not among {', '.join(sorted(SORT_KEYS))}.")
    if query.sort_dir not in ("asc", "desc"):
        raise Invalid(f"Invalid sort direction: {query.sort_dir!r}")
    if query.status is not None and query.status not in STATUSES:
        raise Invalid(f"Invalid status value: {query.status}")
    if query.type is not None and query.type not in API_TYPES:
        raise Invalid(f"Invalid type value: {query.type}")
    column = SORT_KEYS[query.sort_key]
    order = [column.desc(), ImageTask.id.desc()] if query.sort_dir == "desc" else [column, ImageTask.id]
    stmt = select(ImageTask).where(_alive()).order_by(*order)
    if query.status is not None:
        stmt = stmt.where(ImageTask.status == query.status)
    if query.type is not None:
        stmt = stmt.where(ImageTask.type == query.type)
    async with db.reader() as session:
        rows = list((await session.scalars(stmt)).all())
    if query.marker is not None:
        ids = [t.id for t in rows]
        if query.marker not in ids:
            raise Invalid(f"Invalid marker: task {query.marker} could not be found.")
        rows = rows[ids.index(query.marker) + 1 :]
    page = rows[: query.limit]
    return page, (page[-1].id if len(rows) > query.limit and page else None)
