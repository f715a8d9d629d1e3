"""The oslo.messaging form of notifications (bus/oslo_notify.py): which exchange and
routing key each event goes to under each setting, oslo's envelope, and the config's
refusal of settings it does not know."""

from __future__ import annotations

import uuid

import orjson
import pytest

from pocketstack.bus.oslo_notify import envelope, messages, service_of, settings_from_config
from pocketstack.common.config import Config, NotificationsConfig

VERSIONED = {
    "nova_object.name": "InstanceActionPayload",
    "nova_object.namespace": "nova",
    "nova_object.version": "1.8",
    "nova_object.data": {"uuid": "u1", "display_name": "vm", "state": "active", "flavor": {"memory_mb": 64}},
}


def unpack(raw: bytes) -> dict:
    outer = orjson.loads(raw)
    assert outer["oslo.version"] == "2.0"
    inner: dict = orjson.loads(outer["oslo.message"])
    return inner


def test_envelope_is_oslo_v2_with_the_context_flattened() -> None:
    inner = unpack(envelope("volume.create.end", {"volume_id": "v"}, {"request_id": "req-1"}, "volume.h", "info"))
    uuid.UUID(inner["message_id"])
    assert inner["publisher_id"] == "volume.h"
    assert inner["event_type"] == "volume.create.end"
    assert inner["priority"] == "INFO"
    assert inner["payload"] == {"volume_id": "v"}
    assert inner["_context_request_id"] == "req-1"
    assert inner["_unique_id"]
    # str(timeutils.utcnow()): date, a space, time with microseconds, no zone.
    date, clock = inner["timestamp"].split(" ")
    assert len(date) == 10 and "." in clock and "+" not in clock


@pytest.mark.parametrize(
    ("fmt", "want"),
    [
        ("versioned", [("nova", "versioned_notifications.info", "instance.create.end")]),
        ("unversioned", [("nova", "notifications.info", "compute.instance.create.end")]),
        (
            "both",
            [
                ("nova", "versioned_notifications.info", "instance.create.end"),
                ("nova", "notifications.info", "compute.instance.create.end"),
            ],
        ),
    ],
)
def test_nova_format_picks_topics_and_event_names(fmt: str, want: list[tuple[str, str, str]]) -> None:
    section = NotificationsConfig(nova_driver="messaging", nova_format=fmt)
    out = messages(settings_from_config(section), "instance.create.end", VERSIONED, {}, "nova-compute:h", "INFO")
    assert [(ex, key, unpack(raw)["event_type"]) for ex, key, raw in out] == want
    for _ex, _key, raw in out:
        inner = unpack(raw)
        if inner["event_type"].startswith("compute."):
            assert inner["payload"]["instance_id"] == "u1"
            assert inner["payload"]["memory_mb"] == 64
        else:
            assert inner["payload"] == VERSIONED


def test_other_services_exchanges_topics_priority_and_noop() -> None:
    section = NotificationsConfig(
        cinder_driver="messaging",
        cinder_topics="notifications,billing",
        neutron_driver="messaging",
        neutron_exchange="q",
    )
    settings = settings_from_config(section)
    out = messages(settings, "volume.create.end", {"volume_id": "v"}, None, "volume.h", "ERROR")
    assert [(ex, key) for ex, key, _ in out] == [("cinder", "notifications.error"), ("cinder", "billing.error")]
    assert messages(settings, "image.upload", {"id": "i"}, None, "image.localhost", "INFO") == []
    out = messages(settings, "port.create.end", {"port": {}}, None, "network.h", "INFO")
    assert [(ex, key) for ex, key, _ in out] == [("q", "notifications.info")]
    assert service_of("identity.project.created", "identity.h") == "keystone"
    assert service_of("instance.power_off.end", "nova-compute:h") == "nova"


def test_off_by_default_as_in_openstack() -> None:
    settings = settings_from_config(NotificationsConfig())
    assert messages(settings, "instance.create.end", VERSIONED, {}, "nova-compute:h", "INFO") == []
    assert messages(settings, "volume.create.end", {"volume_id": "v"}, {}, "volume.h", "INFO") == []
    on = settings_from_config(NotificationsConfig(nova_driver="messaging"))
    assert messages(on, "instance.create.end", VERSIONED, {}, "nova-compute:h", "INFO")
    assert messages(on, "volume.create.end", {"volume_id": "v"}, {}, "volume.h", "INFO") == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("NOVA_FORMAT", "xml"), ("CINDER_DRIVER", "log"), ("NOVA_TOPICS", " , "), ("NOVA_VERSIONED_TOPICS", "")],
)
def test_bad_settings_are_refused(tmp_path, key: str, value: str) -> None:  # type: ignore[no-untyped-def]
    cfg = Config.load(tmp_path, env={f"POCKETSTACK_NOTIFICATIONS_{key}": value})
    with pytest.raises(ValueError, match=r"\[notifications\]"):
        settings_from_config(cfg.notifications)
