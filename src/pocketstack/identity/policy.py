"""Who may do what in identity, after Keystone's default roles.

- admin: everything (project-, domain- or system-scoped admin, as Keystone's legacy
  ``admin_required`` rule does).
- member/reader: read themselves, their own projects and the catalog; manage their own
  application credentials and password. Everything else is 403.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden


def deny(action: str) -> Forbidden:
    return Forbidden(f"You are not authorized to perform the requested action: identity:{action}.")


def admin(ctx: RequestContext, action: str) -> None:
    if not ctx.is_admin:
        raise deny(action)


def admin_or_self(ctx: RequestContext, user_id: str, action: str) -> None:
    if not ctx.is_admin and ctx.user_id != user_id:
        raise deny(action)


def admin_or_project_member(ctx: RequestContext, project_id: str, action: str) -> None:
    if not ctx.is_admin and ctx.project_id != project_id:
        raise deny(action)
