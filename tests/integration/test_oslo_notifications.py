"""Notifications for OpenStack's consumers (#15): a real ``oslo_messaging`` notification
listener, as Ceilometer builds one, on the machine's RabbitMQ receives what a distributed
pocketstack (each service its own process) publishes when a server boots on the fake
driver: Nova's versioned ``instance.create.start/end`` on ``versioned_notifications`` and
the legacy ``compute.instance.create.end`` on ``notifications``, on the ``nova`` exchange
(here a name of this test's own, so runs never see each other's events)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import fresh_postgres
from tests.integration.distributed_support import RABBIT, Processes, free_port, issue_token, reachable, wait_for

pytestmark = pytest.mark.integration

oslo_messaging = pytest.importorskip("oslo_messaging")
oslo_config = pytest.importorskip("oslo_config.cfg")

ORDER = ("identity", "placement", "image", "network", "volume", "compute")
RUN = uuid.uuid4().hex[:10]
EXCHANGE = f"nova_it{RUN}"
VERSIONED = f"versioned_notifications_it{RUN}"
LEGACY = f"notifications_it{RUN}"
NEUTRON = f"neutron_it{RUN}"
GLANCE = f"glance_it{RUN}"
CINDER = f"cinder_it{RUN}"
KEYSTONE = f"keystone_it{RUN}"


class Collector:
    """The notification endpoint: every INFO and ERROR notification, in arrival order."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def _keep(self, ctxt: Any, publisher_id: str, event_type: str, payload: Any, metadata: Any, priority: str) -> None:
        with self.lock:
            self.events.append(
                {
                    "ctxt": ctxt,
                    "publisher_id": publisher_id,
                    "event_type": event_type,
                    "payload": payload,
                    "metadata": metadata,
                    "priority": priority,
                }
            )

    def info(self, ctxt: Any, publisher_id: str, event_type: str, payload: Any, metadata: Any) -> None:
        self._keep(ctxt, publisher_id, event_type, payload, metadata, "INFO")

    def error(self, ctxt: Any, publisher_id: str, event_type: str, payload: Any, metadata: Any) -> None:
        self._keep(ctxt, publisher_id, event_type, payload, metadata, "ERROR")

    def of(self, event_type: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["event_type"] == event_type]


@pytest.fixture
def listener() -> Any:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    conf = oslo_config.ConfigOpts()
    conf([], project="pocketstack-test")
    transport = oslo_messaging.get_notification_transport(conf, url=RABBIT.replace("amqp://", "rabbit://"))
    targets = [
        oslo_messaging.Target(topic=VERSIONED, exchange=EXCHANGE),
        oslo_messaging.Target(topic=LEGACY, exchange=EXCHANGE),
        oslo_messaging.Target(topic=LEGACY, exchange=NEUTRON),
        oslo_messaging.Target(topic=LEGACY, exchange=GLANCE),
        oslo_messaging.Target(topic=LEGACY, exchange=CINDER),
        oslo_messaging.Target(topic=LEGACY, exchange=KEYSTONE),
    ]
    collector = Collector()
    server = oslo_messaging.get_notification_listener(transport, targets, [collector], executor="threading")
    server.start()
    try:
        yield collector
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
        asyncio.run(_remove_broker_objects())


