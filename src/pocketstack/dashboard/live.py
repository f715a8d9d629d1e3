"""Server-sent events for the live parts of a page: one ``GET /dashboard/events``
stream per open page, naming the fragments it shows (``watch=/dashboard/instances/rows``,
...). Every second the dashboard renders each fragment with the user's session, as the
page's own request would, and sends those that changed (``event: update``, JSON
``{"path", "html"}``). An ended session sends ``event: login`` with the login URL. The
fragments still come from the public APIs (polled here, not yet fed by notifications);
the browser makes one long request instead of one per fragment per second, and falls
back to polling the fragments itself when it cannot hold the stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import orjson

from pocketstack.client import ApiError
from pocketstack.dashboard import instances, resources, topology
from pocketstack.dashboard.app import PREFIX, Call, LoginRequired
from pocketstack.web.request import Request
from pocketstack.web.response import Response

log = logging.getLogger(__name__)

INTERVAL_S = 1.0
# A stream ends after this long; the browser's EventSource opens a new one at once.
MAX_STREAM_S = 300.0
MAX_WATCHED = 8
LIVE_HANDLERS = (
    instances.rows,
    instances.detail_status,
    instances.console_tail,
    resources.volume_rows,
    topology.drawing,
)


def _event(name: str, data: bytes) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


async def events(call: Call) -> Response:
    session = call.session
    assert session is not None
    watched = []
    for path in call.request.params("watch")[:MAX_WATCHED]:
        parts = urlsplit(path)
        if not parts.path.startswith(PREFIX + "/"):
            continue
        route, params, _ = call.app.router.match("GET", parts.path[len(PREFIX) :])
        # The router types its handlers by the web layer's signature; the dashboard's take a Call.
        handler: object = route.handler if route is not None else None
        if route is not None and handler in LIVE_HANDLERS:
            watched.append((path, route.handler, params, parts.query))
    if not watched:
        return Response(400, b"nothing to watch", content_type="text/plain")
    app, receive = call.app, call.request.receive

    async def render(path: str, handler: object, params: dict[str, str], query: str) -> bytes:
        scope = dict(call.request.scope)
        scope["query_string"] = query.encode("latin-1")
        request = Request(scope, receive, path, 0)
        request.path_params = params
        response = await handler(Call(app, request, session))  # type: ignore[operator]
        return bytes(response.body)

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def stream() -> AsyncIterator[bytes]:
        gone = asyncio.create_task(disconnected())
        last: dict[str, bytes] = {}
        started = time.monotonic()
        login = f"{PREFIX}/login?reason=expired".encode()
        try:
            yield b"retry: 2000\n\n"
            while not gone.done() and not app.closing.is_set() and time.monotonic() - started < MAX_STREAM_S:
                if app.sessions.get(session.id) is None or session.expired():
                    app.sessions.drop(session.id)
                    yield _event("login", login)
                    return
                # All at once: a slow fragment (a console) does not hold back the others.
                bodies = await asyncio.gather(*(render(*watch) for watch in watched), return_exceptions=True)
                for (path, *_), body in zip(watched, bodies, strict=True):
                    if isinstance(body, LoginRequired) or (isinstance(body, ApiError) and body.unauthorized):
                        app.sessions.drop(session.id)
                        yield _event("login", login)
                        return
                    if isinstance(body, ApiError):
                        continue  # a service is down: the page keeps what it shows
                    if isinstance(body, BaseException):
                        # A bug in a fragment: logged, the page keeps what it shows.
                        log.error("dashboard live fragment %s failed", path, exc_info=body)
                        continue
                    if last.get(path) != body:
                        last[path] = body
                        yield _event("update", orjson.dumps({"path": path, "html": body.decode()}))
                await asyncio.wait({gone}, timeout=INTERVAL_S)
        finally:
            gone.cancel()

    return Response(
        200,
        content_type="text/event-stream",
        headers=[("cache-control", "no-store"), ("x-accel-buffering", "no")],
        stream=stream(),
    )
