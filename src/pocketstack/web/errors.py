"""The one place where domain errors become HTTP: a status per error class, and one
error-body format per OpenStack API (each client library parses its own)."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from pocketstack.common import errors as e

STATUS: dict[type[e.PocketError], int] = {
    e.Invalid: 400,
    e.NotAuthenticated: 401,
    e.Forbidden: 403,
    e.QuotaExceeded: 403,
    e.NotFound: 404,
    e.MethodNotAllowed: 405,
    e.NotAcceptable: 406,
    e.Conflict: 409,
    e.Gone: 410,
    e.LengthRequired: 411,
    e.PreconditionFailed: 412,
    e.TooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.RangeNotSatisfiable: 416,
    e.Unprocessable: 422,
    e.NotImplementedYet: 501,
    e.Unavailable: 503,
}

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}

# Nova and Cinder name the error body after a fault class.
NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    416: "badRequest",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def status_of(error: e.PocketError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


# A formatter gets (status, error, request_id) and returns (body, content type).
ErrorFormat = Callable[[int, e.PocketError, str], tuple[bytes, str]]


def keystone_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    body = {"error": {"code": status, "title": TITLES.get(status, "Error"), "message": error.message}}
    return orjson.dumps(body), "application/json"


def nova_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    name = NOVA_FAULT_NAMES.get(status, "computeFault")
    return orjson.dumps({name: {"code": status, "message": error.message}}), "application/json"


def glance_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    # Glance answers with webob's plain text; glanceclient and openstacksdk show the text.
    text = f"{status} {TITLES.get(status, 'Error')}\n\n{error.message}\n\n   "
    return text.encode(), "text/plain; charset=UTF-8"


def neutron_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    body = {"NeutronError": {"type": error.kind, "message": error.message, "detail": error.detail}}
    return orjson.dumps(body), "application/json"


def placement_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    code = error.kind if error.kind.startswith("placement.") else "placement.undefined_code"
    body = {
        "errors": [
            {
                "status": status,
                "title": TITLES.get(status, "Error"),
                "detail": error.message,
                "code": code,
                "request_id": request_id,
            }
        ]
    }
    return orjson.dumps(body), "application/json"


def swift_format(status: int, error: e.PocketError, request_id: str) -> tuple[bytes, str]:
    # Swift answers errors with a short text body; swiftclient shows it as it is.
    return f"{TITLES.get(status, 'Error')}: {error.message}".encode(), "text/plain; charset=UTF-8"


FORMATS: dict[str, ErrorFormat] = {
    "keystone": keystone_format,
    "nova": nova_format,
    "cinder": nova_format,
    "glance": glance_format,
    "neutron": neutron_format,
    "placement": placement_format,
    "swift": swift_format,
}


# The documented shape of each format's error body (the OpenAPI documents publish it and
# the fuzz tests hold every error answer to it): (content type, JSON Schema) per status.
def _object(properties: dict[str, dict[str, object]]) -> dict[str, object]:
    return {"type": "object", "required": sorted(properties), "properties": properties}


_STR: dict[str, object] = {"type": "string"}
_INT: dict[str, object] = {"type": "integer"}


def error_schema(format_name: str, status: int) -> tuple[str, dict[str, object]]:
    """The content type and JSON Schema of ``format_name``'s error body for ``status``."""
    if format_name == "keystone":
        return "application/json", _object({"error": _object({"code": _INT, "title": _STR, "message": _STR})})
    if format_name in ("nova", "cinder"):
        fault = NOVA_FAULT_NAMES.get(status, "computeFault")
        return "application/json", _object({fault: _object({"code": _INT, "message": _STR})})
    if format_name in ("glance", "swift"):
        return "text/plain", _STR
    if format_name == "neutron":
        return "application/json", _object({"NeutronError": _object({"type": _STR, "message": _STR, "detail": _STR})})
    if format_name == "placement":
        error = _object({"status": _INT, "title": _STR, "detail": _STR, "code": _STR, "request_id": _STR})
        return "application/json", _object({"errors": {"type": "array", "minItems": 1, "items": error}})
    raise KeyError(format_name)
