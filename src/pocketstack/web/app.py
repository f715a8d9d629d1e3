"""ASGI apps: one ``ServiceApp`` per API (route table + shared middleware), and a
``Dispatcher`` that mounts them under one endpoint (``/identity``, ``/compute``, ...).

The middleware every API shares runs inline, in this order: request id, route match,
token validation (through an ``Authenticator``: local Fernet checks, no round-trip),
microversion negotiation, body limits, the handler, then domain errors translated by
the service's error format. Any other exception is logged with the request id and
answered as a 500 in the API's format, never as a bare traceback.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import quote

from pocketstack.common import errors as e
from pocketstack.common.context import RequestContext, new_request_id
from pocketstack.web import access_rules, media, openapi
from pocketstack.web.errors import FORMATS, ErrorFormat, status_of
from pocketstack.web.microversion import Microversions
from pocketstack.web.request import Request
from pocketstack.web.response import Response, dumps, json_response
from pocketstack.web.routing import Route, Router

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Authenticator(Protocol):
    async def authenticate(self, token: str, service_token: str | None, request_id: str) -> RequestContext:
        """Validate ``token`` and return the caller's context; raise NotAuthenticated."""
        ...


class ServiceApp:
    def __init__(
        self,
        name: str,
        routes: list[Route],
        *,
        error_format: str | ErrorFormat,
        authenticator: Authenticator | None = None,
        microversions: Microversions | None = None,
        max_body_bytes: int = 1024 * 1024,
        request_id_headers: tuple[str, ...] = ("x-openstack-request-id",),
        strict_slashes: bool = False,
        request_bodies: openapi.RequestBodies | None = None,
        responses: openapi.Responses | None = None,
        admin_rule: Callable[[RequestContext], bool] | None = None,
    ) -> None:
        self.name = name
        # The service's context_is_admin rule: who its "all projects" views take for an
        # administrator (an operator's policy file may change it).
        self.admin_rule = admin_rule
        self.routes = list(routes)
        self.router = Router(routes, strict_slashes=strict_slashes)
        # Every API publishes its OpenAPI document (no token), generated from this table.
        self.router.add(Route("GET", openapi.PATH, self._openapi, auth=False))
        self.format_error = FORMATS[error_format] if isinstance(error_format, str) else error_format
        self.error_format_name = error_format if isinstance(error_format, str) else "keystone"
        self.media_check = media.CHECKS.get(error_format) if isinstance(error_format, str) else None
        self.request_bodies = request_bodies or {}
        self.responses = responses or {}
        self._openapi_body: bytes | None = None
        self.authenticator = authenticator
        self.microversions = microversions
        self.max_body_bytes = max_body_bytes
        self.request_id_headers = request_id_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request_id = new_request_id()
        response = await self.handle(scope, receive, request_id)
        await _send_response(send, response, request_id, self.request_id_headers, head=scope["method"] == "HEAD")

    async def handle(self, scope: Scope, receive: Receive, request_id: str) -> Response:
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        route, params, allowed = self.router.match(scope["method"], path)
        try:
            if "\x00" in path:
                # No resource is named with NUL (and PostgreSQL refuses it in a query: 500).
                raise e.NotFound(f"The resource could not be found: {path!r}")
            if route is None:
                if allowed:
                    raise e.MethodNotAllowed(f"The method {scope['method']} is not allowed for {path}.")
                raise e.NotFound(f"The resource could not be found: {path}")
            limit = self.max_body_bytes if route.body_limit is None else (route.body_limit or 1 << 62)
            request = Request(scope, receive, path, limit)
            request.media_check = self.media_check
            request.path_params = params
            request.route_pattern = route.pattern
            if route.auth:
                request.context = await self._authenticate(request, request_id)
                self._check_access_rules(request)
                if self.admin_rule is not None:
                    decided = self.admin_rule(request.context)
                    if decided != request.context.is_admin:
                        request.context = dataclasses.replace(request.context, admin=decided)
            else:
                request.context.request_id = request_id
            version_headers: list[tuple[str, str]] = []
            if self.microversions is not None:
                version = self.microversions.negotiate(request.headers)
                request.state["version"] = version
                version_headers = self.microversions.response_headers(version)
            response = await route.handler(request)
            response.headers.extend(version_headers)
            return response
        except e.PocketError as error:
            return self.error_response(error, request_id)
        except ConnectionError as error:
            log.info("%s %s: %s", request_id, path, error)
            return self.error_response(e.Invalid(str(error)), request_id)
        except Exception:
            log.exception("%s %s %s failed", request_id, scope["method"], path)
            return self.error_response(
                e.PocketError("An unexpected error prevented the server from fulfilling your request."),
                request_id,
                status=500,
            )

    def openapi_document(self) -> dict[str, Any]:
        """This API's OpenAPI document (``GET /<name>/openapi.json``)."""
        return openapi.document(
            self.name,
            self.routes,
            error_format=self.error_format_name,
            bodies=self.request_bodies,
            responses=self.responses,
            microversions=self.microversions,
        )

    async def _openapi(self, request: Request) -> Response:
        if self._openapi_body is None:
            self._openapi_body = dumps(self.openapi_document())
        return Response(200, self._openapi_body, content_type="application/json")

    async def _authenticate(self, request: Request, request_id: str) -> RequestContext:
        token = request.headers.get("x-auth-token")
        if not token or self.authenticator is None:
            raise e.NotAuthenticated()
        return await self.authenticator.authenticate(token, request.headers.get("x-service-token"), request_id)

    def _check_access_rules(self, request: Request) -> None:
        """A token limited by access rules may make only the calls they allow (401 otherwise,
        as keystonemiddleware); a service acting for the user is not held to them."""
        ctx = request.context
        if ctx.access_rules and not ctx.service_token:
            if not access_rules.permitted(ctx.access_rules, self.name, request.method, request.path):
                raise e.NotAuthenticated("The application credential's access rules do not allow this request.")

    def error_response(self, error: e.PocketError, request_id: str, status: int | None = None) -> Response:
        status = status or status_of(error)
        body, content_type = self.format_error(status, error, request_id)
        headers: list[tuple[str, str]] = []
        if status == 401:
            headers.append(("www-authenticate", 'Keystone uri="/identity"'))
        return Response(status, body, content_type=content_type, headers=headers)


