"""Version discovery: ``GET /identity/`` and ``GET /identity/v3``."""

from __future__ import annotations

from typing import Any

from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

# Keystone v3.14 (Ussuri) and its date, as Keystone advertises them.
UPDATED = "2020-04-07T00:00:00Z"


def _v3(base: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    }


async def root(req: Request) -> Response:
    # 300 Multiple Choices points at the preferred (only) version, as Keystone does.
    return json_response(
        {"versions": {"values": [_v3(req.base_url)]}}, status=300, headers=[("location", f"{req.base_url}/v3/")]
    )


async def v3(req: Request) -> Response:
    return json_response({"version": _v3(req.base_url)})
