"""Helpers every placement handler shares: policy, body validation, responses, links."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import uuid as uuidlib
from typing import Any

from pocketstack.common import errors as e
from pocketstack.common.context import RequestContext
from pocketstack.common.timeutils import UTC, utcnow
from pocketstack.db import Database
from pocketstack.placement import policy
from pocketstack.placement.objects.providers import Provider
from pocketstack.placement.versions import at_least, version
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

BAD_VALUE = "placement.query.bad_value"


def authorize(request: Request, rule: str, target: dict[str, Any] | None = None) -> RequestContext:
    policy.enforce(request.context, rule, target)
    return request.context


def need(request: Request, minimum: str) -> None:
    """Routes newer than the requested microversion do not exist for that caller."""
    if not at_least(request, minimum):
        raise e.NotFound(f"The resource could not be found at microversion {version(request)}.")


async def body(request: Request, schema: dict[str, Any]) -> Any:
    data = await request.json()
    return validate(schema, data)


def db(request: Request) -> Database:
    """The placement database, put in the ASGI scope by the service."""
    database: Database = request.scope["placement.db"]
    return database


def check_keys(request: Request, allowed: set[str]) -> None:
    unknown = sorted(k for k in request.query if k not in allowed)
    if unknown:
        raise e.Invalid(
            f"Invalid query string parameters: Additional properties are not allowed ('{unknown[0]}' was unexpected)",
            kind=BAD_VALUE,
        )


def query(request: Request, allowed: set[str] | re.Pattern[str]) -> dict[str, str]:
    """The query string as single values; unknown or repeated keys are a 400."""
    out: dict[str, str] = {}
    for key, values in request.query.items():
        known = key in allowed if isinstance(allowed, set) else bool(allowed.match(key))
        if not known:
            raise e.Invalid(
                f"Invalid query string parameters: Additional properties are not allowed ('{key}' was unexpected)",
                kind=BAD_VALUE,
            )
        if len(values) > 1:
            raise e.Invalid(f"Query parameter {key!r} may be given only once.", kind="placement.query.duplicate_key")
        out[key] = values[0]
    return out


def check_uuid(value: str, what: str = "uuid") -> str:
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        raise e.Invalid(f"Invalid {what}: {value!r} is not a UUID.", kind=BAD_VALUE) from None


def http_date(value: dt.datetime | None) -> str:
    value = (value or utcnow()).replace(tzinfo=UTC)
    return email.utils.format_datetime(value, usegmt=True)


def respond(
    request: Request,
    data: Any,
    status: int = 200,
    *,
    modified: dt.datetime | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    response = json_response(data, status, headers=headers)
    if at_least(request, "1.15") and request.method == "GET":
        response.headers += [("cache-control", "no-cache"), ("last-modified", http_date(modified))]
    return response


def no_content(request: Request, headers: list[tuple[str, str]] | None = None) -> Response:
    return empty(204, headers)


def prefix(request: Request) -> str:
    """The path placement is mounted at (``/placement``) for the relative links Placement returns."""
    return str(request.scope.get("root_path", ""))


def provider_view(request: Request, p: Provider) -> dict[str, Any]:
    base = f"{prefix(request)}/resource_providers/{p.uuid}"
    links = [
        {"rel": "self", "href": base},
        {"rel": "inventories", "href": f"{base}/inventories"},
        {"rel": "usages", "href": f"{base}/usages"},
    ]
    if at_least(request, "1.1"):
        links.append({"rel": "aggregates", "href": f"{base}/aggregates"})
    if at_least(request, "1.6"):
        links.append({"rel": "traits", "href": f"{base}/traits"})
    if at_least(request, "1.11"):
        links.append({"rel": "allocations", "href": f"{base}/allocations"})
    view: dict[str, Any] = {"uuid": p.uuid, "name": p.name, "generation": p.generation, "links": links}
    if at_least(request, "1.14"):
        view["parent_provider_uuid"] = p.parent_provider_uuid
        view["root_provider_uuid"] = p.root_provider_uuid
    return view
