"""Request envelopes and responses shared by every handler."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.network import faults, query
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response
from pocketstack.web.validation import validate


async def body_of(request: Request, key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``{key: {...}}`` resource of the body, validated against ``schema``."""
    data = await request.json()
    if not isinstance(data, dict) or key not in data:
        raise faults.bad_input("HTTPBadRequest", f"Unable to find '{key}' in request body")
    item = data[key]
    if not isinstance(item, dict):
        raise faults.bad_input("HTTPBadRequest", f"The '{key}' in the request body must be an object")
    try:
        validate(schema, item)
    except Invalid as exc:
        raise faults.bad_input("HTTPBadRequest", exc.message) from None
    return item


def _fields(request: Request) -> list[str]:
    return [f for value in request.params("fields") for f in value.split(",") if f]


def one(request: Request, key: str, data: dict[str, Any], status: int = 200) -> Response:
    fields = _fields(request)
    if fields:
        data = {k: v for k, v in data.items() if k in fields}
    return json_response({key: data}, status)


def many(request: Request, collection: str, noun: str, items: list[dict[str, Any]]) -> Response:
    return json_response(query.apply(request, items, collection, noun))
