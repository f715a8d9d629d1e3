"""Keystone's notifications (its "basic" format): ``identity.<resource>.<operation>``
(``identity.project.created``, ``identity.user.deleted``, ...) with the payload
``{"resource_info": ID}``, published from ``identity.HOST`` after the change is
committed. On RabbitMQ they reach OpenStack's consumers on the ``keystone`` exchange
(docs/notifications.md)."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from pocketstack.common.context import RequestContext

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

log = logging.getLogger(__name__)

PUBLISHER = f"identity.{socket.gethostname()}"


async def emit(svc: IdentityService, ctx: RequestContext, resource: str, operation: str, resource_id: str) -> None:
    """Publish one event; a bus that cannot take it costs a log line, never the request."""
    event_type = f"identity.{resource}.{operation}"
    try:
        await svc.runtime.bus.notify(event_type, {"resource_info": resource_id}, ctx.to_dict(), publisher_id=PUBLISHER)
    except Exception as exc:
        log.warning("identity: notification %s not sent: %s", event_type, exc)
