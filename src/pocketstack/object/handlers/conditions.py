"""Conditional requests (If-Match, If-None-Match, If-Modified-Since,
If-Unmodified-Since) and byte ranges, as Swift answers them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from pocketstack.common.errors import PreconditionFailed, RangeNotSatisfiable


def _tags(value: str) -> list[str]:
    return [t.strip().removeprefix("W/").strip('"') for t in value.split(",") if t.strip()]


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # an unparsable date is ignored, as HTTP says


def not_modified(headers: Mapping[str, str], etag: str, modified: float) -> bool:
    """True when a GET or HEAD should be a 304; raises 412 when a condition fails."""
    bare = etag.strip('"')
    if_match = headers.get("if-match")
    if if_match is not None:
        tags = _tags(if_match)
        if "*" not in tags and bare not in tags:
            raise PreconditionFailed("The ETag does not match If-Match.")
    unmodified_since = _date(headers.get("if-unmodified-since"))
    if unmodified_since is not None and math.ceil(modified) > unmodified_since:
        raise PreconditionFailed("The object was modified after If-Unmodified-Since.")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or bare in tags
    modified_since = _date(headers.get("if-modified-since"))
    return modified_since is not None and math.ceil(modified) <= modified_since


def byte_ranges(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """The ``[start, end)`` spans a Range header asks for, None for the whole body (no
    header or a malformed one); 416 when none of them lies in the body."""
    if not header or not header.strip().lower().startswith("bytes="):
        return None
    specs = [s.strip() for s in header.strip()[6:].split(",") if s.strip()]
    if not specs or len(specs) > 100:
        return None
    spans: list[tuple[int, int]] = []
    for spec in specs:
        first, dash, last = spec.partition("-")
        if not dash:
            return None
        try:
            if not first:
                suffix = int(last)
                if suffix > 0 and size > 0:
                    spans.append((max(0, size - suffix), size))
                continue
            start, end = int(first), int(last) + 1 if last else size
        except ValueError:
            return None
        if start < 0 or (last and end <= start):
            return None  # "bytes=5-2" is malformed: the whole body
        if start < size:
            spans.append((start, min(end, size)))
    if not spans:
        raise RangeNotSatisfiable("Requested Range Not Satisfiable")
    return spans
