"""/traits (1.6+) and /resource_providers/{uuid}/traits."""

from __future__ import annotations

from pocketstack.common import errors as e
from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import providers, traits
from pocketstack.web.request import Request
from pocketstack.web.response import Response


async def list_traits(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:traits:list")
    q = common.query(request, {"name", "associated"})
    in_names: list[str] | None = None
    startswith: str | None = None
    name = q.get("name")
    if name is not None:
        if name.startswith("in:"):
            in_names = [n.strip() for n in name[3:].split(",") if n.strip()]
        elif name.startswith("startswith:"):
            startswith = name[len("startswith:") :]
        else:
            raise e.Invalid(
                f"Badly formatted name parameter. Expected name query string parameter in form: "
                f'?name=[in|startswith]:[name1,name2|prefix]. Got: "{name}"',
                kind=common.BAD_VALUE,
            )
    associated = request.bool_param("associated") if "associated" in q else None
    async with common.db(request).reader() as session:
        found = await traits.list_traits(session, in_names=in_names, startswith=startswith, associated=associated)
    return common.respond(request, {"traits": found})


async def show(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:traits:show")
    async with common.db(request).reader() as session:
        if not await traits.exists_(session, request.path_params["name"]):
            raise e.NotFound(f"No such trait(s): {request.path_params['name']}.")
    return common.no_content(request)


async def put(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:traits:update")
    name = request.path_params["name"]
    async with common.db(request).writer() as session:
        created = await traits.create(session, name)
    location = [("location", f"{common.prefix(request)}/traits/{name}")]
    return Response(201, b"", headers=location) if created else common.no_content(request, location)


async def delete(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:traits:delete")
    async with common.db(request).writer() as session:
        await traits.delete_trait(session, request.path_params["name"])
    return common.no_content(request)


async def for_provider(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:resource_providers:traits:list")
    async with common.db(request).reader() as session:
        p = await providers.get(session, request.path_params["uuid"])
        names = await traits.of_provider(session, p.id)
    return common.respond(
        request, {"traits": names, "resource_provider_generation": p.generation}, modified=p.updated_at
    )


async def set_for_provider(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:resource_providers:traits:update")
    data = await common.body(request, schemas.PROVIDER_TRAITS)
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await traits.set_provider_traits(session, p, data["resource_provider_generation"], data["traits"])
        names = await traits.of_provider(session, p.id)
    return common.respond(request, {"traits": names, "resource_provider_generation": p.generation})


async def delete_for_provider(request: Request) -> Response:
    common.need(request, "1.6")
    common.authorize(request, "placement:resource_providers:traits:delete")
    async with common.db(request).writer() as session:
        p = await providers.get(session, request.path_params["uuid"])
        await traits.set_provider_traits(session, p, None, [])
    return common.no_content(request)
