"""Version discovery: GET /volume/ (300, every version) and /volume/v3 (no token)."""

from __future__ import annotations

from typing import Any

from pocketstack.volume.api.common import MAX_VERSION, MIN_VERSION
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


def _v3(request: Request) -> dict[str, Any]:
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": str(MAX_VERSION),
        "min_version": str(MIN_VERSION),
        "updated": "2023-08-31T00:00:00Z",
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
            {"rel": "self", "href": f"{request.base_url}/v3/"},
        ],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}],
    }


async def index(request: Request) -> Response:
    return json_response({"versions": [_v3(request)]}, 300)


async def show(request: Request) -> Response:
    return json_response({"versions": [_v3(request)]})
