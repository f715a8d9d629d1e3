"""Version discovery: GET /compute/ and /compute/v2.1 (no token needed)."""

from __future__ import annotations

from typing import Any

from pocketstack.compute.api.common import MAX_VERSION, MIN_VERSION
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


def _v21(request: Request) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": str(MAX_VERSION),
        "min_version": str(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{request.base_url}/v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
        ],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    }


def _v20(request: Request) -> dict[str, Any]:
    """The legacy v2.0 endpoint: the same API at /v2, without microversions (always 2.1)."""
    return {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [{"rel": "self", "href": f"{request.base_url}/v2/"}],
    }


async def index(request: Request) -> Response:
    return json_response({"versions": [_v20(request), _v21(request)]})


async def show_v20(request: Request) -> Response:
    return json_response({"version": _v20(request)})


async def show(request: Request) -> Response:
    return json_response({"version": _v21(request)})
