"""List queries shared by volumes and snapshots: sort (``sort=key:dir,...`` or
``sort_key``/``sort_dir``), marker and limit, offset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pocketstack.common.errors import Invalid, NotFound

DEFAULT_LIMIT = 1000
_ALIASES = {"display_name": "name", "display_description": "description"}


@dataclass
class Page:
    sort: list[tuple[str, str]] = field(default_factory=lambda: [("created_at", "desc"), ("id", "desc")])
    limit: int | None = None
    marker: str | None = None
    offset: int = 0


def parse_sort(sort: str | None, keys: list[str], dirs: list[str], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if sort:
        if keys or dirs:
            raise Invalid("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with 'sort'.")
        for part in sort.split(","):
            key, _, direction = part.strip().partition(":")
            pairs.append((key.strip(), (direction or "desc").strip().lower()))
    else:
        key_list = [k for raw in keys for k in raw.split(",") if k]
        dir_list = [d for raw in dirs for d in raw.split(",") if d]
        for i, key in enumerate(key_list or (["created_at"] if dir_list else [])):
            pairs.append((key, dir_list[i].lower() if i < len(dir_list) else "desc"))
    # Cinder's names for the columns (display_name is the volume's or snapshot's name).
    pairs = [(_ALIASES.get(key, key), direction) for key, direction in pairs]
    for key, direction in pairs:
        if key not in allowed:
            raise Invalid(f"Invalid input received: Invalid sort key {key!r}; valid keys: {', '.join(allowed)}")
        if direction not in ("asc", "desc"):
            raise Invalid(f"Invalid input received: Invalid sort direction {direction!r}; use asc or desc")
    if not pairs:
        pairs = [("created_at", "desc")]
    if all(k != "id" for k, _ in pairs):
        pairs.append(("id", pairs[-1][1]))
    return pairs


def paginate(rows: list[Any], page: Page, what: str) -> tuple[list[Any], str | None]:
    """Rows after the marker, limited; and the marker of the next page: Cinder links a
    next page whenever a page is full (``limit`` rows, or the default cap without one),
    so the last page may be followed by an empty one."""
    start = page.offset
    if page.marker is not None:
        for i, row in enumerate(rows):
            if row.id == page.marker:
                start = i + 1
                break
        else:
            raise NotFound(f"Marker {page.marker} could not be found.")
    limit = DEFAULT_LIMIT if page.limit is None else min(page.limit, DEFAULT_LIMIT)
    rows = rows[start:][:limit]
    if rows and len(rows) == limit:
        return rows, rows[-1].id
    return rows, None


# Cinder's time comparison filters (3.60): ``created_at=gt:2026-01-01T00:00:00,lt:...``.
TIME_OPS = ("gt", "gte", "eq", "neq", "lt", "lte")


def parse_time_filter(raw: str, field: str) -> list[tuple[str, dt.datetime]]:
    out = []
    for part in raw.split(","):
        op, sep, value = part.strip().partition(":")
        if not sep:
            op, value = "eq", part.strip()
        if op not in TIME_OPS:
            raise Invalid(f"Invalid input received: {field} operator {op!r} is not one of {', '.join(TIME_OPS)}.")
        try:
            when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(f"Invalid input received: {field} value {value!r} is not an ISO 8601 time.") from None
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)
        out.append((op, when))
    return out


def compare(column: Any, op: str, when: dt.datetime) -> Any:
    """The SQL condition of one time comparison."""
    return {
        "gt": column > when,
        "gte": column >= when,
        "eq": column == when,
        "neq": column != when,
        "lt": column < when,
        "lte": column <= when,
    }[op]
