"""Version discovery: ``GET /identity/`` and ``GET /identity/v3``."""

from __future__ import annotations

from typing import Any

from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

UPDATED = "2024-04-01T00:00:00Z"


def _v3(base: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    }


async def root(req: Request) -> Response:
    return json_response({"versions": {"values": [_v3(req.base_url)]}}, status=300)


async def v3(req: Request) -> Response:
    return json_response({"version": _v3(req.base_url)})
