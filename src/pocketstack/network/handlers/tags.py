"""/v2.0/{collection}/{id}/tags and /tags/{tag}"""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.network import faults, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.objects import tags
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


def _target(request: Request) -> tuple[str, str]:
    collection = request.path.strip("/").split("/")[1]
    ident = next(v for k, v in request.path_params.items() if k != "tag")
    return collection, ident


async def index(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    return json_response({"tags": await tags.get(deps.db, request.context, collection, ident)})


async def show(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    tag = request.path_params["tag"]
    if tag not in await tags.get(deps.db, request.context, collection, ident):
        raise faults.not_found_text("TagNotFound", f"Tag {tag} could not be found for {collection} {ident}.")
    return empty()


async def replace(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    data: Any = await request.json()
    try:
        validate(schemas.TAGS_REPLACE, data)
    except Invalid as exc:
        raise faults.bad_input("HTTPBadRequest", exc.message) from None
    for tag in data["tags"]:
        tags.check_tag(tag)
    result = await tags.change(deps.db, request.context, collection, ident, lambda _old: list(data["tags"]))
    return json_response({"tags": result})


async def add(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    tag = request.path_params["tag"]
    tags.check_tag(tag)
    await tags.change(deps.db, request.context, collection, ident, lambda old: old if tag in old else [*old, tag])
    return empty(201)


async def remove(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    tag = request.path_params["tag"]
    if tag not in await tags.get(deps.db, request.context, collection, ident):
        raise faults.not_found_text("TagNotFound", f"Tag {tag} could not be found for {collection} {ident}.")
    await tags.change(deps.db, request.context, collection, ident, lambda old: [t for t in old if t != tag], "delete")
    return empty()


async def clear(deps: Deps, request: Request) -> Response:
    collection, ident = _target(request)
    await tags.change(deps.db, request.context, collection, ident, lambda _old: [], "delete")
    return empty()
