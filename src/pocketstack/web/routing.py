"""Route tables: ``Route("GET", "/v3/users/{user_id}", handler)`` compiled into a segment trie.

A trie keeps lookup cost independent of how many routes a service has; a literal
segment wins over a ``{param}`` one, so ``/v3/auth/tokens`` never matches ``/v3/auth/{x}``.

A last segment ``{name:path}`` takes the rest of the path as it is, slashes included
(empty segments and a trailing slash too: Swift's object names are such paths); it is
tried only where neither a literal nor a ``{param}`` segment continues.

By default a trailing slash is ignored (``/v3/users/`` is ``/v3/users``). With
``strict_slashes`` (Glance's router) it is an empty last segment: ``/v2/images/`` is then
``/v2/images/{image_id}`` with an empty id (404), and a pattern that ends in ``/``
matches only a path that does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pocketstack.web.request import Request
    from pocketstack.web.response import Response

Handler = Callable[["Request"], Awaitable["Response"]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    # False for calls that take no token (version discovery, POST /v3/auth/tokens).
    auth: bool = True
    # None: the app's default JSON body limit; 0: the handler streams the body itself.
    body_limit: int | None = None


@dataclass(slots=True)
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    param_name: str = ""
    rest: _Node | None = None
    routes: dict[str, Route] = field(default_factory=dict)


class Router:
    def __init__(self, routes: list[Route], *, strict_slashes: bool = False) -> None:
        self.root = _Node()
        self.strict_slashes = strict_slashes
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        node = self.root
        for seg in _split(route.pattern, self.strict_slashes):
            if seg.startswith("{") and seg.endswith(":path}"):
                name = seg[1:-6]
                if node.rest is None:
                    node.rest = _Node(param_name=name)
                elif node.rest.param_name != name:
                    raise ValueError(f"{route.pattern}: parameter {name} clashes with {node.rest.param_name}")
                node = node.rest
            elif seg.startswith("{") and seg.endswith("}"):
                name = seg[1:-1]
                if node.param is None:
                    node.param = _Node(param_name=name)
                elif node.param.param_name != name:
                    raise ValueError(f"{route.pattern}: parameter {name} clashes with {node.param.param_name}")
                node = node.param
            else:
                node = node.literal.setdefault(seg, _Node())
        if route.method in node.routes:
            raise ValueError(f"duplicate route {route.method} {route.pattern}")
        node.routes[route.method] = route

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """Return (route, params, allowed methods). Route is None if nothing matches."""
        params: dict[str, str] = {}
        node: _Node | None = self.root
        consumed = 0  # where the last matched segment ends
        for seg, start in _segments(path, self.strict_slashes):
            assert node is not None
            nxt = node.literal.get(seg)
            if nxt is None:
                if node.param is None:
                    if node.rest is None:
                        return None, {}, []
                    node = node.rest
                    # From just after the previous segment's slash: "c//o" names "/o".
                    params[node.param_name] = path[consumed + 1 :]
                    break
                nxt = node.param
                params[nxt.param_name] = seg
            node = nxt
            consumed = start + len(seg)
        assert node is not None
        route = node.routes.get(method)
        if route is None and method == "HEAD":
            route = node.routes.get("GET")
        return route, params, sorted(node.routes)


def _segments(path: str, strict_slashes: bool) -> list[tuple[str, int]]:
    """The segments of ``_split`` with where each starts in ``path``."""
    found: list[tuple[str, int]] = []
    pos = 0
    for seg in path.split("/"):
        if seg:
            found.append((seg, pos))
        pos += len(seg) + 1
    if strict_slashes and found and path.endswith("/"):
        found.append(("", len(path)))
    return found


def _split(path: str, strict_slashes: bool = False) -> list[str]:
    segments = [s for s in path.split("/") if s]
    if strict_slashes and segments and path.endswith("/"):
        segments.append("")
    return segments
