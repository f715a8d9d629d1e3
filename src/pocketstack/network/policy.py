"""Who may do what in the network service: Neutron's rules (``policies.py``) in the
common engine, with Neutron's targets.

As in Neutron: a resource the caller may not ``get_<resource>`` does not exist for it
(404); one it sees but may not change is a 403 ``PolicyNotAuthorized``; an attribute
rule (``create_network:shared``) is checked for each such attribute the body sets.
``is_admin`` (all projects' resources, admin-only fields) is the ``context_is_admin`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.common.policy import Enforcer
from pocketstack.network import faults
from pocketstack.network.policies import RULES

ENFORCER = Enforcer("network", RULES, deny=faults.forbidden)


def enforce(
    ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None, *, error: PocketError | None = None
) -> None:
    ENFORCER.enforce(ctx, rule, target, error=error)


def allowed(ctx: RequestContext, rule: str, target: Mapping[str, Any] | None = None) -> bool:
    return ENFORCER.allowed(ctx, rule, target)


def is_admin(ctx: RequestContext) -> bool:
    return ENFORCER.allowed(ctx, "context_is_admin")


# -- targets: what Neutron's rules see of a resource ---------------------------------


def owned(project_id: str | None, **attributes: Any) -> dict[str, Any]:
    """A resource of ``project_id`` (``tenant_id`` too: older rules name it so)."""
    return {"project_id": project_id, "tenant_id": project_id, **attributes}


def network_target(project_id: str | None, shared: bool, external: bool) -> dict[str, Any]:
    return owned(project_id, shared=shared, **{"router:external": external})


def on_network(project_id: str | None, network: Any, **attributes: Any) -> dict[str, Any]:
    """A subnet or port of ``network``: its owner is ``network:project_id``; ``shared``
    and ``router:external`` are the network's (Neutron's ``shared``/``external_network``)."""
    return owned(
        project_id,
        shared=bool(network.shared),
        **{"router:external": bool(network.external), "network:project_id": network.project_id},
        **attributes,
    )


# -- attribute rules -------------------------------------------------------------------


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


# An attribute without a default: any value given is "set" (Neutron's ATTR_NOT_SPECIFIED).
NO_DEFAULT: Final = _NoDefault()


def check_attributes(
    ctx: RequestContext,
    action: str,
    body: dict[str, Any],
    defaults: Mapping[str, object],
    target: Mapping[str, Any],
    *,
    create: bool,
) -> None:
    """Enforce ``{action}:{attribute}`` for each attribute of ``defaults`` the body sets.

    As Neutron's policy engine decides "set": on create an attribute is set when its
    value differs from its default (a member may send ``"shared": false``), on update
    whenever it is in the body."""
    for name, default in defaults.items():
        if name not in body:
            continue
        if create and default is not NO_DEFAULT and body[name] == default:
            continue
        enforce(ctx, f"{action}:{name}", {**target, name: body[name]})


def owner_project(ctx: RequestContext, action: str, body: dict[str, Any]) -> str:
    """The project a new resource belongs to: the caller's unless an admin names another
    (Neutron refuses another project to non-admins in its API layer, not by a rule)."""
    project = body.get("project_id") or body.get("tenant_id")
    if body.get("project_id") and body.get("tenant_id") and body["project_id"] != body["tenant_id"]:
        raise faults.bad_input("HTTPBadRequest", "'project_id' and 'tenant_id' do not match")
    if project and project != ctx.project_id:
        if not is_admin(ctx):
            raise faults.forbidden(f"{action}:project_id")
        return str(project)
    if not ctx.project_id:
        raise faults.bad_input("HTTPBadRequest", "A project-scoped token or an explicit project_id is required.")
    return ctx.project_id