async def _remove_broker_objects() -> None:
    """The queues and exchanges of this run (oslo declares them not auto-deleted)."""
    import aio_pika

    connection = await aio_pika.connect(RABBIT)
    async with connection:
        channel = await connection.channel()
        for topic in (VERSIONED, LEGACY):
            for level in ("info", "error"):
                await channel.queue_delete(f"{topic}.{level}")
        for exchange in (EXCHANGE, NEUTRON, GLANCE, CINDER, KEYSTONE):
            await channel.exchange_delete(exchange)


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Processes]:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    async with fresh_postgres() as db_url:
        procs = Processes(tmp_path, {name: free_port() for name in ORDER})
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POCKETSTACK_", "OS_"))}
        env.update(
            POCKETSTACK_DATABASE_URL=db_url,
            POCKETSTACK_BUS_URL=RABBIT,
            POCKETSTACK_BUS_NAMESPACE=f"it{RUN}",
            POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS="4",
            POCKETSTACK_IDENTITY_ADMIN_PASSWORD="admin",
            POCKETSTACK_IDENTITY_DEMO_PASSWORD="demo",
            POCKETSTACK_IDENTITY_SERVICE_PASSWORD="service",
            POCKETSTACK_COMPUTE_DRIVER="fake",
            POCKETSTACK_COMPUTE_LOCAL_AGENTS="true",
            POCKETSTACK_NETWORK_BACKEND="fake",
            POCKETSTACK_NETWORK_LOCAL_AGENTS="true",
            POCKETSTACK_IMAGE_TINY_GUEST="false",
            POCKETSTACK_LOGGING_LEVEL="WARNING",
            POCKETSTACK_NOTIFICATIONS_NOVA_DRIVER="messaging",
            POCKETSTACK_NOTIFICATIONS_NEUTRON_DRIVER="messaging",
            POCKETSTACK_NOTIFICATIONS_GLANCE_DRIVER="messaging",
            POCKETSTACK_NOTIFICATIONS_CINDER_DRIVER="messaging",
            POCKETSTACK_NOTIFICATIONS_KEYSTONE_DRIVER="messaging",
            POCKETSTACK_NOTIFICATIONS_KEYSTONE_EXCHANGE=KEYSTONE,
            POCKETSTACK_NOTIFICATIONS_KEYSTONE_TOPICS=LEGACY,
            POCKETSTACK_NOTIFICATIONS_NOVA_EXCHANGE=EXCHANGE,
            POCKETSTACK_NOTIFICATIONS_NOVA_FORMAT="both",
            POCKETSTACK_NOTIFICATIONS_NOVA_VERSIONED_TOPICS=VERSIONED,
            POCKETSTACK_NOTIFICATIONS_NOVA_TOPICS=LEGACY,
            POCKETSTACK_NOTIFICATIONS_NEUTRON_EXCHANGE=NEUTRON,
            POCKETSTACK_NOTIFICATIONS_NEUTRON_TOPICS=LEGACY,
            POCKETSTACK_NOTIFICATIONS_GLANCE_EXCHANGE=GLANCE,
            POCKETSTACK_NOTIFICATIONS_GLANCE_TOPICS=LEGACY,
            POCKETSTACK_NOTIFICATIONS_CINDER_EXCHANGE=CINDER,
            POCKETSTACK_NOTIFICATIONS_CINDER_TOPICS=LEGACY,
        )
        for name in ORDER:
            env[f"POCKETSTACK_ENDPOINTS_{name.upper()}"] = procs.url(name)
        try:
            for name in ORDER:
                await procs.start(env, name, name, "--port", str(procs.ports[name]))
            yield procs
        finally:
            await procs.stop_all()


