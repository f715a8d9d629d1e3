"""Who may do what in the compute API: Nova's rules (``policies.py``) in the common
engine, through four helpers the handlers call with Nova's rule names.

- ``reader(ctx, rule)`` / ``member(ctx, rule)``: the caller's own project is the target;
- ``owner(ctx, project_id, rule)``: a resource of ``project_id`` is the target;
- ``admin(ctx, rule)``: the target is owned by no one (the call concerns another
  project's or user's things), so only the rule's admin or service parts can pass.

A resource of another project is reported NotFound by the object lookups, so its
existence is not revealed; a denied rule is a 403. A rule name Nova does not have is
decided by the helper's alias (context_is_admin, project_reader_or_admin,
project_member_or_admin), which an operator may override like any rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, PocketError
from pocketstack.common.policy import Enforcer
from pocketstack.compute.api.policies import RULES


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")


ENFORCER = Enforcer("compute", RULES, deny=_deny)
_NO_OWNER: Mapping[str, Any] = {"project_id": None, "user_id": None}


def enforce(
    ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None, *, error: PocketError | None = None
) -> None:
    """The engine's call, as image, network and placement make it: ``rule`` (a listed
    name) on ``target`` (None: the caller's own project), the service's 403 otherwise."""
    ENFORCER.enforce(ctx, rule, target, error=error)


def _check(ctx: RequestContext, rule: str, target: Mapping[str, Any] | None, alias: str) -> None:
    if rule in ENFORCER.defaults:
        enforce(ctx, rule, target)
    else:
        ENFORCER.enforce(ctx, alias, target, error=_deny(rule))


def admin(ctx: RequestContext, rule: str) -> None:
    _check(ctx, rule, _NO_OWNER, "context_is_admin")


def reader(ctx: RequestContext, rule: str) -> None:
    _check(ctx, rule, None, "project_reader_or_admin")


def member(ctx: RequestContext, rule: str) -> None:
    """Write access to the caller's own project's resources."""
    _check(ctx, rule, None, "project_member_or_admin")


def owner(ctx: RequestContext, project_id: str, rule: str) -> None:
    """Write access to a resource of ``project_id``."""
    _check(ctx, rule, {"project_id": project_id, "user_id": None}, "project_member_or_admin")


def is_admin(ctx: RequestContext) -> bool:
    """The ``context_is_admin`` rule: who this API's "all projects" views and admin checks take for
    an administrator (the service app sets the request context's ``admin`` from it)."""
    return ENFORCER.allowed(ctx, "context_is_admin")
