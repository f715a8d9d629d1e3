"""Neutron's notifications: ``network``, ``subnet`` and ``port`` ``create``/``update``/
``delete`` ``.start`` and ``.end``, with Neutron's payloads (``{"network": {...}}`` at a
create or update, ``{"network_id": ...}`` at a delete), published from ``network.HOST``
after the change is committed. On RabbitMQ they reach OpenStack's consumers on the
``neutron`` exchange (docs/notifications.md)."""

from __future__ import annotations

import logging
import socket
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.network.deps import Deps

log = logging.getLogger(__name__)

PUBLISHER = f"network.{socket.gethostname()}"


async def emit(deps: Deps, ctx: RequestContext, event_type: str, payload: dict[str, Any]) -> None:
    """Publish one event; a bus that cannot take it costs a log line, never the request
    (whose change is already made)."""
    if deps.bus is None:
        return
    try:
        await deps.bus.notify(event_type, payload, ctx.to_dict(), publisher_id=PUBLISHER)
    except Exception as exc:
        log.warning("network: notification %s not sent: %s", event_type, exc)
