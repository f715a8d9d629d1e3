"""Who may do what, Neutron's defaults in functions of the RequestContext.

- readers (no member/admin role) may look but never change anything: 403;
- a project member sees and changes its own resources; another project's resources
  do not exist for it (404), except shared and external networks, which it may see;
- admins see and change everything and alone may set provider, shared, external and
  binding attributes or act for another project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pocketstack.common.context import RequestContext
from pocketstack.network import faults


def require_writer(ctx: RequestContext, action: str) -> None:
    if ctx.is_reader_only:
        raise faults.forbidden(action)


def require_admin(ctx: RequestContext, action: str) -> None:
    if not ctx.is_admin:
        raise faults.forbidden(action)


def is_service(ctx: RequestContext) -> bool:
    """An admin, or a user's request relayed by a cloud service (X-Service-Token with the
    service or admin role), as the compute agent does when it binds a user's port."""
    return ctx.is_admin or bool({"service", "admin"} & set(ctx.service_roles))


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


# An attribute without a default: any value given is "set" (Neutron's ATTR_NOT_SPECIFIED).
NO_DEFAULT: Final = _NoDefault()


def admin_attributes(
    ctx: RequestContext,
    action: str,
    body: dict[str, Any],
    defaults: Mapping[str, object],
    *,
    create: bool,
    services: bool = False,
) -> None:
    """Refuse, unless the caller is admin (or, with ``services``, a service acting for the
    user), each admin-only attribute of ``defaults`` that ``body`` sets explicitly.

    As Neutron's policy engine decides it: on create an attribute is set when its value
    differs from its default (a member may send ``"shared": false``), on update whenever
    it is in the body."""
    if ctx.is_admin or (services and is_service(ctx)):
        return
    for name, default in defaults.items():
        if name not in body:
            continue
        if create and default is not NO_DEFAULT and body[name] == default:
            continue
        raise faults.forbidden(f"{action}:{name}")


def owner_project(ctx: RequestContext, action: str, body: dict[str, Any]) -> str:
    """The project a new resource belongs to: the caller's unless an admin names another."""
    project = body.get("project_id") or body.get("tenant_id")
    if body.get("project_id") and body.get("tenant_id") and body["project_id"] != body["tenant_id"]:
        raise faults.bad_input("HTTPBadRequest", "'project_id' and 'tenant_id' do not match")
    if project and project != ctx.project_id:
        require_admin(ctx, f"{action}:project_id")
        return str(project)
    if not ctx.project_id:
        raise faults.bad_input("HTTPBadRequest", "A project-scoped token or an explicit project_id is required.")
    return ctx.project_id


def owns(ctx: RequestContext, project_id: str) -> bool:
    return ctx.is_admin or project_id == ctx.project_id


def sees_network(ctx: RequestContext, project_id: str, shared: bool, external: bool) -> bool:
    return owns(ctx, project_id) or shared or external