async def received(collector: Collector, event_type: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not collector.of(event_type):
        assert time.monotonic() < deadline, f"no {event_type}; got {[e['event_type'] for e in collector.events]}"
        await asyncio.sleep(0.1)
    return collector.of(event_type)[0]


def _transition(event: dict[str, Any]) -> tuple[Any, ...]:
    update = event["payload"]["nova_object.data"]["state_update"]["nova_object.data"]
    return (update["old_state"], update["state"], update["old_task_state"], update["new_task_state"])


async def test_a_server_boot_reaches_an_oslo_messaging_listener(listener: Collector, cloud: Processes) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await issue_token(client, cloud.url("identity"), "admin", "admin", "admin")
        client.headers["X-Auth-Token"] = resp.headers["x-subject-token"]
        catalog = {e["type"]: e for e in resp.json()["token"]["catalog"]}
        public = {t: next(x["url"] for x in e["endpoints"] if x["interface"] == "public") for t, e in catalog.items()}
        image = (
            await client.post(
                f"{public['image']}/v2/images",
                json={"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"},
            )
        ).json()
        put = await client.put(
            f"{public['image']}/v2/images/{image['id']}/file",
            content=b"\0" * 4096,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204, put.text
        net = (await client.post(f"{public['network']}/v2.0/networks", json={"network": {"name": "n"}})).json()
        subnet = await client.post(
            f"{public['network']}/v2.0/subnets",
            json={"subnet": {"network_id": net["network"]["id"], "cidr": "10.19.0.0/24", "ip_version": 4}},
        )
        assert subnet.status_code == 201, subnet.text
        compute = public["compute"]
        made = await client.post(
            f"{compute}/servers",
            json={
                "server": {
                    "name": "vm",
                    "flavorRef": "1",
                    "imageRef": image["id"],
                    "networks": [{"uuid": net["network"]["id"]}],
                }
            },
        )
        assert made.status_code == 202, made.text + cloud.log("compute")
        request_id = made.headers.get("x-openstack-request-id")
        server_id = made.json()["server"]["id"]
        await wait_for(client, f"{compute}/servers/{server_id}", "server", "status", "ACTIVE")

        start = await received(listener, "instance.create.start")
        end = await received(listener, "instance.create.end")
        legacy = await received(listener, "compute.instance.create.end")
        net_end = await received(listener, "network.create.end")
        image_events = [await received(listener, t) for t in ("image.create", "image.prepare", "image.upload")]
        image_events.append(await received(listener, "image.activate"))
        subnet_end = await received(listener, "subnet.create.end")
        port_ends = [e for e in listener.of("port.create.end") if e["payload"]["port"]["device_id"] == server_id]
        if not port_ends:
            await asyncio.sleep(2)
            port_ends = [e for e in listener.of("port.create.end") if e["payload"]["port"]["device_id"] == server_id]

        # Power off: power_off.start/end and the state transition as instance.update.
        stop = await client.post(f"{compute}/servers/{server_id}/action", json={"os-stop": None})
        assert stop.status_code == 202, stop.text
        await wait_for(client, f"{compute}/servers/{server_id}", "server", "status", "SHUTOFF")
        off_start = await received(listener, "instance.power_off.start")
        off_end = await received(listener, "instance.power_off.end")
        deadline = time.monotonic() + 30
        while not [e for e in listener.of("instance.update") if _transition(e)[:2] == ("active", "stopped")]:
            assert time.monotonic() < deadline, [_transition(e) for e in listener.of("instance.update")]
            await asyncio.sleep(0.1)
        legacy_update = await received(listener, "compute.instance.update")

        # A volume: Cinder's events on its exchange.
        vol = (await client.post(f"{public['volumev3']}/volumes", json={"volume": {"size": 1, "name": "v"}})).json()
        vol_end = await received(listener, "volume.create.end")

        # Keystone's basic notifications.
        project = await client.post(
            f"{cloud.url('identity')}/identity/v3/projects", json={"project": {"name": f"p{RUN}"}}
        )
        assert project.status_code == 201, project.text
        project_made = await received(listener, "identity.project.created")

        # Delete: delete.start/end.
        assert (await client.delete(f"{compute}/servers/{server_id}")).status_code == 204
        del_start = await received(listener, "instance.delete.start")
        del_end = await received(listener, "instance.delete.end")

    assert off_start["payload"]["nova_object.data"]["state"] == "active"
    assert off_end["payload"]["nova_object.data"]["state"] == "stopped"
    assert off_end["payload"]["nova_object.data"]["power_state"] == "shutdown"
    assert listener.events.index(off_start) < listener.events.index(off_end)
    assert legacy_update["payload"]["instance_id"] == server_id
    assert del_start["payload"]["nova_object.data"]["uuid"] == server_id
    assert del_end["payload"]["nova_object.data"]["state"] == "deleted"
    assert listener.events.index(del_start) < listener.events.index(del_end)

    host = end["payload"]["nova_object.data"]["host"]
    for event in (start, end):
        assert event["publisher_id"] == f"nova-compute:{host}"
        assert event["priority"] == "INFO"
        payload = event["payload"]
        assert payload["nova_object.name"] == "InstanceActionPayload"
        assert payload["nova_object.namespace"] == "nova"
        assert payload["nova_object.version"]
        data = payload["nova_object.data"]
        assert data["uuid"] == server_id
        assert data["display_name"] == "vm"
        assert data["image_uuid"] == image["id"]
        assert data["flavor"]["memory_mb"] == 512
        # oslo's metadata: the message id and its timestamp (naive UTC, a space in it).
        uuid.UUID(event["metadata"]["message_id"])
        assert " " in event["metadata"]["timestamp"]
        if request_id:
            assert event["ctxt"].get("request_id") == request_id
    assert start["payload"]["nova_object.data"]["state"] == "building"
    assert end["payload"]["nova_object.data"]["state"] == "active"
    assert end["payload"]["nova_object.data"]["power_state"] == "running"
    # The build's end is also a state change: building -> active, before create.end.
    (built,) = [e for e in listener.of("instance.update") if _transition(e)[:2] == ("building", "active")]
    assert built["payload"]["nova_object.name"] == "InstanceUpdatePayload"
    assert listener.events.index(start) < listener.events.index(built) < listener.events.index(end)
    # The port's address, as Nova's IpPayload.
    (ip,) = end["payload"]["nova_object.data"]["ip_addresses"]
    assert ip["nova_object.name"] == "IpPayload"
    assert ip["nova_object.data"]["address"].startswith("10.19.0.")
    assert ip["nova_object.data"]["label"] == "n"
    assert ip["nova_object.data"]["version"] == 4
    # Start before end, in the order they were published.
    assert listener.events.index(start) < listener.events.index(end)
    assert vol_end["payload"]["volume_id"] == vol["volume"]["id"]
    assert vol_end["payload"]["display_name"] == "v"
    assert vol_end["payload"]["size"] == 1
    assert vol_end["payload"]["status"] == "available"
    assert vol_end["publisher_id"].startswith("volume.")
    assert listener.events.index(listener.of("volume.create.start")[0]) < listener.events.index(vol_end)
    assert project_made["payload"] == {"resource_info": project.json()["project"]["id"]}
    assert project_made["publisher_id"].startswith("identity.")
    # Glance's, in the order of the upload.
    assert [e["payload"]["id"] for e in image_events] == [image["id"]] * 4
    assert [listener.events.index(e) for e in image_events] == sorted(listener.events.index(e) for e in image_events)
    assert image_events[0]["payload"]["status"] == "queued"
    assert image_events[3]["payload"]["status"] == "active"
    assert image_events[3]["payload"]["size"] == 4096
    assert image_events[3]["publisher_id"].startswith("image.")
    # Neutron's events on its own exchange, with Neutron's payloads.
    assert net_end["payload"]["network"]["id"] == net["network"]["id"]
    assert net_end["publisher_id"].startswith("network.")
    assert subnet_end["payload"]["subnet"]["cidr"] == "10.19.0.0/24"
    assert listener.events.index(listener.of("network.create.start")[0]) < listener.events.index(net_end)
    (port_end,) = port_ends
    assert port_end["payload"]["port"]["fixed_ips"][0]["ip_address"] == ip["nova_object.data"]["address"]
    assert listener.of("port.update.end"), "the port's binding is an update"
    # The legacy (unversioned) form of the same event on the other topic.
    assert legacy["publisher_id"] == f"nova-compute:{host}"
    assert legacy["payload"]["instance_id"] == server_id
    assert legacy["payload"]["state"] == "active"
    assert legacy["payload"]["memory_mb"] == 512
    assert legacy["payload"]["fixed_ips"][0]["address"] == ip["nova_object.data"]["address"]
