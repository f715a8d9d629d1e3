"""os-volume_attachments: list, show, attach and detach volumes on a server.

Attach: the volume is reserved with the volume API (a 3.27 attachment, refused if it
is in use), a device name is recorded on the instance, and the host's agent connects
it and hot-plugs it (a bus call: the answer comes once the guest has the device or the
attach was undone). Detach is asynchronous, as in Nova: 202 at once, the volume
``detaching`` until the host has unplugged it (then ``available``) or failed to (then
``in-use`` again, with an instance fault); the root volume of a server booted from a
volume cannot be detached. Attachments live in the instance's block_device_mapping.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound, NotImplementedYet
from pocketstack.compute import states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions, instances
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

ATTACH_TIMEOUT = 120.0
ATTACHABLE = (states.ACTIVE, states.PAUSED, states.STOPPED)
_DEVICE = re.compile(r"^/dev/[a-z]+$")

ATTACH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "volumeAttachment": {
            "type": "object",
            "properties": {
                "volumeId": {"type": "string", "minLength": 1, "maxLength": 255},
                "device": {"type": ["string", "null"], "maxLength": 255},
                "tag": {"type": "string", "maxLength": 60},
                "delete_on_termination": {"type": "boolean"},
            },
            "required": ["volumeId"],
            "additionalProperties": False,
        }
    },
    "required": ["volumeAttachment"],
    "additionalProperties": False,
}


def _offloaded(request: Request, inst: Instance) -> bool:
    """A shelved-offloaded server takes and gives up volumes from 2.20 (no host acts)."""
    return inst.vm_state == states.SHELVED_OFFLOADED and inst.task_state is None and at_least(request, 20)


def _volume_bdms(inst: Instance) -> list[dict[str, Any]]:
    return [b for b in inst.block_device_mapping or [] if b.get("volume_id")]


def _view(request: Request, inst: Instance, bdm: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": bdm["volume_id"],
        "serverId": inst.uuid,
        "volumeId": bdm["volume_id"],
        "device": bdm.get("device"),
    }
    if at_least(request, 70):
        out["tag"] = bdm.get("tag")
    if at_least(request, 79):
        out["delete_on_termination"] = bool(bdm.get("delete_on_termination"))
    if at_least(request, 89):
        del out["id"]
        out["attachment_id"] = bdm.get("attachment_id")
        out["bdm_uuid"] = bdm.get("uuid")
    return out


def _next_device(inst: Instance, wanted: str | None) -> str:
    used = {"/dev/vda"} | {b.get("device") for b in inst.block_device_mapping or []}
    if wanted:
        if not _DEVICE.match(wanted):
            raise Invalid(f"The supplied device path ({wanted}) is invalid.")
        if wanted in used:
            raise Invalid(f"The supplied device path ({wanted}) is in use.")
        return wanted
    for letter in string.ascii_lowercase[1:]:
        if f"/dev/vd{letter}" not in used:
            return f"/dev/vd{letter}"
    raise Invalid(f"No free device name is left on instance {inst.uuid}.")


async def _change_bdms(request: Request, uuid: str, change: Callable[[list[dict[str, Any]]], None]) -> Instance:
    svc = service(request)
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == uuid).with_for_update())
        if row is None or row.deleted:
            raise NotFound(f"Instance {uuid} could not be found.")
        bdms = [dict(b) for b in row.block_device_mapping or []]
        change(bdms)
        row.block_device_mapping = bdms
        return row


async def index(request: Request) -> Response:
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    policy.reader(ctx, "os_compute_api:os-volumes-attachments:index")
    items = [_view(request, inst, b) for b in _volume_bdms(inst)]
    return json_response({"volumeAttachments": items})


async def show(request: Request) -> Response:
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    policy.reader(ctx, "os_compute_api:os-volumes-attachments:show")
    volume_id = request.path_params["volume_id"]
    for bdm in _volume_bdms(inst):
        if bdm["volume_id"] == volume_id:
            return json_response({"volumeAttachment": _view(request, inst, bdm)})
    raise NotFound(f"Volume {volume_id} is not attached to instance {inst.uuid}.")


async def create(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-volumes-attachments:create")
    data = validate(ATTACH_SCHEMA, await body(request))["volumeAttachment"]
    if "tag" in data and not at_least(request, 49):
        raise Invalid("Invalid input: 'tag' needs microversion 2.49 or later.")
    if "delete_on_termination" in data and not at_least(request, 79):
        raise Invalid("Invalid input: 'delete_on_termination' needs microversion 2.79 or later.")
    offloaded = _offloaded(request, inst)
    if not offloaded and (inst.vm_state not in ATTACHABLE or inst.task_state is not None or not inst.host):
        raise Conflict(
            f"Cannot 'attach_volume' instance {inst.uuid} while it is in vm_state {inst.vm_state}"
            + (f" and task_state {inst.task_state}" if inst.task_state else "")
        )
    volume_id = data["volumeId"]
    if any(b["volume_id"] == volume_id for b in _volume_bdms(inst)):
        raise Invalid(f"Invalid volume: volume {volume_id} is already attached to instance {inst.uuid}.")
    volumes = VolumeClient(svc.runtime)
    try:
        attachment = await volumes.attachment_create(volume_id, inst.uuid, ctx.auth_token)
    except NotFound:
        raise NotFound(f"Volume {volume_id} could not be found.") from None
    device = ""

    def add(bdms: list[dict[str, Any]]) -> None:
        nonlocal device
        current = Instance(block_device_mapping=bdms)
        device = _next_device(current, data.get("device"))
        bdms.append(
            {
                "uuid": attachment["id"],
                "volume_id": volume_id,
                "attachment_id": attachment["id"],
                "device": device,
                "boot_index": None,
                "source_type": "volume",
                "destination_type": "volume",
                "delete_on_termination": bool(data.get("delete_on_termination", False)),
                "tag": data.get("tag"),
                "status": "reserved" if offloaded else "attaching",
            }
        )

    if offloaded:
        # 2.20: no host to connect it; the attachment is completed without one (the
        # volume is in-use, as Nova does) and the host that unshelves it connects it.
        await volumes.attachment_complete(attachment["id"], ctx.auth_token)
        inst = await _change_bdms(request, inst.uuid, add)
        bdm = next(b for b in _volume_bdms(inst) if b["volume_id"] == volume_id)
        return json_response({"volumeAttachment": _view(request, inst, bdm)})
    try:
        inst = await _change_bdms(request, inst.uuid, add)
        await svc.compute_api.attach_volume(
            ctx,
            str(inst.host),
            timeout=ATTACH_TIMEOUT,
            instance_uuid=inst.uuid,
            volume_id=volume_id,
            attachment_id=attachment["id"],
            device=device,
        )
    except Exception:
        # Undo the reservation and the device record: the volume is available again.
        await volumes.attachment_delete(attachment["id"], ctx.auth_token)
        await _change_bdms(request, inst.uuid, lambda b: _drop(b, volume_id))
        raise

    def mark(bdms: list[dict[str, Any]]) -> None:
        for bdm in bdms:
            if bdm.get("volume_id") == volume_id:
                bdm["status"] = "attached"

    inst = await _change_bdms(request, inst.uuid, mark)
    bdm = next(b for b in _volume_bdms(inst) if b["volume_id"] == volume_id)
    return json_response({"volumeAttachment": _view(request, inst, bdm)})


def _drop(bdms: list[dict[str, Any]], volume_id: str) -> None:
    bdms[:] = [b for b in bdms if b.get("volume_id") != volume_id]


async def delete(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-volumes-attachments:delete")
    volume_id = request.path_params["volume_id"]
    bdm = next((b for b in _volume_bdms(inst) if b["volume_id"] == volume_id), None)
    if bdm is None:
        raise NotFound(f"Volume {volume_id} is not attached to instance {inst.uuid}.")
    if bdm.get("boot_index") == 0:
        raise Invalid("Cannot detach a root device volume")
    if _offloaded(request, inst):
        await VolumeClient(svc.runtime).attachment_delete(bdm.get("attachment_id") or "", ctx.auth_token)
        await _change_bdms(request, inst.uuid, lambda b: _drop(b, volume_id))
        return empty(202)
    if inst.vm_state not in ATTACHABLE or inst.task_state is not None or not inst.host:
        raise Conflict(f"Cannot 'detach_volume' instance {inst.uuid} while it is in vm_state {inst.vm_state}")
    if bdm.get("status") == "attaching":
        raise Conflict(f"Volume {volume_id} is still being attached to instance {inst.uuid}.")
    # As Nova: the volume service marks the volume detaching (a volume already detaching
    # or not in-use is refused there: 400), the action is recorded, the host is told by
    # a cast and the answer is 202 at once. The host ends the attachment (the volume goes
    # available) or, when the guest keeps the device, rolls the volume back to in-use and
    # records the failure as an instance fault and an Error event of the action.
    volumes = VolumeClient(svc.runtime)
    await volumes.begin_detaching(volume_id, ctx.auth_token)
    try:
        async with svc.db.writer() as s:
            row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid).with_for_update())
            if row is None or row.deleted:
                raise NotFound(f"Instance {inst.uuid} could not be found.")
            bdms = [dict(b) for b in row.block_device_mapping or []]
            for b in bdms:
                if b.get("volume_id") == volume_id:
                    b["status"] = "detaching"
            row.block_device_mapping = bdms
            actions.start_action(s, inst.uuid, "detach_volume", ctx.to_dict())
        await svc.compute_api.detach_volume(
            ctx,
            str(inst.host),
            instance_uuid=inst.uuid,
            volume_id=volume_id,
            attachment_id=bdm.get("attachment_id") or "",
            device=bdm.get("device") or "",
        )
    except Exception:
        await volumes.roll_detaching(volume_id, ctx.auth_token)
        raise
    return empty(202)


UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "volumeAttachment": {
            "type": "object",
            "properties": {
                "volumeId": {"type": "string", "minLength": 1, "maxLength": 255},
                "device": {"type": ["string", "null"]},
                "tag": {"type": "string"},
                "id": {"type": "string"},
                "serverId": {"type": "string"},
                "delete_on_termination": {"type": "boolean"},
            },
            "required": ["volumeId"],
            "additionalProperties": False,
        }
    },
    "required": ["volumeAttachment"],
    "additionalProperties": False,
}


async def update(request: Request) -> Response:
    """PUT .../os-volume_attachments/{volume_id}: with the same volumeId, change the
    attachment's delete_on_termination (2.85); with another, swap the volume (admins),
    which pocketstack's drivers cannot do (501)."""
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    data = validate(UPDATE_SCHEMA, await body(request))["volumeAttachment"]
    if set(data) - {"volumeId"} and not at_least(request, 85):
        raise Invalid("Invalid input: only 'volumeId' may be given before microversion 2.85.")
    volume_id = request.path_params["volume_id"]
    swap = data["volumeId"] != volume_id
    if swap:
        policy.admin(ctx, "os_compute_api:os-volumes-attachments:swap")
    else:
        policy.owner(ctx, inst.project_id, "os_compute_api:os-volumes-attachments:update")
    bdm = next((b for b in _volume_bdms(inst) if b["volume_id"] == volume_id), None)
    if bdm is None:
        raise NotFound(f"The volume {volume_id} was either invalid or not attached to the instance.")
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if swap:
        raise NotImplementedYet("Swapping an attached volume is not supported by this cloud's virt drivers.")
    for key, current in (("device", bdm.get("device")), ("tag", bdm.get("tag")), ("serverId", inst.uuid)):
        if key in data and data[key] != current:
            raise Invalid(f"Invalid input: the attachment's {key} cannot be changed.")
    if "id" in data and data["id"] != volume_id:
        raise Invalid("Invalid input: the attachment's id cannot be changed.")
    if "delete_on_termination" in data:

        def _set(bdms: list[dict[str, Any]]) -> None:
            for b in bdms:
                if b.get("volume_id") == volume_id:
                    b["delete_on_termination"] = data["delete_on_termination"]

        await _change_bdms(request, inst.uuid, _set)
    return empty(202)
