"""A server's security groups: ``addSecurityGroup`` / ``removeSecurityGroup`` actions and
``GET /servers/{id}/os-security-groups``.

As in Nova with Neutron, the groups live on the server's ports: an action changes the
``security_groups`` of every port of the server (with port security on) through the
network API, then the server's record. A server without ports only has its record
changed, so its next ports get the groups.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import service
from pocketstack.compute.api.handlers import security_groups
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions, instances
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _group_name(name: str, args: Any) -> str:
    value = args.get("name") if isinstance(args, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"Invalid input for field/attribute {name}: 'name' is a required string")
    return value.strip()


async def change(request: Request, inst: Instance, name: str, args: Any) -> Response:
    """``addSecurityGroup`` or ``removeSecurityGroup`` (the caller checked ``owner``)."""
    ctx = request.context
    svc = service(request)
    group = _group_name(name, args)
    try:
        (group_id,) = await svc.network.security_group_ids(inst.project_id, [group], ctx.auth_token)
    except Invalid as exc:
        raise NotFound(exc.message) from None
    adding = name == "addSecurityGroup"
    for ref in inst.ports or []:
        port = await svc.network.get_port(ref["id"], ctx.auth_token)
        if not port.get("port_security_enabled", True):
            continue
        current = list(port.get("security_groups") or [])
        if adding and group_id in current:
            raise Invalid(f"Security group {group} is already associated with the instance {inst.uuid}")
        if not adding and group_id not in current:
            raise Invalid(f"Security group {group} not associated with the instance {inst.uuid}")
        wanted = [*current, group_id] if adding else [g for g in current if g != group_id]
        await svc.network.update_port(port["id"], {"security_groups": wanted}, ctx.auth_token)
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        names = list(row.security_groups or [])
        if not inst.ports:
            if adding and group in names:
                raise Invalid(f"Security group {group} is already associated with the instance {inst.uuid}")
            if not adding and group not in names:
                raise Invalid(f"Security group {group} not associated with the instance {inst.uuid}")
        row.security_groups = [*names, group] if adding and group not in names else [n for n in names if n != group]
        actions.start_action(s, inst.uuid, name, ctx.to_dict())
    return empty(202)


async def index(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.reader(ctx, "os_compute_api:os-security-groups:list")
    wanted = list(inst.security_groups or ["default"])
    ids = await svc.network.security_group_ids(inst.project_id, wanted, ctx.auth_token)
    groups = [await svc.network.get_security_group(group_id, ctx.auth_token) for group_id in ids]
    names = security_groups.remote_names(groups)
    return json_response({"security_groups": [security_groups.group_view(g, names) for g in groups]})
