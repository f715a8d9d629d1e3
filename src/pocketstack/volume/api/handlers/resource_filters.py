"""GET /resource_filters (3.33): the list filters each resource takes here (Cinder
serves its configured resource_filters.json; this is the set these handlers apply)."""

from __future__ import annotations

from pocketstack.volume.api.common import context, require
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

FILTERS: dict[str, list[str]] = {
    "volume": [
        "name",
        "status",
        "metadata",
        "bootable",
        "availability_zone",
        "group_id",
        "size",
        "created_at",
        "updated_at",
    ],
    "snapshot": ["name", "status", "volume_id", "metadata"],
    "attachment": ["volume_id", "status", "instance_id"],
    "pool": ["name"],
    "volume_type": ["is_public"],
    "transfer": ["name", "volume_id", "id"],
}


async def index(request: Request) -> Response:
    require(request, 33)
    context(request)
    wanted = request.param("resource")
    items = [{"resource": k, "filters": v} for k, v in FILTERS.items() if wanted is None or k == wanted]
    return json_response({"resource_filters": items})
