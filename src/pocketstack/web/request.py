"""The request as handlers see it: method, path params, query, headers, body, context."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, TooLarge
from pocketstack.web.media import MediaCheck

Receive = Any
Scope = MutableMapping[str, Any]


# The largest integer a database column or query parameter holds (SQLite, PostgreSQL
# bigint): query integers past it are a 400, never an overflow in the driver.
SQL_INT_MAX = 2**63 - 1


class Request:
    __slots__ = (
        "_body",
        "_body_limit",
        "_query",
        "context",
        "headers",
        "media_check",
        "method",
        "path",
        "path_params",
        "receive",
        "route_pattern",
        "scope",
        "state",
    )

    def __init__(self, scope: Scope, receive: Receive, path: str, body_limit: int) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path = path
        self.path_params: dict[str, str] = {}
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            key = k.decode("latin-1").lower()
            val = v.decode("latin-1")
            headers[key] = f"{headers[key]},{val}" if key in headers else val
        self.headers = headers
        self.context = RequestContext()
        self._query: dict[str, list[str]] | None = None
        self._body: bytes | None = None
        self._body_limit = body_limit
        # Per-request scratch space for middleware (microversion, ...).
        self.state: dict[str, Any] = {}
        self.route_pattern = ""
        # The API's Content-Type rule for JSON bodies (web/media.py), set by ServiceApp.
        self.media_check: MediaCheck | None = None

    # --- query ---------------------------------------------------------------------------
    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            raw = self.scope.get("query_string", b"").decode("latin-1")
            query = parse_qs(raw, keep_blank_values=True) if raw else {}
            if "\x00" in raw or "%00" in raw:
                if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in query.items()):
                    raise Invalid("Query parameters may not contain NUL characters.")
            self._query = query
        return self._query

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def int_param(
        self, name: str, default: int | None = None, *, minimum: int = 0, maximum: int | None = SQL_INT_MAX
    ) -> int | None:
        raw = self.param(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise Invalid(f"Invalid value for query parameter {name!r}: {raw!r} is not an integer") from None
        if value < minimum:
            raise Invalid(f"Invalid value for query parameter {name!r}: must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise Invalid(f"Invalid value for query parameter {name!r}: must be <= {maximum}")
        return value

    def bool_param(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.param(name)
        if raw is None:
            return default
        low = raw.lower()
        if low in ("1", "true", "yes", "on", ""):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise Invalid(f"Invalid value for query parameter {name!r}: {raw!r} is not a boolean")

    # --- URLs ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Scheme, host and the service's mount point, e.g. ``http://127.0.0.1:8080/identity``."""
        scheme = self.scope.get("scheme", "http")
        host = self.headers.get("host")
        if not host:
            server = self.scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{scheme}://{host}{self.scope.get('root_path', '')}"

    @property
    def url(self) -> str:
        qs = self.scope.get("query_string", b"").decode("latin-1")
        return self.base_url + self.path + (f"?{qs}" if qs else "")

    # --- body ----------------------------------------------------------------------------
    async def body(self) -> bytes:
        if self._body is None:
            chunks: list[bytes] = []
            size = 0
            declared = self.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self._body_limit:
                raise TooLarge(f"Request body is larger than the limit of {self._body_limit} bytes")
            async for chunk in self.stream():
                size += len(chunk)
                if size > self._body_limit:
                    raise TooLarge(f"Request body is larger than the limit of {self._body_limit} bytes")
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def stream(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk as it arrives; raises ConnectionError if the client goes away."""
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ConnectionError("client disconnected before the body was complete")
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def json(self, *, required: bool = True) -> Any:
        raw = await self.body()
        if not raw.strip():
            if required:
                raise Invalid("The request body is empty; a JSON document is required.")
            return None
        if self.media_check is not None:
            self.media_check(self.headers.get("content-type"))
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"Malformed JSON in request body: {exc}") from None
        if _nested_deeper(data, MAX_JSON_DEPTH):
            raise Invalid(f"The JSON request body is nested more than {MAX_JSON_DEPTH} levels deep.")
        # JSON carries NUL only as the escape \u0000; the walk confirms it is not "\\u0000".
        if b"\\u0000" in raw and _has_nul(data):
            raise Invalid("The request body may not contain NUL characters (\\u0000).")
        return data


# No OpenStack request body nests deeper than a dozen levels. Deeper ones are refused
# before anything walks them recursively: jsonschema's error messages overflow Python's
# stack near 1,000 levels, and a value stored deeper than orjson writes (254) would
# break every later read of its resource.
MAX_JSON_DEPTH = 64


def _has_nul(data: Any) -> bool:
    """Whether a string (key or value) of ``data`` holds NUL, which no API stores: text
    columns of PostgreSQL refuse it (a 500 on every name, filter and id)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _nested_deeper(data: Any, limit: int) -> bool:
    if not isinstance(data, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
