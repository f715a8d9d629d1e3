"""Timestamps in the formats OpenStack APIs use."""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def utcnow() -> dt.datetime:
    """Naive UTC now, microseconds kept: the form stored in the database."""
    return dt.datetime.now(UTC).replace(tzinfo=None)


def iso(value: dt.datetime | None, *, micro: bool = False) -> str | None:
    """``2026-11-22T03:00:00Z`` (Glance, Neutron) or with microseconds when asked."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if micro:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_nozone(value: dt.datetime | None) -> str | None:
    """``2026-11-22T03:00:00.000000`` as Nova and Cinder print created/updated."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; raise ValueError on nonsense. Result is naive UTC."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
