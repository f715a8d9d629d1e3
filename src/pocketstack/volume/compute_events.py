"""Telling compute that an attached volume grew: the ``volume-extended`` server external
event (``POST /compute/v2.1/os-server-external-events``, tag = volume id), as Cinder
tells Nova. Compute's agent then has the hypervisor re-read the size (QMP block_resize),
so the guest sees the new capacity. Sent with the service token; a compute that is
absent or down is logged, never an error of the extend itself.
"""

from __future__ import annotations

import logging

from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/compute/v2.1/os-server-external-events"


async def volume_extended(runtime: Runtime, volume_id: str, server_ids: list[str]) -> bool:
    """True if compute accepted the events (each server that has the volume attached)."""
    if not server_ids:
        return True
    events = [{"name": "volume-extended", "server_uuid": sid, "tag": volume_id} for sid in server_ids]
    try:
        token = await runtime.service_token()
        async with runtime.http() as client:
            resp = await client.post(EVENTS_PATH, json={"events": events}, headers={"X-Auth-Token": token})
    except Exception as exc:
        log.warning("volume %s: could not tell compute it was extended: %s", volume_id, exc)
        return False
    if resp.status_code >= 300:
        log.warning(
            "volume %s: compute answered %s to volume-extended: %s", volume_id, resp.status_code, resp.text[:200]
        )
        return False
    return True
