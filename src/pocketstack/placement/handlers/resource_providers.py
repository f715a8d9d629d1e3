"""/resource_providers and /resource_providers/{uuid}."""

from __future__ import annotations

from pocketstack.placement import schemas
from pocketstack.placement.handlers import common, qparams
from pocketstack.placement.objects import names, providers
from pocketstack.placement.objects.filters import TraitFilter
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response


async def list_providers(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:list")
    allowed = {"name", "uuid"}
    for key, minimum in (("member_of", "1.3"), ("resources", "1.4"), ("in_tree", "1.14"), ("required", "1.18")):
        if at_least(request, minimum):
            allowed.add(key)
    common.check_keys(request, allowed)
    q = providers.ProviderQuery(name=request.param("name"))
    if request.param("uuid") is not None:
        q.uuid = common.check_uuid(request.param("uuid") or "")
    if request.param("in_tree") is not None:
        q.in_tree = common.check_uuid(request.param("in_tree") or "", "in_tree")
    if request.params("member_of"):
        q.aggregates = qparams.member_of(
            request.params("member_of"),
            "member_of",
            many_ok=at_least(request, "1.24"),
            forbidden_ok=at_least(request, "1.32"),
        )
    db = common.db(request)
    async with db.reader() as session:
        if request.param("resources") is not None:
            wanted = qparams.resources(request.param("resources") or "")
            ids = await names.class_ids(session, wanted)
            q.resources = {ids[rc]: n for rc, n in wanted.items()}
        if request.params("required"):
            req, any_of, forbidden = qparams.traits(
                request.params("required"),
                "required",
                forbidden_ok=at_least(request, "1.22"),
                any_ok=at_least(request, "1.39"),
            )
            tids = await names.trait_ids(session, req | forbidden | set().union(*any_of, set()))
            q.traits = TraitFilter(
                {tids[t] for t in req}, [{tids[t] for t in s} for s in any_of], {tids[t] for t in forbidden}
            )
        found = await providers.list_(session, q)
    latest = max((p.updated_at for p in found if p.updated_at), default=None)
    return common.respond(
        request, {"resource_providers": [common.provider_view(request, p) for p in found]}, modified=latest
    )


async def create(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:create")
    data = await common.body(request, schemas.provider_create(parent=at_least(request, "1.14")))
    async with common.db(request).writer() as session:
        p = await providers.create(session, data["name"], data.get("uuid"), data.get("parent_provider_uuid"))
    location = [("location", f"{common.prefix(request)}/resource_providers/{p.uuid}")]
    if at_least(request, "1.20"):
        return common.respond(request, common.provider_view(request, p), 200, headers=location)
    return Response(201, b"", headers=location)


async def show(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:show")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
    return common.respond(request, common.provider_view(request, p), modified=p.updated_at)


async def update(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:update")
    data = await common.body(request, schemas.provider_update(parent=at_least(request, "1.14")))
    async with common.db(request).writer() as session:
        p = await providers.update_provider(
            session,
            request.path_params["uuid"],
            data["name"],
            data.get("parent_provider_uuid"),
            parent_given="parent_provider_uuid" in data,
            may_reparent=at_least(request, "1.37"),
        )
    return common.respond(request, common.provider_view(request, p))


async def delete(request: Request) -> Response:
    common.authorize(request, "placement:resource_providers:delete")
    async with common.db(request).writer() as session:
        await providers.delete_provider(session, request.path_params["uuid"])
    return common.no_content(request)
