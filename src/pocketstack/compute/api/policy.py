"""Who may do what in the compute API (Nova's default policies, in short).

Readers may look, members may act on their own project's resources, admins on anything.
Functions raise Forbidden; a resource of another project is reported NotFound by the
object lookups instead, so its existence is not revealed.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden


def _deny(rule: str) -> Forbidden:
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")


def admin(ctx: RequestContext, rule: str) -> None:
    if not ctx.is_admin:
        raise _deny(rule)


def reader(ctx: RequestContext, rule: str) -> None:
    if not (ctx.is_admin or ctx.has_role("reader") or ctx.has_role("member")):
        raise _deny(rule)


def member(ctx: RequestContext, rule: str) -> None:
    """Write access to the caller's own project's resources."""
    if not (ctx.is_admin or ctx.has_role("member")):
        raise _deny(rule)


def owner(ctx: RequestContext, project_id: str, rule: str) -> None:
    """Write access to a resource of ``project_id``."""
    member(ctx, rule)
    if not ctx.is_admin and ctx.project_id != project_id:
        raise _deny(rule)
