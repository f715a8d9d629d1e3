"""Which backend may hold a volume of a type: Cinder's capabilities filter over the one
backend this service runs. A type's extra specs that are unscoped or scoped
``capabilities:`` must match what the backend reports (``storage_protocol``,
``vendor_name``, ``volume_backend_name``, ``multiattach``, ...), with Cinder's
operators (``<is>``, ``<in>``, ``<or>``, ``==``, ``>=``, ``s==``, ...); other scopes
(``RESKEY:``, ``hw:``, ...) are for others. No match: "no valid backend"."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

# What Cinder's reference drivers (LVM, NFS) report: an open-source backend.
VENDOR = "Open Source"
DRIVER_VERSION = "1.0"
_TRUE = ("1", "t", "true", "on", "y", "yes")


def capabilities(backend: str, total_gb: int, free_gb: int, allocated_gb: int) -> dict[str, Any]:
    """What the backend reports (the pool's capabilities in get_pools)."""
    return {
        "volume_backend_name": backend,
        "pool_name": backend,
        "vendor_name": VENDOR,
        "driver_version": DRIVER_VERSION,
        "storage_protocol": backend,
        "total_capacity_gb": total_gb,
        "free_capacity_gb": free_gb,
        "allocated_capacity_gb": allocated_gb,
        "reserved_percentage": 0,
        "thin_provisioning_support": True,
        "thick_provisioning_support": False,
        "multiattach": True,
        "online_extend_support": True,
        "QoS_support": False,
    }


def _bool(value: Any) -> bool:
    return str(value).strip().lower() in _TRUE


def _number(op: Callable[[float, float], bool]) -> Callable[[Any, str], bool]:
    return lambda have, want: op(float(have), float(want))


_OPS: dict[str, Callable[[Any, str], bool]] = {
    "=": _number(operator.ge),
    "==": _number(operator.eq),
    "!=": _number(operator.ne),
    ">=": _number(operator.ge),
    "<=": _number(operator.le),
    "<in>": lambda have, want: want in str(have),
    "<is>": lambda have, want: _bool(have) is _bool(want),
    "s==": lambda have, want: str(have) == want,
    "s!=": lambda have, want: str(have) != want,
    "s<": lambda have, want: str(have) < want,
    "s<=": lambda have, want: str(have) <= want,
    "s>": lambda have, want: str(have) > want,
    "s>=": lambda have, want: str(have) >= want,
}


def match(have: Any, want: str) -> bool:
    """Whether a reported value satisfies one extra spec's requirement."""
    words = want.split()
    if not words or (words[0] != "<or>" and words[0] not in _OPS):
        return have == want or str(have) == want
    if words[0] == "<or>":
        # "<or> a <or> b": any of the alternatives.
        return str(have) in words[1::2]
    if len(words) < 2:
        return False
    try:
        return _OPS[words[0]](have, words[1])
    except ValueError:
        return False


def unmet(caps: dict[str, Any], extra_specs: dict[str, str]) -> str | None:
    """The first extra spec the backend does not satisfy (None: it may hold the volume)."""
    for key, want in extra_specs.items():
        scope = key.split(":")
        if len(scope) > 1 and scope[0] != "capabilities":
            continue
        path = scope[1:] if scope[0] == "capabilities" else scope
        have: Any = caps
        for part in path:
            if not isinstance(have, dict) or part not in have:
                return f"{key}={want} (the backend does not report {part})"
            have = have[part]
        if not match(have, want):
            return f"{key}={want} (the backend reports {have})"
    return None
