"""List queries shared by volumes and snapshots: sort (``sort=key:dir,...`` or
``sort_key``/``sort_dir``), marker and limit, offset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pocketstack.common.errors import Invalid

DEFAULT_LIMIT = 1000


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
    """Rows after the marker, limited; and the marker of the next page (None: last)."""
    start = page.offset
    if page.marker is not None:
        for i, row in enumerate(rows):
            if row.id == page.marker:
                start = i + 1
                break
        else:
            raise Invalid(f"Invalid input received: marker [{page.marker}] not found among the {what}.")
    rows = rows[start:]
    if page.limit is not None and len(rows) > page.limit:
        return rows[: page.limit], rows[page.limit - 1].id if page.limit else None
    return rows, None
