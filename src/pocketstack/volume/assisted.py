"""Snapshots of attached volumes, taken by the hypervisor (as Cinder's remotefs drivers
ask Nova): ``POST /compute/v2.1/os-assisted-volume-snapshots`` with ``{"snapshot":
{"volume_id", "create_info": {"snapshot_id", "type": "qcow2", "name"}}}`` (an internal
snapshot of a qcow2 volume) or ``"create_info": {"snapshot_id", "type": "backup",
"target"}`` (a point-in-time qcow2 copy of a raw volume, written by QEMU), and
``DELETE /compute/v2.1/os-assisted-volume-snapshots/<snapshot id>?delete_info=
{"volume_id", "type": "qcow2", "name"}`` (internal snapshots only: a copy is a file the
volume service deletes itself), with the service token.

Why the compute API and not a bus call to the agent: the volume service does not know
which host runs the VM holding the volume (compute's instances do), and the compute API
already finds it; Cinder reaches Nova the same way. ``name`` and the ``backup`` type are
pocketstack's additions (Nova's libvirt driver makes external snapshots, named by
``new_file``). Unlike Nova, which casts and later reports through
``os-update_snapshot_status``, pocketstack's compute answers once the snapshot exists
(or failed), so the volume manager learns the outcome from the answer.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from pocketstack.runtime import Runtime
from pocketstack.volume.backends.base import BackendError

PATH = "/compute/v2.1/os-assisted-volume-snapshots"
# A snapshot of a busy TCG guest's disk may wait for in-flight requests to drain.
TIMEOUT = 180.0


def _reason(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        inner = next(iter(body.values())) if isinstance(body, dict) and body else {}
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    except ValueError:
        pass
    return resp.text.strip()[:300]


async def _send(runtime: Runtime, method: str, url: str, **kw: Any) -> httpx.Response:
    try:
        token = await runtime.service_token()
        async with runtime.http() as client:
            return await client.request(method, url, headers={"X-Auth-Token": token}, timeout=TIMEOUT, **kw)
    except httpx.HTTPError as exc:
        raise BackendError(f"The compute service could not be reached for an assisted snapshot: {exc}") from None


async def create(runtime: Runtime, volume_id: str, snapshot_id: str, info: dict[str, Any]) -> None:
    """Have the hypervisor holding ``volume_id`` make what the backend's ``info`` asks:
    an internal snapshot (``name``) or a point-in-time copy into ``target``."""
    if info["type"] == "backup":
        create_info = {"snapshot_id": snapshot_id, "type": "backup", "target": info["target"]}
    else:
        create_info = {"snapshot_id": snapshot_id, "type": "qcow2", "name": info["name"]}
    body = {"snapshot": {"volume_id": volume_id, "create_info": create_info}}
    resp = await _send(runtime, "POST", PATH, json=body)
    if resp.status_code != 200:
        raise BackendError(f"Compute could not snapshot the attached volume ({resp.status_code}): {_reason(resp)}")


async def delete(runtime: Runtime, volume_id: str, snapshot_id: str, name: str) -> None:
    """Have the hypervisor holding ``volume_id`` delete internal snapshot ``name``."""
    info = json.dumps({"volume_id": volume_id, "type": "qcow2", "name": name})
    resp = await _send(runtime, "DELETE", f"{PATH}/{snapshot_id}", params={"delete_info": info})
    if resp.status_code != 204:
        raise BackendError(
            f"Compute could not delete the snapshot of the attached volume ({resp.status_code}): {_reason(resp)}"
        )
