"""Notifications in the oslo.messaging format, for consumers written for OpenStack (#15).

What pocketstack's services publish with ``Bus.notify`` is translated here into what an
OpenStack service's oslo.messaging notifier would put on RabbitMQ, so a Ceilometer-style
``oslo_messaging.get_notification_listener`` receives it unchanged:

- exchange: the service's own control exchange (``nova``, ``neutron``, ``cinder``,
  ``glance``, ``keystone``), a non-durable topic exchange as oslo declares by default;
- routing key: ``<topic>.<priority>`` (``versioned_notifications.info``,
  ``notifications.info``, ``notifications.error``...); a queue of that name is declared
  and bound too, as oslo's notifier does, so events published before a consumer starts
  wait for it;
- body: oslo's envelope ``{"oslo.version": "2.0", "oslo.message": "<JSON>"}`` whose inner
  message holds ``message_id``, ``publisher_id``, ``event_type``, ``priority``,
  ``timestamp`` (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC), ``payload``, ``_unique_id`` and the
  request context as ``_context_<key>`` entries.

Nova's instance events are published versioned (``instance.create.end`` with a
``nova_object.*`` payload on ``versioned_notifications``), unversioned (the legacy
``compute.instance.create.end`` with a flat payload on ``notifications``) or both, per
the ``[notifications] nova_format`` setting. See docs/notifications.md.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger(__name__)

SERVICES = ("nova", "neutron", "cinder", "glance", "keystone")
FORMATS = ("versioned", "unversioned", "both")
DRIVERS = ("messaging", "noop")


@dataclass
class ServiceNotifications:
    """How one service's events leave the cloud."""

    exchange: str
    driver: str = "messaging"
    fmt: str = "unversioned"
    topics: tuple[str, ...] = ("notifications",)
    versioned_topics: tuple[str, ...] = ("versioned_notifications",)


def _topics(value: str, where: str) -> tuple[str, ...]:
    topics = tuple(t.strip() for t in value.split(",") if t.strip())
    if not topics:
        raise ValueError(f"[notifications] {where} names no topic")
    return topics


def settings_from_config(section: Any) -> dict[str, ServiceNotifications]:
    """The per-service settings of a ``[notifications]`` config section."""
    out: dict[str, ServiceNotifications] = {}
    for service in SERVICES:
        driver = str(getattr(section, f"{service}_driver")).strip().lower()
        if driver not in DRIVERS:
            raise ValueError(f"[notifications] {service}_driver must be one of {', '.join(DRIVERS)}, not {driver!r}")
        fmt = "unversioned"
        versioned: tuple[str, ...] = ("versioned_notifications",)
        if service == "nova":
            fmt = str(section.nova_format).strip().lower()
            if fmt not in FORMATS:
                raise ValueError(f"[notifications] nova_format must be one of {', '.join(FORMATS)}, not {fmt!r}")
            versioned = _topics(section.nova_versioned_topics, "nova_versioned_topics")
        out[service] = ServiceNotifications(
            exchange=str(getattr(section, f"{service}_exchange")) or service,
            driver=driver,
            fmt=fmt,
            topics=_topics(getattr(section, f"{service}_topics"), f"{service}_topics"),
            versioned_topics=versioned,
        )
    return out


def service_of(event_type: str, publisher_id: str) -> str:
    """Which OpenStack service an event belongs to (its exchange)."""
    head = event_type.split(".", 1)[0]
    if publisher_id.startswith("nova") or head in ("instance", "compute", "service", "aggregate", "keypair"):
        return "nova"
    if head in ("volume", "snapshot", "backup") or publisher_id.startswith(("volume", "cinder")):
        return "cinder"
    if head == "image" or publisher_id.startswith(("image", "glance")):
        return "glance"
    if head in ("network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule"):
        return "neutron"
    if head == "identity" or publisher_id.startswith(("identity", "keystone")):
        return "keystone"
    return "nova"


