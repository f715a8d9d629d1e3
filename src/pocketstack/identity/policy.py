"""Who may do what in identity: Keystone's rules (``policies.py``) in the common engine,
through helpers the handlers call with Keystone's rule names (without ``identity:``).

- ``admin(ctx, action)``: a target with nothing in it (only the rule's admin or
  system-scope parts can pass);
- ``admin_or_self(ctx, user_id, action)``: the user ``user_id`` (and what it owns) is
  the target;
- ``admin_or_project_member(ctx, project_id, action)``: the project is the target;
- ``deny(action)``: the 403 of a check a handler makes itself.

A rule name Keystone does not have is decided by ``admin_required``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, PocketError
from pocketstack.common.policy import Enforcer
from pocketstack.identity.policies import RULES


def deny(action: str) -> Forbidden:
    return Forbidden(f"You are not authorized to perform the requested action: identity:{action}.")


def _deny_rule(rule: str) -> Forbidden:
    return deny(rule.removeprefix("identity:"))


ENFORCER = Enforcer("identity", RULES, deny=_deny_rule)


def enforce(
    ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None, *, error: PocketError | None = None
) -> None:
    """The engine's call, as image, network and placement make it: ``rule`` (Keystone's
    full name, ``identity:get_user``) on ``target``; Keystone's 403 otherwise."""
    ENFORCER.enforce(ctx, rule, target, error=error)


def _check(ctx: RequestContext, action: str, target: Mapping[str, Any]) -> None:
    rule = f"identity:{action}"
    if rule in ENFORCER.defaults:
        enforce(ctx, rule, target)
    else:
        ENFORCER.enforce(ctx, "admin_required", target, error=deny(action))


def admin(ctx: RequestContext, action: str) -> None:
    _check(ctx, action, {})


def admin_or_self(ctx: RequestContext, user_id: str, action: str) -> None:
    _check(
        ctx,
        action,
        {
            "user_id": user_id,
            "target.user.id": user_id,
            "target.credential.user_id": user_id,
            "target.token.user_id": user_id,
        },
    )


def admin_or_project_member(ctx: RequestContext, project_id: str, action: str) -> None:
    _check(ctx, action, {"project_id": project_id, "target.project.id": project_id})


def is_admin(ctx: RequestContext) -> bool:
    """The ``admin_required`` rule: who this API's "all projects" views and admin checks take for
    an administrator (the service app sets the request context's ``admin`` from it)."""
    return ENFORCER.allowed(ctx, "admin_required")
