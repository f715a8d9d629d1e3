"""os-assisted-volume-snapshots (admin; the volume service's call): snapshots of an
attached volume that only the hypervisor holding its file can take.

POST ``{"snapshot": {"volume_id", "create_info": {"snapshot_id", "type": "qcow2",
"name"}}}`` has the host's agent take internal snapshot ``name`` (QMP
blockdev-snapshot-internal-sync on the volume's node); with ``"type": "backup",
"target"`` (pocketstack's addition, for raw volumes) QEMU copies the disk as of that
moment into a new qcow2 file ``target`` next to the volume (drive-backup); DELETE
``/{snapshot_id}?delete_info={"volume_id", "name", ...}`` deletes it. Nova's libvirt
driver makes external snapshots (``new_file``), which pocketstack does not: ``new_file``
is refused. Nova answers at once and reports later through the volume API; here the
agent is called and the answer says how it went (the volume manager waits for it).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import String, cast, select

from pocketstack.common.errors import Conflict, Invalid, NotFound, PocketError
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import body, service
from pocketstack.compute.models import Instance
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

# A snapshot waits for the guest's in-flight writes to drain (slow under TCG).
AGENT_TIMEOUT = 120.0
_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[A-Za-z0-9_.:-]+$"}

CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "create_info": {
                    "type": "object",
                    "properties": {
                        "snapshot_id": {"type": "string", "minLength": 1, "maxLength": 255},
                        "type": {"type": "string", "enum": ["qcow2", "backup"]},
                        "new_file": {"type": "string", "maxLength": 255},
                        "id": {"type": "string", "maxLength": 255},
                        "name": _NAME,
                        "target": {"type": "string", "minLength": 1, "maxLength": 4096},
                    },
                    "required": ["snapshot_id", "type"],
                    "additionalProperties": False,
                },
            },
            "required": ["volume_id", "create_info"],
            "additionalProperties": False,
        }
    },
    "required": ["snapshot"],
    "additionalProperties": False,
}

DELETE_INFO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "type": {"type": "string", "enum": ["qcow2"]},
        "name": _NAME,
    },
    "required": ["volume_id"],
}


async def _holder(request: Request, volume_id: str) -> Instance:
    """The live server that has the volume attached, on a host."""
    svc = service(request)
    # The mappings are JSON on the instance: narrow by text, then check properly.
    query = select(Instance).where(
        Instance.deleted.is_(False),
        Instance.host.is_not(None),
        cast(Instance.block_device_mapping, String).contains(volume_id),
    )
    async with svc.db.reader() as s:
        for inst in await s.scalars(query):
            if any(b.get("volume_id") == volume_id for b in inst.block_device_mapping or []):
                return inst
    raise Invalid(f"Volume {volume_id} is not attached to any server (no block device mapping found).")


async def _call_agent(inst: Instance, volume_id: str, call: Awaitable[None], *, deleting: bool = False) -> None:
    try:
        await call
    except (Invalid, NotFound):
        raise
    except PocketError as exc:
        # The hypervisor refused (or the host did not answer): the snapshot state is
        # unchanged, so a conflict with what the server is doing, not bad input.
        what = "delete the snapshot of" if deleting else "snapshot"
        raise Conflict(f"Server {inst.uuid} could not {what} volume {volume_id}: {exc.message}") from None


async def create(request: Request) -> Response:
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-assisted-volume-snapshots:create")
    data = validate(CREATE_SCHEMA, await body(request))["snapshot"]
    info = data["create_info"]
    if info.get("new_file"):
        raise Invalid("Invalid input: external snapshots (create_info.new_file) are not supported; omit new_file.")
    snapshot_id = info["snapshot_id"]
    inst = await _holder(request, data["volume_id"])
    if info["type"] == "backup":
        if not info.get("target"):
            raise Invalid("Invalid input: create_info of type backup needs a 'target' file.")
        agent = service(request).compute_api
        await _call_agent(
            inst,
            data["volume_id"],
            agent.volume_backup(
                ctx, str(inst.host), inst.uuid, data["volume_id"], info["target"], timeout=AGENT_TIMEOUT
            ),
        )
    else:
        name = info.get("name") or f"snapshot-{snapshot_id}"
        agent = service(request).compute_api
        await _call_agent(
            inst,
            data["volume_id"],
            agent.volume_snapshot_create(
                ctx, str(inst.host), inst.uuid, data["volume_id"], name, timeout=AGENT_TIMEOUT
            ),
        )
    return json_response({"snapshot": {"id": snapshot_id, "volumeId": data["volume_id"]}})


async def delete(request: Request) -> Response:
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-assisted-volume-snapshots:delete")
    raw = request.param("delete_info")
    if not raw:
        raise Invalid("Invalid input: the delete_info query parameter is required.")
    try:
        info = json.loads(raw)
    except ValueError:
        raise Invalid("Invalid input: delete_info is not JSON.") from None
    info = validate(DELETE_INFO_SCHEMA, info)
    snapshot_id = request.path_params["snapshot_id"]
    name = info.get("name") or f"snapshot-{snapshot_id}"
    inst = await _holder(request, info["volume_id"])
    agent = service(request).compute_api
    await _call_agent(
        inst,
        info["volume_id"],
        agent.volume_snapshot_delete(ctx, str(inst.host), inst.uuid, info["volume_id"], name, timeout=AGENT_TIMEOUT),
        deleting=True,
    )
    return empty(204)
