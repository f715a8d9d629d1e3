"""Metadata carried in headers: which request headers are an account's, a container's or
an object's metadata, Swift's limits on them, and how a request changes what is stored.

Stored metadata is a dict of lower-case header name to value, e.g.
``{"x-container-meta-color": "blue", "x-container-read": ".r:*"}``; values keep the
bytes the client sent (header text decoded as latin-1, so UTF-8 goes back out as it came).
"""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.errors import Invalid

# swift/common/constraints.py defaults.
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
MAX_HEADER_SIZE = 8192

# System headers a container keeps beside its user metadata (each removable with
# X-Remove-<name>, or an empty value).
CONTAINER_SYSTEM = (
    "x-container-read",
    "x-container-write",
    "x-versions-location",
    "x-history-location",
    "x-container-sync-to",
    "x-container-sync-key",
)
# An account's quotas (Swift 2.34's names; the older X-Account-Meta-Quota-Bytes is
# user metadata), set by reseller admins only.
ACCOUNT_SYSTEM = ("x-account-quota-bytes", "x-account-quota-count")
# Headers an object keeps beside its X-Object-Meta-*.
OBJECT_SYSTEM = ("content-disposition", "content-encoding", "x-object-manifest", "cache-control", "content-language")


def _prefix(kind: str) -> str:
    return f"x-{kind}-meta-"


def updates(headers: Mapping[str, str], kind: str) -> dict[str, str | None]:
    """The changes a POST or PUT makes: name -> new value, None to remove."""
    prefix, remove = _prefix(kind), f"x-remove-{kind}-meta-"
    system = {"container": CONTAINER_SYSTEM, "account": ACCOUNT_SYSTEM}.get(kind, ())
    changes: dict[str, str | None] = {}
    for name, value in headers.items():
        if name.startswith(prefix):
            key = name[len(prefix) :]
            if not key:
                raise Invalid("Metadata name cannot be empty")
            if len(key) > MAX_META_NAME_LENGTH:
                raise Invalid(f"Metadata name too long; max {MAX_META_NAME_LENGTH}")
            if len(value) > MAX_META_VALUE_LENGTH:
                raise Invalid(f"Metadata value longer than {MAX_META_VALUE_LENGTH}: {name}")
            changes[name] = value.strip() or None
        elif name.startswith(remove):
            changes[prefix + name[len(remove) :]] = None
        elif name in system:
            changes[name] = value.strip() or None
        elif name.startswith("x-remove-") and "x-" + name[len("x-remove-") :] in system:
            changes["x-" + name[len("x-remove-") :]] = None
    return changes


def apply(stored: Mapping[str, str], changes: Mapping[str, str | None], kind: str) -> dict[str, str]:
    """``stored`` changed by ``changes``, refused with a 400 past Swift's limits."""
    merged = {k: v for k, v in stored.items()}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    check(merged, kind)
    return merged


def check(meta: Mapping[str, str], kind: str) -> None:
    prefix = _prefix(kind)
    count = size = 0
    for key, value in meta.items():
        if key.startswith(prefix):
            count += 1
            size += len(key) - len(prefix) + len(value)
    if count > MAX_META_COUNT:
        raise Invalid(f"Too many metadata items; max {MAX_META_COUNT}")
    if size > MAX_META_OVERALL_SIZE:
        raise Invalid(f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")


def object_meta(headers: Mapping[str, str]) -> dict[str, str]:
    """The metadata a PUT or POST of an object stores (it replaces all of it)."""
    meta: dict[str, str] = {}
    prefix = _prefix("object")
    for name, value in headers.items():
        if name.startswith(prefix):
            key = name[len(prefix) :]
            if not key:
                raise Invalid("Metadata name cannot be empty")
            if len(key) > MAX_META_NAME_LENGTH:
                raise Invalid(f"Metadata name too long; max {MAX_META_NAME_LENGTH}")
            if len(value) > MAX_META_VALUE_LENGTH:
                raise Invalid(f"Metadata value longer than {MAX_META_VALUE_LENGTH}: {name}")
            meta[name] = value
        elif name in OBJECT_SYSTEM and value:
            meta[name] = value
    check(meta, "object")
    return meta


def user_items(meta: Mapping[str, str], kind: str) -> dict[str, str]:
    prefix = _prefix(kind)
    return {k: v for k, v in meta.items() if k.startswith(prefix)}


def quota(meta: Mapping[str, str], key: str) -> int | None:
    """An integer quota kept in metadata (``x-container-meta-quota-bytes``, ...)."""
    raw = meta.get(key)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"Non-integer {name}: {raw!r}") from None
    return value
