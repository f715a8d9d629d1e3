"""Request envelopes and responses shared by every handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pocketstack.common.errors import Invalid
from pocketstack.network import faults, query
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response
from pocketstack.web.validation import validate

log = logging.getLogger(__name__)
T = TypeVar("T")


def _checked(item: Any, key: str, schema: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise faults.bad_input("HTTPBadRequest", f"The '{key}' in the request body must be an object")
    try:
        validate(schema, item)
    except Invalid as exc:
        raise faults.bad_input("HTTPBadRequest", exc.message) from None
    return item


async def body_of(request: Request, key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``{key: {...}}`` resource of the body, validated against ``schema``."""
    data = await request.json()
    if not isinstance(data, dict) or key not in data:
        raise faults.bad_input("HTTPBadRequest", f"Unable to find '{key}' in request body")
    return _checked(data[key], key, schema)


async def bodies_of(
    request: Request, key: str, collection: str, schema: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    """The resources of a create: ``{key: {...}}``, or Neutron's bulk form
    ``{collection: [{...}, ...]}``; True with the latter."""
    data = await request.json()
    if not isinstance(data, dict) or key in data or collection not in data:
        return [await body_of(request, key, schema)], False
    items = data[collection]
    if not isinstance(items, list) or not items:
        raise faults.bad_input("HTTPBadRequest", f"'{collection}' must be a non-empty list of {key} objects")
    return [_checked(item, key, schema) for item in items], True


async def create_all(
    items: list[dict[str, Any]],
    make: Callable[[dict[str, Any]], Awaitable[T]],
    undo: Callable[[T], Awaitable[object]],
) -> list[T]:
    """Create every item, or none: a bulk create that fails part way deletes what it made
    (Neutron's bulk creates are all or nothing)."""
    made: list[T] = []
    try:
        for attrs in items:
            made.append(await make(attrs))
    except BaseException:
        for done in reversed(made):
            try:
                await undo(done)
            except Exception:
                log.exception("undoing part of a failed bulk create")
        raise
    return made


def created(request: Request, key: str, collection: str, items: list[dict[str, Any]], bulk: bool) -> Response:
    """201 with the one new resource, or with the list of a bulk create."""
    if bulk:
        return json_response({collection: items}, 201)
    return one(request, key, items[0], 201)


def _fields(request: Request) -> list[str]:
    return [f for value in request.params("fields") for f in value.split(",") if f]


def one(request: Request, key: str, data: dict[str, Any], status: int = 200) -> Response:
    fields = _fields(request)
    if fields:
        data = {k: v for k, v in data.items() if k in fields}
    return json_response({key: data}, status)


def many(request: Request, collection: str, noun: str, items: list[dict[str, Any]]) -> Response:
    return json_response(query.apply(request, items, collection, noun))
