"""The dashboard's ASGI app, mounted at ``/dashboard`` beside the APIs.

It is a client of the public APIs only (``pocketstack.client``) with each user's own
token, never of a service's tables. Pages are rendered on the server (Mako templates,
every value HTML-escaped by default) with a little JavaScript for live parts (it
re-fetches page fragments). Every failure ends as a page: an API's refusal shows the
API's own message, an expired or revoked token sends the user back to the login page
with a message, anything unexpected is logged and shown as a short apology, never a
stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from mako.lookup import TemplateLookup

from pocketstack.client import ApiError, Clients, Connection
from pocketstack.common import errors
from pocketstack.common.context import new_request_id
from pocketstack.dashboard.sessions import COOKIE, Session, SessionStore, parse_cookies
from pocketstack.web.errors import status_of
from pocketstack.web.request import Request
from pocketstack.web.response import Response
from pocketstack.web.routing import Route, Router

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PREFIX = "/dashboard"
HTML = "text/html; charset=utf-8"
# The page a browser may be sent to with ?reason=...: fixed texts, never the query's own.
REASONS = {
    "expired": "Your session has ended (its token expired or was revoked). Please log in again.",
    "logged-out": "You have logged out.",
    "login": "Please log in.",
    "password-changed": "Your password was changed: log in with the new one.",
}
SECURITY_HEADERS = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cache-control", "no-store"),
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    ),
]

Scope = MutableMapping[str, Any]


class LoginRequired(Exception):
    """No valid session: the user is sent to the login page with ``reason``."""

    def __init__(self, reason: str = "login") -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """A state-changing request without the session's CSRF token (or a page the user's
    role may not see)."""


@dataclass
class Call:
    """One dashboard request: the parsed request, the session and the user's API clients."""

    app: DashboardApp
    request: Request
    session: Session | None = None
    form: dict[str, list[str]] = field(default_factory=dict)

    @property
    def api(self) -> Clients:
        if self.session is None:
            raise LoginRequired()
        return self.app.conn.scoped(self.session.token)

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[-1].strip() if values else default

    def fields(self, name: str) -> list[str]:
        return [v for v in self.form.get(name, []) if v]

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        return self.app.render(template, self, status=status, **values)


Handler = Callable[[Call], Awaitable[Response]]


def redirect(location: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(303, b"", headers=[("location", location), *(headers or [])])


class DashboardApp:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        secure_cookies: bool = False,
        verify: bool | str = True,
    ) -> None:
        from pocketstack.dashboard import routes

        self.conn = Connection(base_url, transport=transport, verify=verify)
        self.sessions = SessionStore()
        # Set when the server stops: long-lived event streams end.
        self.closing = asyncio.Event()
        self.secure_cookies = secure_cookies
        self.templates = TemplateLookup(
            directories=[str(HERE / "templates")],
            default_filters=["h"],
            input_encoding="utf-8",
            strict_undefined=True,
        )
        self.router = Router(routes.ROUTES)
        self.static = {p.name: p.read_bytes() for p in (HERE / "static").iterdir() if p.is_file()}

    async def aclose(self) -> None:
        self.closing.set()
        await self.conn.aclose()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        response = await self.handle(scope, receive)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        headers.append((b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()))
        if response.stream is None:
            headers.append((b"content-length", str(len(response.body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else response.body})
            return
        # Server-sent events: chunks as they come, until the stream ends.
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        try:
            async for chunk in response.stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            aclose = getattr(response.stream, "aclose", None)
            if aclose is not None:
                await aclose()
        await send({"type": "http.response.body", "body": b""})

    async def handle(self, scope: Scope, receive: Any) -> Response:
        path = scope["path"]
        if path.startswith(PREFIX):
            path = path[len(PREFIX) :]
        if path == "":
            return redirect(PREFIX + "/")
        route, params, allowed = self.router.match(scope["method"], path or "/")
        request = Request(scope, receive, path, 1024 * 1024)
        request.path_params = params
        call = Call(self, request)
        try:
            if route is None:
                return self.render("error.mako", call, status=405 if allowed else 404, message="There is no such page.")
            call.session = self.sessions.get(parse_cookies(request.headers.get("cookie")).get(COOKIE))
            if call.session is not None and call.session.expired():
                self.sessions.drop(call.session.id)
                call.session = None
                raise LoginRequired("expired")
            if request.method == "POST":
                await self._read_form(call)
            if route.auth:
                if call.session is None:
                    raise LoginRequired()
                if request.method not in ("GET", "HEAD"):
                    presented = call.field("csrf_token") or request.headers.get("x-csrf-token")
                    if not call.session.csrf_ok(presented):
                        raise Forbidden("The form has expired or did not come from this dashboard: reload and retry.")
            response = await route.handler(call)  # type: ignore[arg-type]
        except LoginRequired as exc:
            response = self._to_login(call, exc.reason)
        except ApiError as exc:
            if exc.unauthorized and call.session is not None:
                self.sessions.drop(call.session.id)
                response = self._to_login(call, "expired")
            else:
                status = exc.status if 400 <= exc.status < 600 else 503
                response = self.render("error.mako", call, status=status, message=exc.message, service=exc.service)
        except Forbidden as exc:
            response = self.render("error.mako", call, status=403, message=str(exc))
        except errors.PocketError as exc:
            # The request itself is bad (NUL in the query, a body over the limit, ...).
            response = self.render("error.mako", call, status=status_of(exc), message=exc.message)
        except Exception:
            request_id = new_request_id()
            log.exception("%s dashboard %s %s failed", request_id, scope["method"], scope["path"])
            response = self.render(
                "error.mako", call, status=500, message=f"Something went wrong on our side (request {request_id})."
            )
        for name, value in SECURITY_HEADERS:
            if response.header(name) is None:
                response.headers.append((name, value))
        return response

    async def _read_form(self, call: Call) -> None:
        kind = call.request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/x-www-form-urlencoded":
            body = (await call.request.body()).decode("utf-8", "replace")
            call.form = parse_qs(body, keep_blank_values=True)

    def _to_login(self, call: Call, reason: str) -> Response:
        if call.request.headers.get("x-requested-with") == "fetch":
            # A page's script asked: it sends the user to the login page itself.
            return Response(
                401, b"login", content_type="text/plain", headers=[("x-login", f"{PREFIX}/login?reason={reason}")]
            )
        return redirect(f"{PREFIX}/login?" + urlencode({"reason": reason}))

    def render(self, template: str, call: Call, status: int = 200, **values: Any) -> Response:
        page = self.templates.get_template(template)
        values.setdefault("session", call.session)
        values.setdefault("service", "")
        values.setdefault("active", "")
        values.setdefault("notice", "")
        values.setdefault("prefix", PREFIX)
        text = page.render(**values)
        return Response(status, text.encode(), content_type=HTML)

    def static_file(self, name: str) -> Response:
        body = self.static.get(name)
        if body is None:
            return Response(404, b"not found", content_type="text/plain")
        kind = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}.get(name.rsplit(".", 1)[-1])
        return Response(
            200,
            body,
            content_type=f"{kind or 'application/octet-stream'}; charset=utf-8",
            headers=[("cache-control", "max-age=300")],
        )


def route(method: str, pattern: str, handler: Handler, auth: bool = True) -> Route:
    return Route(method, pattern, handler, auth=auth)  # type: ignore[arg-type]
