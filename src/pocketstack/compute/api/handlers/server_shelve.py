"""shelve, shelveOffload and unshelve (server actions).

shelve creates the queued snapshot image ``<name>-shelved`` (as createImage does) and
casts the shelve to the server's agent; shelveOffload (admin) takes a SHELVED server off
its host; unshelve powers a SHELVED server on where it is, or has the conductor place an
offloaded one again. All answer 202.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid
from pocketstack.compute import states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, service
from pocketstack.compute.api.handlers.server_images import begin_task, image_with_task, refuse, snapshot_body
from pocketstack.compute.models import Aggregate, ComputeService, Instance
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty
from pocketstack.web.validation import validate

SHELVABLE = (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED)
UNSHELVABLE = (states.SHELVED, states.SHELVED_OFFLOADED)


def _check_unlocked(inst: Instance, is_admin: bool) -> None:
    if inst.locked and not is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")


async def shelve(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:os-shelve:shelve")
    _check_unlocked(inst, ctx.is_admin)
    if inst.vm_state not in SHELVABLE or inst.task_state is not None or not inst.host:
        raise refuse(inst, "shelve")
    if any(b.get("boot_index") == 0 and b.get("destination_type") == "volume" for b in inst.block_device_mapping or []):
        # Data volumes go along (kept reserved while offloaded); a volume root does not.
        raise Conflict(f"Instance {inst.uuid} boots from a volume: shelving it is not supported here.")
    body = snapshot_body(inst, f"{inst.name}-shelved", {}, str(ctx.user_id), str(ctx.project_id))
    image = await image_with_task(request, inst, body, "shelve", SHELVABLE, states.SHELVING)
    await svc.compute_api.shelve_instance(
        ctx, str(inst.host), instance_uuid=inst.uuid, image_id=image["id"], offload=svc.config.shelved_offload_time == 0
    )
    return empty(202)


async def shelve_offload(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-shelve:shelve_offload")
    if inst.vm_state != states.SHELVED or inst.task_state is not None or not inst.host:
        raise refuse(inst, "shelveOffload")
    await begin_task(request, inst.uuid, "shelveOffload", (states.SHELVED,), states.SHELVING_OFFLOADING)
    await service(request).compute_api.shelve_offload_instance(ctx, str(inst.host), instance_uuid=inst.uuid)
    return empty(202)


UNSHELVE = {
    "type": ["object", "null"],
    "properties": {
        "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "additionalProperties": False,
}


async def _placement_choice(request: Request, inst: Instance, args: Any) -> tuple[dict[str, Any], str | None]:
    """2.77's availability_zone and 2.91's host (admins) and null zone (unpin): the
    instance's new requested zone (as columns) and the host the scheduler is held to.
    Only an offloaded server can be sent elsewhere (409 otherwise)."""
    data = validate(UNSHELVE, args) or {}
    if data and not at_least(request, 77):
        raise Invalid("Invalid input for field/attribute unshelve: must be null before microversion 2.77")
    if ("host" in data or data.get("availability_zone", "") is None) and not at_least(request, 91):
        raise Invalid("Invalid input for field/attribute unshelve: 'host' and a null zone need microversion 2.91")
    if not data:
        return {}, None
    host = data.get("host")
    if host:
        policy.admin(request.context, "os_compute_api:os-shelve:unshelve_to_host")
    if inst.vm_state != states.SHELVED_OFFLOADED:
        raise Conflict(
            f"The unshelve action of instance {inst.uuid} with a zone or host needs it SHELVED_OFFLOADED, "
            f"not {inst.vm_state}."
        )
    async with service(request).db.reader() as s:
        rows = list(await s.scalars(select(ComputeService).where(ComputeService.binary == "nova-compute")))
        groups = list(await s.scalars(select(Aggregate)))
    named = {
        h: a.metadata_["availability_zone"] for a in groups if a.metadata_.get("availability_zone") for h in a.hosts
    }
    zone_of = {r.host: named.get(r.host, r.zone) for r in rows}
    changes: dict[str, Any] = {}
    if "availability_zone" in data:
        zone = data["availability_zone"]
        if zone is not None and zone not in zone_of.values():
            raise Invalid(f"The requested availability zone is not available: {zone}")
        changes = {"requested_availability_zone": zone}
    if host:
        if host not in zone_of:
            raise Invalid(f"Compute host {host} could not be found.")
        if data.get("availability_zone") and zone_of[host] != data["availability_zone"]:
            raise Invalid(f"Host {host} is not in availability zone {data['availability_zone']}.")
    return changes, host


async def unshelve(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:os-shelve:unshelve")
    _check_unlocked(inst, ctx.is_admin)
    if inst.vm_state not in UNSHELVABLE or inst.task_state is not None:
        raise refuse(inst, "unshelve")
    changes, host = await _placement_choice(request, inst, args)
    await begin_task(request, inst.uuid, "unshelve", UNSHELVABLE, states.UNSHELVING, changes)
    if inst.vm_state == states.SHELVED and inst.host:
        await svc.compute_api.unshelve_on_host(ctx, str(inst.host), instance_uuid=inst.uuid)
    else:
        await svc.conductor_api.unshelve_instance(ctx, instance_uuid=inst.uuid, requested_host=host)
    return empty(202)
