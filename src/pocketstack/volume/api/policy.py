"""Who may do what in the volume API: Cinder's rules (``policies.py``) in the common
engine, through helpers the handlers call with Cinder's rule names.

- ``reader(ctx, rule)``: the caller's own project is the target, read access (a caller
  with a role on the project that no rule names reads nothing);
- ``writer(ctx, rule)``: the caller's own project is the target (a caller with only the
  reader role reads but never writes);
- ``admin(ctx, rule)``: the target is owned by no one, so only the rule's admin parts
  pass (volume types, quotas, status resets, forced deletes, ...).

A rule name Cinder does not have is decided by the helper's alias
(``xena_system_admin_or_project_member``, ``admin_api``). Another project's volume is
"not found" (``visible``), so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, Invalid, NotFound, PocketError
from pocketstack.common.policy import Enforcer
from pocketstack.volume.api.policies import RULES


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")


ENFORCER = Enforcer("volume", RULES, deny=_deny)
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


def reader(ctx: RequestContext, action: str) -> None:
    """Read access to the caller's own project's things (a reader, member or admin)."""
    _check(ctx, action, None, "xena_system_admin_or_project_reader")


def writer(ctx: RequestContext, action: str) -> None:
    _check(ctx, action, None, "xena_system_admin_or_project_member")


def admin(ctx: RequestContext, action: str) -> None:
    _check(ctx, action, _NO_OWNER, "admin_api")


def allowed(ctx: RequestContext, action: str) -> bool:
    """Whether ``action``, a rule owned by no one (an admin rule), lets the caller through."""
    return ENFORCER.allowed(ctx, action, _NO_OWNER)


def owns(ctx: RequestContext, project_id: str) -> bool:
    return ctx.is_admin or ctx.project_id == project_id


def visible(ctx: RequestContext, project_id: str, what: str, ident: str) -> None:
    if not owns(ctx, project_id):
        raise NotFound(f"{what} {ident} could not be found.")


def path_project(ctx: RequestContext, project_id: str | None) -> None:
    """A project id in the URL must be the caller's own (admins may name any)."""
    if project_id is not None and not ctx.is_admin and project_id != ctx.project_id:
        raise Invalid("Malformed request url: the project id in the URL is not the project of the token.")


def is_admin(ctx: RequestContext) -> bool:
    """The ``context_is_admin`` rule: who this API's "all projects" views and admin checks take for
    an administrator (the service app sets the request context's ``admin`` from it)."""
    return ENFORCER.allowed(ctx, "context_is_admin")
