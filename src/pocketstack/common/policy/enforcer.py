"""One service's rules: the defaults in code, the operator's overrides from a
``policy.yaml``, all parsed once when the service is built, then evaluated per call.

A rule name that is enforced but not registered is a programming error (KeyError),
never a silent allow or deny.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pocketstack.common import errors
from pocketstack.common.context import RequestContext
from pocketstack.common.policy.checks import Check, credentials
from pocketstack.common.policy.parser import PolicySyntaxError, parse


class PolicyFileError(ValueError):
    """A policy file the service refuses to start with (names the file and the rule)."""


@dataclass(frozen=True)
class RuleDefault:
    """A rule as the service ships it: OpenStack's name, its default check string, what
    it protects (``operations``: ``"GET /v2/images/{image_id}"``)."""

    name: str
    check_str: str
    description: str = ""
    operations: tuple[str, ...] = ()


def _default_deny(rule: str) -> errors.PocketError:
    return errors.Forbidden(f"Policy doesn't allow {rule} to be performed.")


@dataclass(frozen=True)
class RuleListing:
    name: str
    default: str
    override: str | None
    description: str


class Enforcer:
    """The rules of one service. ``deny(rule)`` makes the service's own 403 error."""

    def __init__(
        self,
        service: str,
        defaults: Iterable[RuleDefault],
        *,
        deny: Callable[[str], errors.PocketError] = _default_deny,
    ) -> None:
        self.service = service
        self.defaults: dict[str, RuleDefault] = {}
        for rule in defaults:
            if rule.name in self.defaults:
                raise ValueError(f"{service}: policy rule {rule.name!r} is registered twice")
            self.defaults[rule.name] = rule
        self.deny = deny
        self.overrides: dict[str, str] = {}
        self.source: Path | None = None
        self._rules: dict[str, Check] = self._compile({}, "the defaults")

    # -- loading -------------------------------------------------------------------

    def load(self, path: Path | None) -> None:
        """Apply the overrides of ``path`` (a YAML mapping rule name -> rule string);
        None or a missing file: the defaults alone. Raises ``PolicyFileError``."""
        overrides: dict[str, str] = {}
        if path is not None and path.exists():
            overrides = read_policy_file(path)
        where = str(path) if overrides else "the defaults"
        rules = self._compile(overrides, where)
        self._rules, self.overrides, self.source = rules, overrides, path if overrides else None

    def _compile(self, overrides: Mapping[str, str], where: str) -> dict[str, Check]:
        texts = {name: rule.check_str for name, rule in self.defaults.items()}
        texts.update(overrides)
        compiled: dict[str, Check] = {}
        for name, text in texts.items():
            try:
                compiled[name] = parse(text)
            except PolicySyntaxError as exc:
                raise PolicyFileError(f"{self.service} policy ({where}): rule {name!r}: {exc}") from None
        for name, check in compiled.items():
            for ref in check.references():
                if ref not in compiled:
                    raise PolicyFileError(
                        f"{self.service} policy ({where}): rule {name!r} refers to rule:{ref}, which is not defined"
                    )
        self._refuse_cycles(compiled, where)
        return compiled

    def _refuse_cycles(self, compiled: Mapping[str, Check], where: str) -> None:
        done: set[str] = set()

        def visit(name: str, path: list[str]) -> None:
            if name in path:
                loop = " -> ".join([*path[path.index(name) :], name])
                raise PolicyFileError(f"{self.service} policy ({where}): rule {name!r} refers to itself ({loop})")
            if name in done:
                return
            for ref in compiled[name].references():
                visit(ref, [*path, name])
            done.add(name)

        for name in compiled:
            visit(name, [])

    # -- evaluation ----------------------------------------------------------------

    def allowed(self, ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None) -> bool:
        if rule not in self.defaults:
            raise KeyError(f"{self.service}: policy rule {rule!r} is not registered")
        if ctx.is_internal:
            # The cloud's own work (bootstrap, periodic tasks) is not a caller to police.
            return True
        if target is None:
            target = {"project_id": ctx.project_id, "user_id": ctx.user_id}
        return self._rules[rule](credentials(ctx), target, self._rules.get)

    def enforce(
        self,
        ctx: RequestContext,
        rule: str,
        target: Mapping[str, Any] | None = None,
        *,
        error: errors.PocketError | None = None,
    ) -> None:
        """Raise the service's Forbidden unless ``rule`` allows the call on ``target``;
        ``error``: what to raise instead (a NotFound where the reference hides that the
        thing exists, or a Forbidden worded for the case)."""
        if not self.allowed(ctx, rule, target):
            raise error if error is not None else self.deny(rule)

    # -- listing ---------------------------------------------------------------------

    def listing(self) -> list[RuleListing]:
        rows = [
            RuleListing(name, rule.check_str, self.overrides.get(name), rule.description)
            for name, rule in self.defaults.items()
        ]
        rows.extend(
            RuleListing(name, "", text, "(defined in the policy file)")
            for name, text in self.overrides.items()
            if name not in self.defaults
        )
        return rows


def read_policy_file(path: Path) -> dict[str, str]:
    """oslo.policy's file format: a YAML (or JSON, a subset of YAML) mapping of rule
    names to rule strings. Empty file: no overrides."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"policy file {path}: cannot be read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyFileError(f"policy file {path}: expected a mapping of rule names to rule strings")
    result: dict[str, str] = {}
    for name, text in data.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise PolicyFileError(f"policy file {path}: rule {name!r}: the rule must be a string, not {text!r}")
        result[name] = text
    return result
