"""The checks a policy rule is made of, and the credentials they are evaluated against.

A parsed rule is a small tree of ``Check`` objects. Evaluating it needs three things:
the caller's credentials (from the ``RequestContext``), the target (the attributes of
the thing acted on: its ``project_id``, ``owner``, ``visibility``, ...) and the other
rules of the same service (for ``rule:NAME``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pocketstack.common.context import RequestContext

# Looks up another rule by name while evaluating ``rule:NAME``; None for an unknown name.
Resolver = Callable[[str], "Check | None"]

_TEMPLATE = re.compile(r"%\(([^)]*)\)s")
_LITERALS = ("True", "False", "None")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def credentials(ctx: RequestContext) -> dict[str, Any]:
    """The caller as oslo.policy's checks see it: the token's ids, roles and scope."""
    return {
        "user_id": ctx.user_id,
        "project_id": ctx.project_id,
        "tenant_id": ctx.project_id,
        "domain_id": ctx.domain_id,
        "user_domain_id": ctx.user_domain_id,
        "project_domain_id": ctx.project_domain_id,
        "system_scope": "all" if ctx.system_scope else None,
        # Roles compare case-insensitively, as Keystone role names do in oslo.policy.
        "roles": [role.lower() for role in ctx.roles],
        "service_roles": [role.lower() for role in ctx.service_roles],
        "is_admin": ctx.is_admin,
        # Keystone's rules name the token's scope by path (token.domain.id, ...).
        "token.domain.id": ctx.domain_id,
        "token.project.id": ctx.project_id,
        "token.project.domain.id": ctx.project_domain_id,
        "token.user.id": ctx.user_id,
        "token.user.domain.id": ctx.user_domain_id,
    }


class Check:
    """One node of a rule; ``__str__`` gives back the rule text it stands for."""

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        raise NotImplementedError

    def references(self) -> list[str]:
        """Names of the rules this check refers to with ``rule:NAME``."""
        return []


@dataclass(frozen=True)
class Always(Check):
    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        return True

    def __str__(self) -> str:
        return "@"


@dataclass(frozen=True)
class Never(Check):
    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        return False

    def __str__(self) -> str:
        return "!"


@dataclass(frozen=True)
class Not(Check):
    inner: Check

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        return not self.inner(creds, target, resolve)

    def references(self) -> list[str]:
        return self.inner.references()

    def __str__(self) -> str:
        return f"not {self.inner}"


@dataclass(frozen=True)
class And(Check):
    parts: tuple[Check, ...]

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        return all(part(creds, target, resolve) for part in self.parts)

    def references(self) -> list[str]:
        return [name for part in self.parts for name in part.references()]

    def __str__(self) -> str:
        return "(" + " and ".join(str(p) for p in self.parts) + ")"


@dataclass(frozen=True)
class Or(Check):
    parts: tuple[Check, ...]

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        return any(part(creds, target, resolve) for part in self.parts)

    def references(self) -> list[str]:
        return [name for part in self.parts for name in part.references()]

    def __str__(self) -> str:
        return "(" + " or ".join(str(p) for p in self.parts) + ")"


@dataclass(frozen=True)
class RuleRef(Check):
    """``rule:NAME``: whatever the named rule of the same service decides (unknown: no)."""

    name: str

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        rule = resolve(self.name)
        return rule is not None and rule(creds, target, resolve)

    def references(self) -> list[str]:
        return [self.name]

    def __str__(self) -> str:
        return f"rule:{self.name}"


@dataclass(frozen=True)
class Role(Check):
    """``role:NAME``: the token carries that role (the name may be a target template)."""

    role: str

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        wanted = interpolate(self.role, target)
        return wanted is not None and wanted.lower() in creds.get("roles", ())

    def __str__(self) -> str:
        return f"role:{self.role}"


@dataclass(frozen=True)
class Field(Check):
    """Neutron's ``field:RESOURCE:ATTRIBUTE=VALUE``: the target's attribute has that value
    (``=~REGEX``: matches it, as ``field:port:device_owner=~^network:``)."""

    resource: str
    attribute: str
    value: str

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        if self.attribute not in target or target[self.attribute] is None:
            return False
        if self.value.startswith("~"):
            return re.search(self.value[1:], str(target[self.attribute])) is not None
        return _same(target[self.attribute], self.value)

    def __str__(self) -> str:
        return f"field:{self.resource}:{self.attribute}={self.value}"


@dataclass(frozen=True)
class Generic(Check):
    """``KIND:MATCH``. MATCH is a literal or holds ``%(key)s`` templates filled from the
    target; KIND names a credential (``project_id``, ``user_id``, ``system_scope``,
    ``is_admin``, ...) or is itself a literal: quoted (``'public':%(visibility)s``) or
    ``True``/``False``/``None``/a number (``None:%(target.role.domain_id)s``). A credential
    that is null reads as ``None`` (``not domain_id:None``: a domain-scoped token)."""

    kind: str
    match: str

    def __call__(self, creds: Mapping[str, Any], target: Mapping[str, Any], resolve: Resolver) -> bool:
        expected = interpolate(self.match, target)
        if self.kind == "None":
            # Keystone's "None:%(target.role.domain_id)s": the target has no such value.
            return expected is None or expected == "None"
        if expected is None:
            return False
        if self.kind[:1] in ("'", '"'):
            return self.kind[1:-1] == expected
        if self.kind in _LITERALS or _NUMBER.fullmatch(self.kind):
            return self.kind == expected
        if self.kind not in creds:
            return False
        actual = creds[self.kind]
        if actual is None:
            return expected == "None"
        if isinstance(actual, (list, tuple, set)):
            return any(_same(item, expected) for item in actual)
        return _same(actual, expected)

    def __str__(self) -> str:
        return f"{self.kind}:{self.match}"


def interpolate(text: str, target: Mapping[str, Any]) -> str | None:
    """Fill ``%(key)s`` from the target; None when a key is missing or null (the check
    then fails: a rule about the owner never matches a target without one)."""
    missing = False

    def fill(m: re.Match[str]) -> str:
        nonlocal missing
        value = target.get(m.group(1))
        if value is None:
            missing = True
            return ""
        return str(value)

    result = _TEMPLATE.sub(fill, text)
    return None if missing else result


def _same(actual: Any, expected: str) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == expected.lower()
    return str(actual) == expected
