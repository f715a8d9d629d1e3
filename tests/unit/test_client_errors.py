"""pocketstack.client: the API's own message out of every error format, ids as one
path segment, unreachable services as status 0."""

from __future__ import annotations

import httpx
import pytest

from pocketstack.client import ApiError, Connection
from pocketstack.client.base import error_message, seg


def answer(status: int, body: bytes, kind: str = "application/json") -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": kind})


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (answer(401, b'{"error": {"code": 401, "title": "Unauthorized", "message": "no"}}'), "no"),
        (answer(403, b'{"forbidden": {"code": 403, "message": "Quota exceeded"}}'), "Quota exceeded"),
        (answer(409, b'{"NeutronError": {"type": "InUse", "message": "in use", "detail": ""}}'), "in use"),
        (answer(409, b'{"errors": [{"status": 409, "title": "Conflict", "detail": "generation"}]}'), "generation"),
        (answer(404, b"404 Not Found\n\nNo image found with ID x\n\n   ", "text/plain"), "No image found with ID x"),
        (answer(502, b"", "text/plain"), "HTTP 502"),
        (answer(500, b"[1, 2]"), "[1, 2]"),
    ],
)
def test_error_message_of_each_format(response: httpx.Response, message: str) -> None:
    assert error_message(response) == message


def test_ids_are_one_segment() -> None:
    assert seg("a/b?c#d%e") == "a%2Fb%3Fc%23d%25e"
    assert seg("..") == "%2E%2E" and seg(".") == "%2E" and seg("x\x00") == "x%00"


async def test_refusals_and_unreachable_services_raise_api_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-auth-token"] == "tok"
        assert request.url.raw_path == b"/compute/v2.1/servers/a%2Fb"
        return answer(404, b'{"itemNotFound": {"code": 404, "message": "Instance a/b could not be found."}}')

    async with Connection("http://cloud.test", transport=httpx.MockTransport(handler)) as conn:
        from pocketstack.client import ComputeClient

        with pytest.raises(ApiError) as refused:
            await ComputeClient(conn.http, "tok").server("a/b")
        assert (refused.value.service, refused.value.status) == ("compute", 404)
        assert refused.value.message == "Instance a/b could not be found." and not refused.value.unavailable

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with Connection("http://cloud.test", transport=httpx.MockTransport(down)) as conn:
        with pytest.raises(ApiError) as unreachable:
            await conn.identity().password_token("default", "demo", "x")
        assert unreachable.value.status == 0 and unreachable.value.unavailable
        assert "could not be reached" in unreachable.value.message
