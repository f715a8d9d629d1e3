"""/resource_providers/{uuid}/usages and /usages?project_id=."""

from __future__ import annotations

from typing import Any

from pocketstack.common import errors as e
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import allocations, providers
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response


async def for_provider(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:usages")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        used = await allocations.provider_usages(session, p.id)
    return common.respond(
        request, {"usages": used, "resource_provider_generation": p.generation}, modified=p.updated_at
    )


async def for_project(request: Request) -> Response:
    common.need(request, "1.9")
    # The project asked about is the target: its own readers may see its usages.
    common.authorize(request, "placement:usages", {"project_id": request.param("project_id")})
    allowed = {"project_id", "user_id"} | ({"consumer_type"} if at_least(request, "1.38") else set())
    q = common.query(request, allowed)
    if not q.get("project_id"):
        raise e.Invalid(
            "Invalid query string parameters: 'project_id' is a required property", kind="placement.query.missing_value"
        )
    consumer_type = q.get("consumer_type")
    async with common.db(request).reader() as session:
        groups = await allocations.project_usages(session, q["project_id"], q.get("user_id"), consumer_type)
    if not at_least(request, "1.38"):
        total: dict[str, int] = {}
        for group in groups.values():
            for rc, n in group.items():
                if rc != "consumer_count":
                    total[rc] = total.get(rc, 0) + n
        return common.respond(request, {"usages": total})
    if consumer_type == "all":
        everything: dict[str, int] = {}
        for group in groups.values():
            for rc, n in group.items():
                everything[rc] = everything.get(rc, 0) + n
        return common.respond(request, {"usages": {"all": everything} if everything else {}})
    out: dict[str, Any] = dict(groups)
    return common.respond(request, {"usages": out})
