"""``GET /placement/``: the version document, answered without a token."""

from __future__ import annotations

from pocketstack.placement.versions import MAX, MICROVERSIONS
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


async def versions(request: Request) -> Response:
    return json_response(
        {
            "versions": [
                {
                    "id": "v1.0",
                    "min_version": str(MICROVERSIONS.minimum),
                    "max_version": MAX,
                    "status": "CURRENT",
                    "links": [{"rel": "self", "href": ""}],
                }
            ]
        }
    )
