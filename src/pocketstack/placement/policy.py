"""Placement's policy enforcer: the rules of ``policies.py`` (with the operator's
overrides once the service is built) in the common engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden
from pocketstack.common.policy import Enforcer
from pocketstack.placement.policies import RULES


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"Policy does not allow {rule} to be performed.")


ENFORCER = Enforcer("placement", RULES, deny=_deny)


def enforce(ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None) -> None:
    ENFORCER.enforce(ctx, rule, target)
