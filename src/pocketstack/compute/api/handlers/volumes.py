"""The volume proxy (os-volumes and os-snapshots, until 2.36): the volume service's
volumes and snapshots in the shape Nova showed them (camelCase, attachments as
``[{}]`` when there are none)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import NotFound
from pocketstack.common.timeutils import iso_nozone, parse_iso
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.web.paths import segment
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import obj, validate

SIZE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1}
TEXT = {"type": ["string", "null"], "maxLength": 255}
VOLUME_CREATE = obj(
    {
        "volume": obj(
            {
                "size": SIZE,
                "display_name": TEXT,
                "display_description": TEXT,
                "volume_type": TEXT,
                "metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}},
                "availability_zone": TEXT,
                "snapshot_id": TEXT,
            },
            ["size"],
        )
    },
    ["volume"],
)
SNAPSHOT_CREATE = obj(
    {
        "snapshot": obj(
            {
                "volume_id": {"type": "string", "minLength": 1},
                "force": {"type": ["boolean", "string"]},
                "display_name": TEXT,
                "display_description": TEXT,
            },
            ["volume_id"],
        )
    },
    ["snapshot"],
)


def _client(request: Request) -> VolumeClient:
    if at_least(request, 36):
        raise NotFound("The resource could not be found.")
    return VolumeClient(service(request).runtime)


def _time(value: Any) -> str | None:
    return iso_nozone(parse_iso(value)) if value else None


def volume_view(volume: dict[str, Any]) -> dict[str, Any]:
    attachments = [
        {"id": volume["id"], "volumeId": volume["id"], "serverId": a.get("server_id"), "device": a.get("device")}
        for a in volume.get("attachments") or []
    ]
    return {
        "id": volume["id"],
        "status": volume.get("status"),
        "size": volume.get("size"),
        "availabilityZone": volume.get("availability_zone"),
        "createdAt": _time(volume.get("created_at")),
        "attachments": attachments or [{}],
        "displayName": volume.get("name"),
        "displayDescription": volume.get("description"),
        "volumeType": volume.get("volume_type"),
        "snapshotId": volume.get("snapshot_id"),
        "metadata": volume.get("metadata") or {},
    }


def snapshot_view(snap: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": snap["id"],
        "volumeId": snap.get("volume_id"),
        "status": snap.get("status"),
        "size": snap.get("size"),
        "createdAt": _time(snap.get("created_at")),
        "displayName": snap.get("name"),
        "displayDescription": snap.get("description"),
    }


async def _get(request: Request, kind: str, ident: str) -> dict[str, Any]:
    client = _client(request)
    if not ident:
        raise NotFound("The resource could not be found.")
    try:
        found: dict[str, Any] = (
            await client.for_user("GET", f"/{kind}s/{segment(ident)}", request.context.auth_token)
        )[kind]
    except NotFound:
        raise NotFound(f"{kind.capitalize()} {ident} could not be found.") from None
    return found


def _paging(request: Request) -> str:
    params = [f"{k}={request.param(k)}" for k in ("limit", "offset") if request.param(k) is not None]
    return ("?" + "&".join(params)) if params else ""


async def index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-volumes:list")
    found = await _client(request).for_user("GET", "/volumes/detail" + _paging(request), request.context.auth_token)
    return json_response({"volumes": [volume_view(v) for v in found["volumes"]]})


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-volumes:show")
    return json_response({"volume": volume_view(await _get(request, "volume", request.path_params["volume_id"]))})


async def create(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-volumes:create")
    client = _client(request)
    data = validate(VOLUME_CREATE, await body(request))["volume"]
    wanted: dict[str, Any] = {"size": int(data["size"])}
    for nova, cinder in (
        ("display_name", "name"),
        ("display_description", "description"),
        ("volume_type", "volume_type"),
        ("metadata", "metadata"),
        ("availability_zone", "availability_zone"),
        ("snapshot_id", "snapshot_id"),
    ):
        if data.get(nova) is not None:
            wanted[cinder] = data[nova]
    made = await client.for_user("POST", "/volumes", request.context.auth_token, {"volume": wanted})
    return json_response({"volume": volume_view(made["volume"])})


async def delete(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-volumes:delete")
    volume = await _get(request, "volume", request.path_params["volume_id"])
    await _client(request).for_user("DELETE", f"/volumes/{segment(volume['id'])}", request.context.auth_token)
    return empty(202)


async def snapshots_index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-volumes:snapshots:list")
    found = await _client(request).for_user("GET", "/snapshots/detail" + _paging(request), request.context.auth_token)
    return json_response({"snapshots": [snapshot_view(s) for s in found["snapshots"]]})


async def snapshot_show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-volumes:snapshots:show")
    snap = await _get(request, "snapshot", request.path_params["snapshot_id"])
    return json_response({"snapshot": snapshot_view(snap)})


async def snapshot_create(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-volumes:snapshots:create")
    client = _client(request)
    data = validate(SNAPSHOT_CREATE, await body(request))["snapshot"]
    wanted: dict[str, Any] = {"volume_id": data["volume_id"]}
    if data.get("force") is not None:
        wanted["force"] = data["force"] is True or str(data["force"]).lower() in ("true", "1", "yes", "on", "t", "y")
    if data.get("display_name") is not None:
        wanted["name"] = data["display_name"]
    if data.get("display_description") is not None:
        wanted["description"] = data["display_description"]
    made = await client.for_user("POST", "/snapshots", request.context.auth_token, {"snapshot": wanted})
    return json_response({"snapshot": snapshot_view(made["snapshot"])})


async def snapshot_delete(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-volumes:snapshots:delete")
    snap = await _get(request, "snapshot", request.path_params["snapshot_id"])
    await _client(request).for_user("DELETE", f"/snapshots/{segment(snap['id'])}", request.context.auth_token)
    return empty(202)
