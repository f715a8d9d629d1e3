"""A server's tags (2.26): list, replace all, delete all, and one tag at a time. Tags
change only while the server is in a settled state, as in Nova."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute import states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, base_url, body, service
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import instances
from pocketstack.web.paths import segment
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

MAX_TAGS = 50
# Nova's states in which a server's tags may change.
TAGGABLE = (
    states.ACTIVE,
    states.PAUSED,
    states.RESCUED,
    states.SHELVED,
    states.SHELVED_OFFLOADED,
    states.STOPPED,
    states.SUSPENDED,
)


def _check_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not 1 <= len(tag) <= 60 or "/" in tag or "," in tag:
        raise Invalid(f"Invalid tag {tag!r}: a tag is 1 to 60 characters, without '/' or ','.")
    return tag


async def _server(request: Request) -> Instance:
    if not at_least(request, 26):
        raise NotFound("The resource could not be found.")
    return await instances.get(service(request).db, request.context, request.path_params["server_id"])


async def _write(request: Request, inst: Instance, change: Any) -> list[str]:
    """Apply ``change(tags) -> tags`` to the server's tags, checking its state; the result."""
    policy.owner(request.context, inst.project_id, "os_compute_api:os-server-tags:update")
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        if row.vm_state not in TAGGABLE:
            raise Conflict(f"Cannot 'update tags' instance {inst.uuid} while it is in vm_state {row.vm_state}")
        tags: list[str] = change(list(row.tags or []))
        if len(tags) > MAX_TAGS:
            raise Invalid(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
        row.tags = tags
    return tags


async def index(request: Request) -> Response:
    inst = await _server(request)
    policy.reader(request.context, "os_compute_api:os-server-tags:index")
    return json_response({"tags": list(inst.tags or [])})


async def replace(request: Request) -> Response:
    inst = await _server(request)
    data = await body(request, "tags")
    wanted = data["tags"]
    if not isinstance(wanted, list):
        raise Invalid("Invalid input for field/attribute tags: must be a list")
    fresh = list(dict.fromkeys(_check_tag(t) for t in wanted))
    return json_response({"tags": await _write(request, inst, lambda _old: fresh)})


async def delete_all(request: Request) -> Response:
    inst = await _server(request)
    await _write(request, inst, lambda _old: [])
    return empty(204)


async def check(request: Request) -> Response:
    inst = await _server(request)
    policy.reader(request.context, "os_compute_api:os-server-tags:show")
    tag = request.path_params["tag"]
    if tag not in (inst.tags or []):
        raise NotFound(f"Tag {tag} could not be found for server {inst.uuid}.")
    return empty(204)


async def add(request: Request) -> Response:
    inst = await _server(request)
    tag = _check_tag(request.path_params["tag"])
    existed = tag in (inst.tags or [])
    await _write(request, inst, lambda old: old if tag in old else [*old, tag])
    if existed:
        return empty(204)
    location = f"{base_url(request)}/v2.1/servers/{inst.uuid}/tags/{segment(tag)}"
    return empty(201, headers=[("location", location)])


async def delete(request: Request) -> Response:
    inst = await _server(request)
    tag = request.path_params["tag"]
    if tag not in (inst.tags or []):
        raise NotFound(f"Tag {tag} could not be found for server {inst.uuid}.")
    await _write(request, inst, lambda old: [t for t in old if t != tag])
    return empty(204)
