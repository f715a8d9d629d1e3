"""/resource_classes (1.2+)."""

from __future__ import annotations

from pocketstack.placement import schemas
from pocketstack.placement.handlers import common
from pocketstack.placement.objects import resource_classes
from pocketstack.placement.versions import at_least
from pocketstack.web.request import Request
from pocketstack.web.response import Response


def _view(request: Request, name: str) -> dict[str, object]:
    return {"name": name, "links": [{"rel": "self", "href": f"{common.prefix(request)}/resource_classes/{name}"}]}


async def list_classes(request: Request) -> Response:
    common.need(request, "1.2")
    common.authorize(request, "placement:resource_classes:list")
    async with common.db(request).reader() as session:
        found = await resource_classes.list_classes(session)
    return common.respond(request, {"resource_classes": [_view(request, n) for n in found]})


async def create(request: Request) -> Response:
    common.need(request, "1.2")
    common.authorize(request, "placement:resource_classes:create")
    data = await common.body(request, schemas.RESOURCE_CLASS)
    async with common.db(request).writer() as session:
        await resource_classes.create(session, data["name"], exist_ok=False)
    return Response(201, b"", headers=[("location", f"{common.prefix(request)}/resource_classes/{data['name']}")])


async def show(request: Request) -> Response:
    common.need(request, "1.2")
    common.authorize(request, "placement:resource_classes:show")
    name = request.path_params["name"]
    async with common.db(request).reader() as session:
        await resource_classes.get_id(session, name)
    return common.respond(request, _view(request, name))


async def put(request: Request) -> Response:
    """1.2-1.6: rename a custom class. 1.7+: create it if missing (201), else 204."""
    common.need(request, "1.2")
    common.authorize(request, "placement:resource_classes:update")
    name = request.path_params["name"]
    if at_least(request, "1.7"):
        resource_classes.check_custom(name)
        async with common.db(request).writer() as session:
            created = await resource_classes.create(session, name, exist_ok=True)
        location = [("location", f"{common.prefix(request)}/resource_classes/{name}")]
        return Response(201, b"", headers=location) if created else common.no_content(request, location)
    data = await common.body(request, schemas.RESOURCE_CLASS)
    async with common.db(request).writer() as session:
        await resource_classes.rename(session, name, data["name"])
    return common.respond(request, _view(request, data["name"]))


async def delete(request: Request) -> Response:
    common.need(request, "1.2")
    common.authorize(request, "placement:resource_classes:delete")
    async with common.db(request).writer() as session:
        await resource_classes.delete_class(session, request.path_params["name"])
    return common.no_content(request)
