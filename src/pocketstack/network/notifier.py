"""Telling compute about ports: ``network-vif-plugged`` / ``-deleted`` server external events.

Sent over HTTP to the compute API (``POST /compute/v2.1/os-server-external-events``) with
the cloud's service token. Compute may be absent or down: a failed delivery is logged
and the network service carries on (compute waits for the event with a bound anyway).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/compute/v2.1/os-server-external-events"


class EventNotifier(Protocol):
    async def send(self, events: list[dict[str, Any]]) -> bool:
        """Deliver ``events``; True if compute accepted them. Never raises."""
        ...


def vif_event(name: str, server_id: str, port_id: str, status: str = "completed") -> dict[str, Any]:
    return {"name": name, "server_uuid": server_id, "tag": port_id, "status": status}


class ComputeNotifier:
    def __init__(self, runtime: Runtime, path: str = EVENTS_PATH) -> None:
        self.runtime = runtime
        self.path = path

    async def send(self, events: list[dict[str, Any]]) -> bool:
        try:
            token = await self.runtime.service_token()
            async with self.runtime.http() as client:
                response = await client.post(self.path, json={"events": events}, headers={"X-Auth-Token": token})
        except Exception as exc:
            log.warning("could not send %d event(s) to compute: %s", len(events), exc)
            return False
        if response.status_code >= 300:
            log.warning(
                "compute answered %s to %d event(s): %s", response.status_code, len(events), response.text[:200]
            )
            return False
        return True
