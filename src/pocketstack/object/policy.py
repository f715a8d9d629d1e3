"""Object storage's enforcer (the rules of ``policies.py`` and the operator's overrides)."""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, NotAuthenticated
from pocketstack.common.policy import Enforcer
from pocketstack.object.policies import RULES


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"Access was denied to this resource ({rule}).")


ENFORCER = Enforcer("object", RULES, deny=_deny)


def allowed(ctx: RequestContext, rule: str, project_id: str) -> bool:
    """Whether ``rule`` lets a caller with a token act on the account of ``project_id``."""
    if ctx.user_id is None and not ctx.is_internal:
        return False
    return ENFORCER.allowed(ctx, rule, {"project_id": project_id})


def enforce(ctx: RequestContext, rule: str, project_id: str) -> None:
    if ctx.user_id is None and not ctx.is_internal:
        # No token and no ACL or temporary URL let it in: Swift's 401.
        raise NotAuthenticated()
    ENFORCER.enforce(ctx, rule, {"project_id": project_id})
