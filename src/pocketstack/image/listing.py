"""GET /v2/images: visibility rules, filters, sorting and marker pagination in SQL.

Pagination is keyset-based (``marker`` = id of the last image seen) over the sort keys
plus ``id`` as a tie-breaker, so a page costs the same however deep it is. Nullable
sort columns are compared through COALESCE so NULLs have a fixed place in the order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.sql import ColumnElement

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import parse_iso
from pocketstack.db import Database
from pocketstack.image import policy
from pocketstack.image.models import Image, ImageMember, ImageProperty, ImageTag
from pocketstack.image.records import ImageRecord, member_status, with_details
from pocketstack.image.schemas import MEMBER_STATUSES, VISIBILITIES

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
SORT_KEYS: dict[str, Any] = {
    "name": func.coalesce(Image.name, ""),
    "status": Image.status,
    "container_format": func.coalesce(Image.container_format, ""),
    "disk_format": func.coalesce(Image.disk_format, ""),
    "size": func.coalesce(Image.size, -1),
    "virtual_size": func.coalesce(Image.virtual_size, -1),
    "id": Image.id,
    "created_at": Image.created_at,
    "updated_at": Image.updated_at,
    "min_disk": Image.min_disk,
    "min_ram": Image.min_ram,
    "visibility": Image.visibility,
    "owner": func.coalesce(Image.owner, ""),
}
# Columns that take a plain value or "in:a,b,c".
EQUALITY_FILTERS: dict[str, Any] = {
    "id": Image.id,
    "name": Image.name,
    "status": Image.status,
    "owner": Image.owner,
    "disk_format": Image.disk_format,
    "container_format": Image.container_format,
}
# Other image columns filter by plain equality (Glance filters on any column of the
# image table; an unknown name is an extra property).
PLAIN_FILTERS: dict[str, Any] = {
    "checksum": Image.checksum,
    "os_hash_algo": Image.os_hash_algo,
    "os_hash_value": Image.os_hash_value,
}
INTEGER_FILTERS: dict[str, Any] = {
    "size": Image.size,
    "virtual_size": Image.virtual_size,
    "min_disk": Image.min_disk,
    "min_ram": Image.min_ram,
}
RANGE_FILTERS = {
    "size_min": (Image.size, "__ge__"),
    "size_max": (Image.size, "__le__"),
    "virtual_size_min": (Image.virtual_size, "__ge__"),
    "virtual_size_max": (Image.virtual_size, "__le__"),
}
NOT_PROPERTIES = {
    "limit",
    "marker",
    "sort",
    "sort_key",
    "sort_dir",
    "visibility",
    "member_status",
    "tag",
    "created_at",
    "updated_at",
    "protected",
    "os_hidden",
    *EQUALITY_FILTERS,
    *PLAIN_FILTERS,
    *INTEGER_FILTERS,
    *RANGE_FILTERS,
}
_COMPARATORS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__", "eq": "__eq__", "neq": "__ne__"}


@dataclass
class ListQuery:
    filters: dict[str, list[str]] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    marker: str | None = None
    sort: list[tuple[str, str]] = field(default_factory=lambda: [("created_at", "desc")])


def parse_sort(sort: str | None, sort_keys: list[str], sort_dirs: list[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if sort is not None:
        if sort_keys or sort_dirs:
            raise Invalid("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.")
        for item in sort.split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key, direction or "desc"))
    else:
        sort_keys = sort_keys or ["created_at"]
        if len(sort_dirs) > 1 and len(sort_dirs) != len(sort_keys):
            raise Invalid("Give one sort_dir, or one per sort_key.")
        for i, key in enumerate(sort_keys):
            pairs.append((key, sort_dirs[i] if len(sort_dirs) > 1 else (sort_dirs[0] if sort_dirs else "desc")))
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise Invalid(f"Invalid sort key: {key!r}. It is not among {', '.join(sorted(SORT_KEYS))}.")
        if direction not in ("asc", "desc"):
            raise Invalid(f"Invalid sort direction: {direction!r}. Use 'asc' or 'desc'.")
    return pairs or [("created_at", "desc")]


async def list_images(db: Database, ctx: RequestContext, query: ListQuery) -> tuple[list[ImageRecord], str | None]:
    """One page of images the caller may see; the marker for the next page, if any."""
    policy.enforce(ctx, "get_images")
    conditions = _visibility(ctx, query.filters) + _filters(query.filters)
    sort = list(query.sort)
    if all(key != "id" for key, _ in sort):
        sort.append(("id", sort[-1][1]))
    order = [SORT_KEYS[k].desc() if d == "desc" else SORT_KEYS[k].asc() for k, d in sort]
    async with db.reader() as session:
        if query.marker is not None:
            conditions.append(await _after_marker(session, ctx, query.marker, sort))
        stmt = select(Image).where(*conditions).order_by(*order).limit(query.limit + 1)
        images = list((await session.scalars(stmt)).all())
        more = len(images) > query.limit
        images = images[: query.limit]
        records = await with_details(session, images)
    return records, (images[-1].id if more and images else None)


def _member_is(ctx: RequestContext, statuses: tuple[str, ...]) -> ColumnElement[bool]:
    return exists().where(
        ImageMember.image_id == Image.id, ImageMember.member == ctx.project_id, ImageMember.status.in_(statuses)
    )


def _visibility(ctx: RequestContext, filters: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    visibility = _one(filters, "visibility")
    if visibility is not None and visibility not in (*VISIBILITIES, "all"):
        raise Invalid(f"Invalid visibility value: {visibility!r}. Use one of {', '.join(VISIBILITIES)} or all.")
    wanted_status = _one(filters, "member_status") or "accepted"
    if wanted_status not in (*MEMBER_STATUSES, "all"):
        raise Invalid(f"Invalid member_status value: {wanted_status!r}.")
    statuses = MEMBER_STATUSES if wanted_status == "all" else (wanted_status,)
    conditions: list[ColumnElement[bool]] = []
    hidden = _bool(filters, "os_hidden")
    conditions.append(Image.os_hidden == (hidden if hidden is not None else False))
    if visibility not in (None, "all"):
        conditions.append(Image.visibility == visibility)
    if policy.is_admin(ctx):
        if visibility == "shared" and "member_status" in filters:
            conditions.append(_member_is(ctx, statuses))
        return conditions
    mine = Image.owner == ctx.project_id if ctx.project_id else false()
    shared_with_me = and_(Image.visibility == "shared", _member_is(ctx, statuses))
    if visibility is None:
        conditions.append(or_(mine, Image.visibility == "public", shared_with_me))
    elif visibility == "all":
        conditions.append(or_(mine, Image.visibility.in_(("public", "community")), shared_with_me))
    elif visibility in ("private",):
        conditions.append(mine)
    elif visibility == "shared":
        conditions.append(or_(mine, shared_with_me) if "member_status" not in filters else shared_with_me)
    return conditions


def _filters(filters: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name, column in EQUALITY_FILTERS.items():
        value = _one(filters, name)
        if value is None:
            continue
        if value.startswith("in:"):
            conditions.append(column.in_([v.strip().strip('"') for v in value[3:].split(",")]))
        else:
            conditions.append(column == value)
    for tag in filters.get("tag", []):
        conditions.append(exists().where(ImageTag.image_id == Image.id, ImageTag.value == tag))
    for name, column in PLAIN_FILTERS.items():
        value = _one(filters, name)
        if value is not None:
            conditions.append(column == value)
    for name, column in INTEGER_FILTERS.items():
        value = _one(filters, name)
        if value is not None:
            conditions.append(column == _count(name, value))
    for name, (column, op) in RANGE_FILTERS.items():
        value = _one(filters, name)
        if value is not None:
            conditions.append(getattr(column, op)(_count(name, value)))
    for name in ("created_at", "updated_at"):
        for value in filters.get(name, []):
            conditions.append(_time_filter(getattr(Image, name), name, value))
    protected = _bool(filters, "protected")
    if protected is not None:
        conditions.append(Image.protected == protected)
    for name, values in filters.items():
        if name not in NOT_PROPERTIES:
            conditions.append(
                exists().where(
                    ImageProperty.image_id == Image.id, ImageProperty.name == name, ImageProperty.value == values[-1]
                )
            )
    return conditions


def _time_filter(column: Any, name: str, value: str) -> ColumnElement[bool]:
    op, sep, text = value.partition(":")
    if not sep or op not in _COMPARATORS:
        op, text = "eq", value
    try:
        when: dt.datetime = parse_iso(text)
    except ValueError:
        raise Invalid(
            f"Invalid {name} filter {value!r}: use OPERATOR:TIMESTAMP with an ISO 8601 timestamp, "
            f"OPERATOR among {', '.join(_COMPARATORS)}."
        ) from None
    result: ColumnElement[bool] = getattr(column, _COMPARATORS[op])(when)
    return result


async def _after_marker(session: Any, ctx: RequestContext, marker: str, sort: list[tuple[str, str]]) -> Any:
    image = await session.get(Image, marker)
    status = await member_status(session, marker, ctx.project_id) if image is not None else None
    if image is None or not policy.can_see(ctx, image, status):
        raise Invalid(f"Invalid marker: image {marker} could not be found.")
    values = list((await session.execute(select(*[SORT_KEYS[k] for k, _ in sort]).where(Image.id == marker))).one())
    # Rows after the marker: equal on the first i keys and past it on key i, for some i.
    alternatives = []
    for i, (key, direction) in enumerate(sort):
        column = SORT_KEYS[key]
        past = column < values[i] if direction == "desc" else column > values[i]
        alternatives.append(and_(*[SORT_KEYS[k] == values[j] for j, (k, _) in enumerate(sort[:i])], past))
    return or_(*alternatives) if alternatives else true()


def _count(name: str, value: str) -> int:
    if not value.isdigit():
        raise Invalid(f"Invalid value for {name}: {value!r} is not a non-negative integer.")
    return int(value)


def _one(filters: dict[str, list[str]], name: str) -> str | None:
    values = filters.get(name)
    return values[-1] if values else None


def _bool(filters: dict[str, list[str]], name: str) -> bool | None:
    value = _one(filters, name)
    if value is None:
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Invalid(f"Invalid value for {name}: {value!r} is not a boolean.")