def oslo_timestamp(when: datetime.datetime | None = None) -> str:
    """oslo's ``str(timeutils.utcnow())``: naive UTC, a space between date and time."""
    when = when or datetime.datetime.now(datetime.UTC)
    return when.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def envelope(event_type: str, payload: Any, ctx: dict[str, Any] | None, publisher_id: str, priority: str) -> bytes:
    """One notification as the bytes oslo.messaging's rabbit driver would send."""
    inner: dict[str, Any] = {
        "message_id": str(uuid.uuid4()),
        "publisher_id": publisher_id,
        "event_type": event_type,
        "priority": priority.upper(),
        "payload": payload,
        "timestamp": oslo_timestamp(),
        "_unique_id": uuid.uuid4().hex,
    }
    for key, value in (ctx or {}).items():
        inner[f"_context_{key}"] = value
    return orjson.dumps({"oslo.version": "2.0", "oslo.message": orjson.dumps(inner).decode()})


def is_versioned(payload: Any) -> bool:
    return isinstance(payload, dict) and "nova_object.data" in payload


def legacy_instance_payload(versioned: dict[str, Any]) -> dict[str, Any]:
    """Nova's unversioned (legacy) instance payload from the versioned one."""
    data = dict(versioned.get("nova_object.data") or {})
    flavor = data.get("flavor") or {}
    if isinstance(flavor, dict) and "nova_object.data" in flavor:
        flavor = flavor["nova_object.data"]
    ips = []
    for ip in data.get("ip_addresses") or []:
        ip_data = ip.get("nova_object.data", ip) if isinstance(ip, dict) else {}
        ips.append(
            {
                "address": ip_data.get("address"),
                "version": ip_data.get("version"),
                "label": ip_data.get("label"),
                "vif_mac": ip_data.get("mac"),
                "type": "fixed",
            }
        )
    return {
        "instance_id": data.get("uuid"),
        "display_name": data.get("display_name"),
        "tenant_id": data.get("tenant_id"),
        "user_id": data.get("user_id"),
        "host": data.get("host"),
        "node": data.get("node"),
        "state": data.get("state"),
        "state_description": data.get("task_state") or "",
        "power_state": data.get("power_state"),
        "instance_type": flavor.get("name"),
        "instance_flavor_id": flavor.get("flavorid"),
        "memory_mb": flavor.get("memory_mb"),
        "vcpus": flavor.get("vcpus"),
        "root_gb": flavor.get("root_gb"),
        "disk_gb": flavor.get("root_gb"),
        "ephemeral_gb": flavor.get("ephemeral_gb", 0),
        "image_ref_url": data.get("image_uuid"),
        "created_at": data.get("created_at"),
        "launched_at": data.get("launched_at") or "",
        "deleted_at": data.get("deleted_at") or "",
        "terminated_at": data.get("terminated_at") or "",
        "availability_zone": data.get("availability_zone"),
        "reservation_id": data.get("reservation_id"),
        "fixed_ips": ips,
        "metadata": data.get("metadata") or {},
    }


def messages(
    settings: dict[str, ServiceNotifications],
    event_type: str,
    payload: Any,
    ctx: dict[str, Any] | None,
    publisher_id: str,
    priority: str,
) -> list[tuple[str, str, bytes]]:
    """(exchange, routing key, body) of each message one event becomes; none under ``noop``."""
    service = settings[service_of(event_type, publisher_id)]
    if service.driver == "noop":
        return []
    level = priority.lower()
    out: list[tuple[str, str, bytes]] = []
    if service is settings["nova"] and is_versioned(payload):
        if service.fmt in ("versioned", "both"):
            body = envelope(event_type, payload, ctx, publisher_id, priority)
            out += [(service.exchange, f"{topic}.{level}", body) for topic in service.versioned_topics]
        if service.fmt in ("unversioned", "both") and event_type.startswith("instance."):
            legacy = envelope("compute." + event_type, legacy_instance_payload(payload), ctx, publisher_id, priority)
            out += [(service.exchange, f"{topic}.{level}", legacy) for topic in service.topics]
        return out
    body = envelope(event_type, payload, ctx, publisher_id, priority)
    return [(service.exchange, f"{topic}.{level}", body) for topic in service.topics]
