"""/v2.0/quotas: per-project limits (admins change them; members read their own)."""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of
from pocketstack.network.objects import quotas
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _may_read(ctx: RequestContext, project_id: str) -> None:
    policy.enforce(ctx, "get_quota", policy.owned(project_id))


async def index(deps: Deps, request: Request) -> Response:
    # Every project's quotas: get_quota on no project in particular (admins, by default).
    policy.enforce(request.context, "get_quota", policy.owned(None))
    async with deps.db.reader() as session:
        projects = await quotas.projects_with_quotas(session)
        items = [{**await quotas.limits(session, p), "project_id": p, "tenant_id": p} for p in projects]
    return json_response({"quotas": items})


async def show(deps: Deps, request: Request) -> Response:
    project_id = request.path_params["project_id"]
    _may_read(request.context, project_id)
    async with deps.db.reader() as session:
        return json_response({"quota": await quotas.limits(session, project_id)})


async def defaults(deps: Deps, request: Request) -> Response:
    _may_read(request.context, request.path_params["project_id"])
    return json_response({"quota": dict(quotas.DEFAULTS)})


async def details(deps: Deps, request: Request) -> Response:
    project_id = request.path_params["project_id"]
    _may_read(request.context, project_id)
    async with deps.db.reader() as session:
        return json_response({"quota": await quotas.details(session, project_id)})


async def update(deps: Deps, request: Request) -> Response:
    policy.enforce(request.context, "update_quota", policy.owned(request.path_params["project_id"]))
    values = await body_of(request, "quota", schemas.QUOTA_UPDATE)
    values.pop("force", None)
    async with deps.db.writer() as session:
        result = await quotas.set_limits(session, request.path_params["project_id"], values)
    return json_response({"quota": result})


async def delete(deps: Deps, request: Request) -> Response:
    policy.enforce(request.context, "delete_quota", policy.owned(request.path_params["project_id"]))
    async with deps.db.writer() as session:
        await quotas.reset(session, request.path_params["project_id"])
    return empty()
