"""Server groups (affinity, anti-affinity and soft variants) and external events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from pocketstack.common.errors import Invalid, NotFound, QuotaExceeded
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Instance, Migration, ServerGroup
from pocketstack.compute.objects import actions, quotas
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


def _view(request: Request, g: ServerGroup, live: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": g.uuid, "name": g.name, "members": live, "metadata": {}}
    if at_least(request, 64):
        data.update({"policy": g.policy, "rules": g.rules or {}})
        data.pop("metadata")
    else:
        data["policies"] = [g.policy]
    if at_least(request, 13):
        data.update({"project_id": g.project_id, "user_id": g.user_id})
    return data


async def _live_members(request: Request, g: ServerGroup) -> list[str]:
    if not g.members:
        return []
    async with service(request).db.reader() as s:
        alive = set(
            await s.scalars(select(Instance.uuid).where(Instance.uuid.in_(g.members), Instance.deleted.is_(False)))
        )
    return [m for m in g.members if m in alive]


async def index(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:os-server-groups:index")
    query = select(ServerGroup).order_by(ServerGroup.id)
    if not (ctx.is_admin and request.param("all_projects")):
        query = query.where(ServerGroup.project_id == ctx.project_id)
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(query))
    return json_response({"server_groups": [_view(request, g, await _live_members(request, g)) for g in rows]})


async def _get(request: Request) -> ServerGroup:
    ctx = request.context
    async with service(request).db.reader() as s:
        g = await s.scalar(select(ServerGroup).where(ServerGroup.uuid == request.path_params["group_id"]))
    if g is None or (g.project_id != ctx.project_id and not ctx.is_admin):
        raise NotFound(f"Instance group {request.path_params['group_id']} could not be found.")
    return g


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-server-groups:show")
    g = await _get(request)
    return json_response({"server_group": _view(request, g, await _live_members(request, g))})


async def create(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-server-groups:create")
    data = validate(schemas.SERVER_GROUP_CREATE, await body(request))["server_group"]
    if at_least(request, 64):
        if "policies" in data or "policy" not in data:
            raise Invalid(
                "Invalid input for field/attribute server_group: 'policy' is required from 2.64 "
                "('policies' was removed)"
            )
        pol, rules = data["policy"], data.get("rules") or {}
        if rules and pol != "anti-affinity":
            raise Invalid("Only anti-affinity policy supports rules.")
    else:
        if "policy" in data or "rules" in data or "policies" not in data:
            raise Invalid("Invalid input for field/attribute server_group: 'policies' is a required property")
        pol, rules = data["policies"][0], {}
        if pol.startswith("soft") and not at_least(request, 15):
            raise Invalid(f"Policy {pol} needs microversion 2.15")
    svc = service(request)
    limit = (await quotas.limits(svc.db, ctx.project_id or ""))["server_groups"]
    async with svc.db.writer() as s:
        await quotas.lock_project(s, ctx.project_id or "")
        used = await s.scalar(
            select(func.count()).select_from(ServerGroup).where(ServerGroup.project_id == ctx.project_id)
        )
        if 0 <= limit <= (used or 0):
            raise QuotaExceeded("Quota exceeded, too many server groups.", kind="server_groups")
        g = ServerGroup(
            name=data["name"],
            project_id=ctx.project_id or "",
            user_id=ctx.user_id or "",
            policy=pol,
            rules={k: schemas.bounded_int(k, v) for k, v in rules.items()},
            members=[],
        )
        s.add(g)
    return json_response({"server_group": _view(request, g, [])})


async def delete(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-server-groups:delete")
    g = await _get(request)
    policy.owner(request.context, g.project_id, "os_compute_api:os-server-groups:delete")
    async with service(request).db.writer() as s:
        row = await s.scalar(select(ServerGroup).where(ServerGroup.uuid == g.uuid))
        if row is not None:
            await s.delete(row)
    return empty(204)


async def external_events(request: Request) -> Response:
    """POST /os-server-external-events: the network/volume services tell compute things."""
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-server-external-events:create")
    events = validate(schemas.EXTERNAL_EVENTS, await body(request))["events"]
    svc = service(request)
    uuids = {e["server_uuid"] for e in events}
    async with svc.db.reader() as s:
        hosts = {
            i.uuid: i.host
            for i in await s.scalars(select(Instance).where(Instance.uuid.in_(uuids), Instance.deleted.is_(False)))
        }
        # A server being resized or migrated: its ports are bound on the other host of
        # the move meanwhile, whose agent waits for the event too (as in Nova).
        moving = await s.execute(
            select(Migration.instance_uuid, Migration.source_compute, Migration.dest_compute).where(
                Migration.instance_uuid.in_(uuids), Migration.status.in_(("migrating", "post-migrating", "reverting"))
            )
        )
        also: dict[str, set[str]] = {}
        for uuid, source, dest in moving:
            also.setdefault(uuid, set()).update(h for h in (source, dest) if h)
    # Nova records an extend_volume action on the server for each volume-extended event
    # (the agent adds its compute_extend_volume event to it).
    extended = sorted(
        {e["server_uuid"] for e in events if e["name"] == "volume-extended" and hosts.get(e["server_uuid"])}
    )
    if extended:
        async with svc.db.writer() as s:
            await actions.start_actions(s, extended, "extend_volume", ctx.to_dict())
    results = []
    for ev in events:
        item = {"server_uuid": ev["server_uuid"], "name": ev["name"], "status": ev.get("status", "completed")}
        if "tag" in ev:
            item["tag"] = ev["tag"]
        host = hosts.get(ev["server_uuid"])
        if ev["server_uuid"] not in hosts:
            item["code"] = 404
        elif not host:
            item["code"] = 422
        else:
            item["code"] = 200
            for target in sorted({host} | also.get(ev["server_uuid"], set())):
                await svc.compute_api.external_instance_event(
                    ctx,
                    target,
                    instance_uuid=ev["server_uuid"],
                    name=ev["name"],
                    tag=ev.get("tag"),
                    status=item["status"],
                )
        results.append(item)
    codes = {r["code"] for r in results}
    status = 200 if codes == {200} else (404 if codes == {404} else 207)
    return json_response({"events": results}, status)
