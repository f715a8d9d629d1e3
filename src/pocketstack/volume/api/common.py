"""Helpers every volume handler shares: deps, microversion gates, body parsing."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume.api import policy
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.listing import Page, parse_sort
from pocketstack.web.microversion import Version
from pocketstack.web.request import Request
from pocketstack.web.validation import validate

MIN_VERSION = Version(3, 0)
MAX_VERSION = Version(3, 71)
_TRUE = ("true", "1", "yes", "y", "on", "t")
_FALSE = ("false", "0", "no", "n", "off", "f")


def deps(request: Request) -> VolumeDeps:
    found: VolumeDeps = request.scope["pocketstack.volume"]
    return found


def version(request: Request) -> Version:
    found = request.state.get("version")
    return found if isinstance(found, Version) else MIN_VERSION


def at_least(request: Request, minor: int) -> bool:
    return version(request) >= Version(3, minor)


def require(request: Request, minor: int) -> None:
    """Calls added in 3.``minor`` do not exist for older requests (Cinder answers 404)."""
    if not at_least(request, minor):
        raise NotFound(f"The resource could not be found: {request.path} needs microversion 3.{minor} or later.")


def context(request: Request) -> Any:
    """The caller's context, after checking a project id in the path is theirs."""
    ctx = request.context
    policy.path_project(ctx, request.path_params.get("project_id"))
    return ctx


async def body(request: Request, schema: dict[str, Any]) -> Any:
    return validate(schema, await request.json())


def to_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise Invalid(f"Invalid input for field/attribute {field}. Value: {value!r}. It must be a boolean.")


def to_size(value: Any, field: str = "size") -> int | None:
    """Cinder's size rules: an integer (or a string of one) of at least 1."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Invalid(f"Invalid input received: {field} must be an integer and greater than 0, not {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            raise Invalid(f"Invalid input received: {field} '{value}' must be an integer and greater than 0.")
        value = int(text)
    if not isinstance(value, int) or value < 1:
        raise Invalid(f"Invalid input received: {field} '{value}' must be an integer and greater than 0.")
    if value > 2**31 - 1:
        raise Invalid(f"Invalid input received: {field} '{value}' is too large.")
    return value


def all_projects(request: Request) -> bool:
    raw = request.param("all_tenants") or request.param("all_projects")
    if raw is None:
        return False
    return raw.strip().lower() in ("", *_TRUE)


def page(request: Request, allowed: tuple[str, ...]) -> Page:
    limit = request.int_param("limit", None, minimum=0)
    offset = request.int_param("offset", 0, minimum=0) or 0
    sort = parse_sort(request.param("sort"), request.params("sort_key"), request.params("sort_dir"), allowed)
    return Page(sort=sort, limit=limit, marker=request.param("marker"), offset=offset)


def metadata_filter(request: Request) -> dict[str, str]:
    """``metadata={'k': 'v'}`` (as the CLI sends it) or JSON."""
    return dict_param(request, "metadata")


def dict_param(request: Request, name: str) -> dict[str, str]:
    """A query parameter holding a dictionary, as JSON or a Python literal."""
    raw = request.param(name)
    if not raw:
        return {}
    import ast
    import json

    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    raise Invalid(f"Invalid input received: {name} filter {raw!r} is not a dictionary.")


def next_link(request: Request, collection: str, marker: str) -> list[dict[str, str]]:
    query = [(k, v) for k, values in request.query.items() if k != "marker" for v in values]
    query.append(("marker", marker))
    from urllib.parse import urlencode

    return [{"rel": "next", "href": f"{request.base_url}/v3/{collection}?{urlencode(query)}"}]
