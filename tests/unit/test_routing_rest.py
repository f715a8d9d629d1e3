"""``{name:path}`` route segments: the rest of the path as it is (Swift's object names)."""

from __future__ import annotations

import pytest

from pocketstack.web.request import Request
from pocketstack.web.response import Response
from pocketstack.web.routing import Route, Router


async def _handler(request: Request) -> Response:
    return Response()


ROUTER = Router(
    [
        Route("GET", "/v1/{account}", _handler),
        Route("GET", "/v1/{account}/{container}", _handler),
        Route("GET", "/v1/{account}/{container}/{object:path}", _handler),
        Route("GET", "/info", _handler),
    ]
)


@pytest.mark.parametrize(
    ("path", "pattern", "params"),
    [
        ("/v1/a/c/o", "/v1/{account}/{container}/{object:path}", {"account": "a", "container": "c", "object": "o"}),
        (
            "/v1/a/c/d//e/",
            "/v1/{account}/{container}/{object:path}",
            {"account": "a", "container": "c", "object": "d//e/"},
        ),
        (
            "/v1/a/c//tmp/x",
            "/v1/{account}/{container}/{object:path}",
            {"account": "a", "container": "c", "object": "/tmp/x"},
        ),
        ("/v1/a/c/", "/v1/{account}/{container}", {"account": "a", "container": "c"}),
        ("/v1/a", "/v1/{account}", {"account": "a"}),
        ("/info", "/info", {}),
    ],
)
def test_rest_of_path(path: str, pattern: str, params: dict[str, str]) -> None:
    route, found, _ = ROUTER.match("GET", path)
    assert route is not None and route.pattern == pattern
    assert found == params


def test_nothing_else_matches() -> None:
    assert ROUTER.match("GET", "/v2/a")[0] is None
    assert ROUTER.match("PUT", "/v1/a/c/o")[2] == ["GET"]
