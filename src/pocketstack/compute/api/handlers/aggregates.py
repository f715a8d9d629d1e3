"""os-aggregates (admins): host aggregates, their hosts and metadata. Every change
tells the scheduler (its cached host states carry zones and aggregate metadata)."""

from __future__ import annotations

from typing import Any

from pocketstack.bus import rpc
from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import iso_nozone
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Aggregate
from pocketstack.compute.objects import aggregates
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

NAME = {"type": "string", "minLength": 1, "maxLength": 255}
ZONE = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
CREATE = {
    "type": "object",
    "properties": {
        "aggregate": {
            "type": "object",
            "properties": {"name": NAME, "availability_zone": ZONE},
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    "required": ["aggregate"],
    "additionalProperties": False,
}
UPDATE = {
    "type": "object",
    "properties": {
        "aggregate": {
            "type": "object",
            "properties": {"name": NAME, "availability_zone": ZONE},
            "minProperties": 1,
            "additionalProperties": False,
        }
    },
    "required": ["aggregate"],
    "additionalProperties": False,
}
HOST = {
    "type": "object",
    "properties": {"host": NAME},
    "required": ["host"],
    "additionalProperties": False,
}
METADATA = {
    "type": "object",
    "properties": {
        "metadata": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"minLength": 1, "maxLength": 255},
            "additionalProperties": {"type": ["string", "null"], "maxLength": 255},
        }
    },
    "required": ["metadata"],
    "additionalProperties": False,
}


def view(request: Request, agg: Aggregate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": agg.id,
        "name": agg.name,
        "availability_zone": agg.metadata_.get(aggregates.AZ_KEY),
        "hosts": list(agg.hosts),
        "metadata": dict(agg.metadata_),
        "created_at": iso_nozone(agg.created_at),
        "updated_at": iso_nozone(agg.updated_at),
        "deleted_at": None,
        "deleted": False,
    }
    if at_least(request, 41):
        data["uuid"] = agg.uuid
    return data


async def _changed(request: Request) -> None:
    await service(request).scheduler_api.host_states_changed(rpc.no_context())


async def index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-aggregates:index")
    found = await aggregates.list_all(service(request).db)
    return json_response({"aggregates": [view(request, a) for a in found]})


async def create(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-aggregates:create")
    data = validate(CREATE, await body(request))["aggregate"]
    agg = await aggregates.create(service(request).db, data["name"].strip(), data.get("availability_zone"))
    shown = view(request, agg)
    # Nova's create answers without hosts and metadata (its view before aggregates were objects).
    del shown["hosts"], shown["metadata"]
    return json_response({"aggregate": shown})


async def show(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-aggregates:show")
    agg = await aggregates.get(service(request).db, request.path_params["aggregate_id"])
    return json_response({"aggregate": view(request, agg)})


async def update(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-aggregates:update")
    data = validate(UPDATE, await body(request))["aggregate"]
    agg = await aggregates.update(
        service(request).db,
        request.path_params["aggregate_id"],
        data.get("name"),
        data.get("availability_zone"),
        "availability_zone" in data,
    )
    await _changed(request)
    return json_response({"aggregate": view(request, agg)})


async def delete(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-aggregates:delete")
    await aggregates.delete(service(request).db, request.path_params["aggregate_id"])
    return empty(200)


async def action(request: Request) -> Response:
    """POST /os-aggregates/{id}/action: add_host, remove_host or set_metadata."""
    data = await body(request)
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid request body: give exactly one of add_host, remove_host, set_metadata.")
    ((name, args),) = data.items()
    db, ident = service(request).db, request.path_params["aggregate_id"]
    if name in ("add_host", "remove_host"):
        policy.admin(request.context, f"os_compute_api:os-aggregates:{name}")
        host = validate(HOST, args)["host"]
        agg = await (aggregates.add_host if name == "add_host" else aggregates.remove_host)(db, ident, host)
    elif name == "set_metadata":
        policy.admin(request.context, "os_compute_api:os-aggregates:set_metadata")
        agg = await aggregates.set_metadata(db, ident, validate(METADATA, args)["metadata"])
    else:
        raise Invalid(f"Unknown aggregate action {name!r}: use add_host, remove_host or set_metadata.")
    await _changed(request)
    return json_response({"aggregate": view(request, agg)})
