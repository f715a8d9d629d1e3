"""Query-string grammar Placement uses: resources, required traits, member_of."""

from __future__ import annotations

import re

from pocketstack.common import errors as e
from pocketstack.placement.handlers.common import BAD_VALUE, check_uuid
from pocketstack.placement.objects.filters import AggregateFilter

_RESOURCE = re.compile(r"^([A-Z0-9_]+):(\d+)$")


SQL_INT_MAX = 2**63 - 1


def resources(value: str, key: str = "resources") -> dict[str, int]:
    """``VCPU:2,MEMORY_MB:1024`` -> {"VCPU": 2, "MEMORY_MB": 1024}."""
    out: dict[str, int] = {}
    for part in value.split(","):
        m = _RESOURCE.match(part.strip())
        if not m:
            raise e.Invalid(
                f"Badly formed {key} parameter. Expected {key} query string parameter in form: "
                f"?{key}=VCPU:2,MEMORY_MB:1024. Got: {value}.",
                kind=BAD_VALUE,
            )
        name, amount = m.group(1), int(m.group(2))
        if amount < 1:
            raise e.Invalid(
                f"Requested resource {name} expected positive integer amount. Got: {amount}.", kind=BAD_VALUE
            )
        if name in out:
            raise e.Invalid(f"Resource class {name} appears more than once in {key}.", kind=BAD_VALUE)
        # No inventory holds more than a 64-bit integer: a larger amount matches nothing, as
        # in Placement, instead of overflowing SQLite's parameters (500).
        out[name] = min(amount, SQL_INT_MAX)
    return out


def traits(
    values: list[str], key: str, *, forbidden_ok: bool, any_ok: bool
) -> tuple[set[str], list[set[str]], set[str]]:
    """``required`` values -> (all of, any-of sets, forbidden)."""
    required: set[str] = set()
    any_of: list[set[str]] = []
    forbidden: set[str] = set()
    if len(values) > 1 and not any_ok:
        raise e.Invalid(f"Query parameter {key!r} may be given only once.", kind="placement.query.duplicate_key")
    for value in values:
        if any_ok and value.startswith("in:"):
            names = [n.strip() for n in value[3:].split(",")]
            if not all(names):
                raise _bad_traits(key, value)
            any_of.append(set(names))
            continue
        for raw in value.split(","):
            name = raw.strip()
            if forbidden_ok and name.startswith("!"):
                if not name[1:]:
                    raise _bad_traits(key, value)
                forbidden.add(name[1:])
            elif not name or name.startswith("!"):
                raise _bad_traits(key, value)
            else:
                required.add(name)
    both = required & forbidden
    if both:
        raise e.Invalid(
            f"Conflicting required and forbidden traits found in the following traits keys: "
            f"{key}: ({', '.join(sorted(both))})",
            kind=BAD_VALUE,
        )
    return required, any_of, forbidden


def _bad_traits(key: str, value: str) -> e.Invalid:
    return e.Invalid(
        f"Invalid query string parameters: Expected '{key}' parameter value of the form: "
        f"HW_CPU_X86_VMX,CUSTOM_MAGIC or !TRAIT or in:T1,T2. Got: {value!r}",
        kind=BAD_VALUE,
    )


def member_of(values: list[str], key: str, *, many_ok: bool, forbidden_ok: bool) -> AggregateFilter:
    """``member_of`` values: ``in:A,B`` (any of), ``A``, and since 1.32 ``!A`` / ``!in:A,B``."""
    if len(values) > 1 and not many_ok:
        raise e.Invalid(
            f"Query parameter {key!r} may be given only once before microversion 1.24.",
            kind="placement.query.duplicate_key",
        )
    f = AggregateFilter()
    for value in values:
        negate = value.startswith("!")
        if negate:
            if not forbidden_ok:
                raise e.Invalid(f"Invalid {key}: forbidden aggregates need microversion 1.32.", kind=BAD_VALUE)
            value = value[1:]
        body = value[3:] if value.startswith("in:") else value
        uuids = {check_uuid(u.strip(), f"{key} aggregate uuid") for u in body.split(",")}
        if negate and value.startswith("in:"):
            f.forbidden |= uuids
        elif negate:
            if len(uuids) != 1:
                raise e.Invalid(f"Invalid {key}: '!' takes one aggregate, use '!in:' for several.", kind=BAD_VALUE)
            f.forbidden |= uuids
        else:
            if len(uuids) > 1 and not value.startswith("in:"):
                raise e.Invalid(f"Invalid {key}: several aggregates must be given as in:A,B.", kind=BAD_VALUE)
            f.any_of.append(uuids)
    return f
