"""The object storage API's route table (Swift v1), mounted under /object.

Object names may hold slashes: ``{object:path}`` takes the rest of the path as it is.
Every call but ``/info`` authenticates in its handler, because Swift serves callers
without a token where a container's ACL or a temporary URL lets them in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from pocketstack.object.deps import ObjectDeps
from pocketstack.object.handlers import accounts, containers, info, objects
from pocketstack.web import Request, Response, Route

DepsHandler = Callable[[ObjectDeps, Request], Awaitable[Response]]

ACCOUNT = "/v1/{account}"
CONTAINER = "/v1/{account}/{container}"
OBJECT = "/v1/{account}/{container}/{object:path}"


def routes(deps: ObjectDeps) -> list[Route]:
    def r(method: str, pattern: str, handler: DepsHandler, **kw: object) -> Route:
        return Route(method, pattern, partial(handler, deps), auth=False, **kw)  # type: ignore[arg-type]

    return [
        r("GET", "/info", info.show),
        r("GET", "/healthcheck", info.healthcheck),
        r("GET", "/crossdomain.xml", info.crossdomain),
        r("GET", ACCOUNT, accounts.show),
        r("HEAD", ACCOUNT, accounts.head),
        r("POST", ACCOUNT, accounts.update),
        # Archives to extract stream through (accounts and containers take them).
        r("PUT", ACCOUNT, accounts.put, body_limit=0),
        r("DELETE", ACCOUNT, accounts.delete),
        r("PUT", CONTAINER, containers.create, body_limit=0),
        r("GET", CONTAINER, containers.show),
        r("HEAD", CONTAINER, containers.head),
        r("POST", CONTAINER, containers.update),
        r("DELETE", CONTAINER, containers.delete),
        # Bodies stream through the handler: no body limit, never buffered whole.
        r("PUT", OBJECT, objects.put, body_limit=0),
        r("GET", OBJECT, objects.get),
        r("HEAD", OBJECT, objects.get),
        r("POST", OBJECT, objects.post),
        r("COPY", OBJECT, objects.copy),
        r("DELETE", OBJECT, objects.delete),
    ]
