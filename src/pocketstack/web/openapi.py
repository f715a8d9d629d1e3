"""OpenAPI 3.1 documents generated from a service's route table.

``GET /<service>/openapi.json`` (no token) describes every route of the service: its
path parameters, whether it needs ``X-Auth-Token``, the microversion header when the
API has microversions, the JSON Schema of the request body the handler validates with
(declared per service in ``<service>/openapi.py`` as ``REQUEST_BODIES``, keyed by method
and pattern, never guessed from the handler), and the responses: any 2xx, and every
error status with the body shape of the service's error format (``web/errors.py``).

The fuzz tests (tests/api/test_fuzz_openapi.py) generate requests from these documents
and hold every answer to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pocketstack.web.errors import STATUS, TITLES, error_schema
from pocketstack.web.microversion import Microversions
from pocketstack.web.routing import Route

PATH = "/openapi.json"
BODY_METHODS = ("POST", "PUT", "PATCH")
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class Body:
    """A request body that is not plain JSON (JSON Patch, a byte stream)."""

    schema: dict[str, Any]
    media_type: str = "application/json"


# (method, pattern) -> the body's JSON Schema, or a Body for another media type.
RequestBodies = Mapping[tuple[str, str], dict[str, Any] | Body]

# (method, pattern) -> {status: OpenAPI response object} where a route answers a status
# with another body than its service's error format (Nova's external events' 404).
Responses = Mapping[tuple[str, str], Mapping[str, dict[str, Any]]]

# A JSON body the handler checks in code: any JSON document may be sent.
UNCHECKED: dict[str, Any] = {}
JSON_PATCH: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
BYTES: dict[str, Any] = {"type": "string", "format": "binary"}


def any_of(*schemas: dict[str, Any]) -> dict[str, Any]:
    """A body one of several schemas accepts (an action route: one schema per action)."""
    return {"anyOf": list(schemas)}


def one_action(names: Iterable[str]) -> dict[str, Any]:
    """An action route's body: exactly one of ``names``, its arguments checked in code."""
    return {"type": "object", "minProperties": 1, "maxProperties": 1, "propertyNames": {"enum": sorted(names)}}


def resource(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Neutron's ``{key: {...}}`` body whose resource ``schema`` validates."""
    return {"type": "object", "required": [key], "properties": {key: schema}}


def document(
    name: str,
    routes: list[Route],
    *,
    error_format: str,
    bodies: RequestBodies | None = None,
    responses: Responses | None = None,
    microversions: Microversions | None = None,
) -> dict[str, Any]:
    """The OpenAPI document of one service app mounted at ``/<name>``."""
    bodies = bodies or {}
    responses = responses or {}
    unknown = (set(bodies) | set(responses)) - {(r.method, r.pattern) for r in routes}
    if unknown:
        # A registry entry for a route that does not exist is a typo or a stale entry.
        raise ValueError(f"{name}: bodies or responses declared for unknown routes: {sorted(unknown)}")
    errors = _error_responses(error_format)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        key = (route.method, route.pattern)
        operation = _operation(name, route, bodies.get(key), {**errors, **responses.get(key, {})}, microversions)
        paths.setdefault(route.pattern.replace(":path}", "}"), {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"pocketstack {name} API",
            "version": str(microversions.maximum) if microversions else "1.0",
            "description": f"Generated from the {name} route table; errors in the {error_format} format.",
        },
        "servers": [{"url": f"/{name}"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
        },
    }


def _operation(
    name: str,
    route: Route,
    body: dict[str, Any] | Body | None,
    errors: dict[str, Any],
    microversions: Microversions | None,
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _PARAM.findall(route.pattern.replace(":path}", "}"))
    ]
    if microversions is not None:
        parameters.append(
            {
                "name": "OpenStack-API-Version",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "enum": _versions(microversions)},
            }
        )
    responses: dict[str, Any] = {"2XX": {"description": "Success"}}
    if not route.auth and route.method == "GET":
        # Version discovery answers 300 Multiple Choices, as the reference APIs do.
        responses["300"] = {"description": "Multiple Choices"}
    responses.update(errors)
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()} {route.pattern}",
        "summary": f"{route.method} /{name}{route.pattern}",
        "parameters": parameters,
        "responses": responses,
        "security": [{"token": []}] if route.auth else [],
    }
    if body is not None and route.method in BODY_METHODS:
        media = body if isinstance(body, Body) else Body(body)
        operation["requestBody"] = {"required": True, "content": {media.media_type: {"schema": media.schema}}}
    return operation


def _error_responses(error_format: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    # 503 is no answer a route gives by design: the routes that do declare it (Responses).
    for status in sorted(set(STATUS.values()) - {503}):
        content_type, schema = error_schema(error_format, status)
        responses[str(status)] = {
            "description": TITLES.get(status, "Error"),
            "content": {content_type: {"schema": schema}},
        }
    return responses


def _versions(microversions: Microversions) -> list[str]:
    low, high = microversions.minimum, microversions.maximum
    service = microversions.service_type
    names = [f"{service} {low.major}.{minor}" for minor in range(low.minor, high.minor + 1)]
    if high.major != low.major:
        names += [f"{service} {high.major}.{minor}" for minor in range(high.minor + 1)]
    return [*names, f"{service} latest"]
