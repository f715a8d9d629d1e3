"""Who may do what (Cinder's default rules, simplified to three personas).

Members of a project manage its volumes, snapshots and attachments; a caller with only
the reader role reads but never writes; admins see and do everything, and alone manage
volume types, quotas, status resets and forced deletes. Another project's volume is
"not found", so its existence does not leak.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, Invalid, NotFound


def writer(ctx: RequestContext, action: str) -> None:
    if ctx.is_reader_only:
        raise Forbidden(f"Policy doesn't allow {action} to be performed.")


def admin(ctx: RequestContext, action: str) -> None:
    if not ctx.is_admin:
        raise Forbidden(f"Policy doesn't allow {action} to be performed.")


def owns(ctx: RequestContext, project_id: str) -> bool:
    return ctx.is_admin or ctx.project_id == project_id


def visible(ctx: RequestContext, project_id: str, what: str, ident: str) -> None:
    if not owns(ctx, project_id):
        raise NotFound(f"{what} {ident} could not be found.")


def path_project(ctx: RequestContext, project_id: str | None) -> None:
    """A project id in the URL must be the caller's own (admins may name any)."""
    if project_id is not None and not ctx.is_admin and project_id != ctx.project_id:
        raise Invalid("Malformed request url: the project id in the URL is not the project of the token.")