class Unbuilt:
    """Stand-in for a service not built yet: listed in the catalog, answers 503 clearly."""

    def __init__(self, name: str, error_format: str) -> None:
        self.app = ServiceApp(name, [], error_format=error_format)
        self.message = f"The {name} service is not available in this pocketstack yet."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = new_request_id()
        response = self.app.error_response(e.Unavailable(self.message), request_id)
        await _send_response(send, response, request_id, ("x-openstack-request-id",), head=scope["method"] == "HEAD")


class Dispatcher:
    """Mounts each service's ASGI app under its path prefix on one endpoint."""

    def __init__(self, mounts: dict[str, Any], index: Callable[[], Any] | None = None) -> None:
        self.mounts = {prefix.strip("/"): app for prefix, app in mounts.items()}
        self.index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        first = path.split("/", 2)[1] if path.startswith("/") else ""
        app = self.mounts.get(first)
        if app is not None:
            child = dict(scope)
            child["root_path"] = scope.get("root_path", "") + "/" + first
            # Keep the full path (ASGI convention); ServiceApp strips root_path itself.
            await app(child, receive, send)
            return
        request_id = new_request_id()
        if path in ("", "/") and "dashboard" in self.mounts and _wants_html(scope):
            # A browser at the root goes to the dashboard; API clients get the index.
            response = Response(302, b"", headers=[("location", "/dashboard/")])
        elif path in ("", "/") and self.index is not None:
            response = json_response(self.index())
        else:
            response = json_response(
                {"error": {"code": 404, "title": "Not Found", "message": f"No service at {path}"}}, 404
            )
        await _send_response(send, response, request_id, ("x-openstack-request-id",), head=scope["method"] == "HEAD")


def _wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers") or ():
        if name == b"accept":
            return b"text/html" in value
    return False


async def _send_response(
    send: Send, response: Response, request_id: str, id_headers: tuple[str, ...], head: bool
) -> None:
    headers = [(k.encode("latin-1"), _header_value(v)) for k, v in response.headers]
    for name in id_headers:
        headers.append((name.encode(), request_id.encode()))
    if response.stream is None:
        if not any(k == b"content-length" for k, _ in headers):
            headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else response.body})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        aclose = getattr(response.stream, "aclose", None)
        if aclose is not None:
            await aclose()
        return
    try:
        async for chunk in response.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception:
        # The status line is gone already: all we can do is cut the body short, which
        # the client sees as a short read instead of silently wrong data.
        log.exception("%s: streaming the response failed", request_id)
        raise
    await send({"type": "http.response.body", "body": b""})


# Bytes a header value may not carry as they are: controls but tab (CR/LF would end the
# header and let a value that reflects the request split the response) and anything
# latin-1 cannot encode.
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")


def _header_value(value: str) -> bytes:
    """``value`` for the wire, its unsafe characters percent-encoded (UTF-8), as in a URL:
    the values that reflect a request are Location URLs."""
    if _UNSAFE_IN_HEADER.search(value) is not None:
        value = _UNSAFE_IN_HEADER.sub(lambda m: quote(m.group(0), safe=""), value)
    return value.encode("latin-1")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
