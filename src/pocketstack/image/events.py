"""Glance's notifications: ``image.create``, ``image.update``, ``image.prepare`` (data
about to be received), ``image.upload``, ``image.activate`` and ``image.delete``, each
with the image as the API shows it, published from ``image.HOST`` after the change is
committed. On RabbitMQ they reach OpenStack's consumers on the ``glance`` exchange
(docs/notifications.md)."""

from __future__ import annotations

import logging
import socket
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.image.deps import ImageDeps

log = logging.getLogger(__name__)

PUBLISHER = f"image.{socket.gethostname()}"


async def emit(deps: ImageDeps, ctx: RequestContext, event_type: str, payload: dict[str, Any]) -> None:
    """Publish one event; a bus that cannot take it costs a log line, never the request."""
    if deps.bus is None:
        return
    try:
        await deps.bus.notify(event_type, payload, ctx.to_dict(), publisher_id=PUBLISHER)
    except Exception as exc:
        log.warning("image: notification %s not sent: %s", event_type, exc)
