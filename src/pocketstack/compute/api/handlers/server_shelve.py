"""shelve, shelveOffload and unshelve (server actions).

shelve creates the queued snapshot image ``<name>-shelved`` (as createImage does) and
casts the shelve to the server's agent; shelveOffload (admin) takes a SHELVED server off
its host; unshelve powers a SHELVED server on where it is, or has the conductor place an
offloaded one again. All answer 202.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Conflict, Invalid
from pocketstack.compute import states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import service
from pocketstack.compute.api.handlers.server_images import begin_task, image_with_task, refuse, snapshot_body
from pocketstack.compute.models import Instance
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty

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
    if any(b.get("destination_type") == "volume" for b in inst.block_device_mapping or []):
        raise Conflict(f"Instance {inst.uuid} has volumes: shelving servers with volumes is not supported here.")
    body = snapshot_body(inst, f"{inst.name}-shelved", {}, str(ctx.user_id), str(ctx.project_id))
    image = await image_with_task(request, inst, body, "shelve", SHELVABLE, states.SHELVING)
    await svc.runtime.bus.cast(
        f"compute.{inst.host}",
        "shelve_instance",
        ctx.to_dict(),
        instance_uuid=inst.uuid,
        image_id=image["id"],
        offload=svc.config.shelved_offload_time == 0,
    )
    return empty(202)


async def shelve_offload(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-shelve:shelve_offload")
    if inst.vm_state != states.SHELVED or inst.task_state is not None or not inst.host:
        raise refuse(inst, "shelveOffload")
    await begin_task(request, inst.uuid, "shelveOffload", (states.SHELVED,), states.SHELVING_OFFLOADING)
    await service(request).runtime.bus.cast(
        f"compute.{inst.host}", "shelve_offload_instance", ctx.to_dict(), instance_uuid=inst.uuid
    )
    return empty(202)


async def unshelve(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    svc = service(request)
    policy.owner(ctx, inst.project_id, "os_compute_api:os-shelve:unshelve")
    if isinstance(args, dict) and args:
        # 2.77 availability_zone and 2.91 host pick where an offloaded server goes.
        raise Invalid("Invalid input for field/attribute unshelve: choosing the zone or host is not supported here.")
    _check_unlocked(inst, ctx.is_admin)
    if inst.vm_state not in UNSHELVABLE or inst.task_state is not None:
        raise refuse(inst, "unshelve")
    await begin_task(request, inst.uuid, "unshelve", UNSHELVABLE, states.UNSHELVING)
    if inst.vm_state == states.SHELVED and inst.host:
        await svc.runtime.bus.cast(f"compute.{inst.host}", "unshelve_on_host", ctx.to_dict(), instance_uuid=inst.uuid)
    else:
        await svc.runtime.bus.cast("conductor", "unshelve_instance", ctx.to_dict(), instance_uuid=inst.uuid)
    return empty(202)
