"""The compute service: the API app plus, as asyncio tasks on the bus, the scheduler,
the conductor and (``[compute] local_agents``: the all-in-one) one compute agent per
(fake) host. Distributed, each host runs its agent as ``pocketstack serve compute-agent``
(``pocketstack/agents.py``) and this process runs none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pocketstack.bus import Subscription
from pocketstack.common import policy as policy_engine
from pocketstack.common.config import resolve_local_agents
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import states
from pocketstack.compute.agent.host import fake_driver, make_driver
from pocketstack.compute.agent.manager import ComputeAgent
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import MAX_VERSION, MIN_VERSION
from pocketstack.compute.api.openapi import REQUEST_BODIES, RESPONSES
from pocketstack.compute.api.routes import ROUTES
from pocketstack.compute.clients import ImageClient, NetworkClient, PlacementClient
from pocketstack.compute.conductor.manager import ConductorManager, mark_deleted
from pocketstack.compute.conductor.rpcapi import CONDUCTOR_TOPIC, ConductorAPI, ConductorEndpoint
from pocketstack.compute.models import ComputeService as ServiceRow
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import flavors, quotas, trace
from pocketstack.compute.objects.instances import BuildRequest
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.scheduler.filters.affinity import hinted_servers
from pocketstack.compute.scheduler.host_state import is_up
from pocketstack.compute.scheduler.manager import SchedulerManager
from pocketstack.compute.scheduler.rpcapi import SCHEDULER_TOPIC, SchedulerAPI, SchedulerEndpoint
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.db import Database
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp
from pocketstack.web.microversion import Microversions

log = logging.getLogger(__name__)

HOSTS_UP_TTL = 1.0


class ComputeService(Service):
    name = "compute"
    service_type = "compute"
    prefix = "compute"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.config = runtime.config.compute
        self.db: Database = runtime.database(self.name)
        # The operator's policy.yaml, parsed now: a bad rule stops the service here.
        policy_engine.load(policy.ENFORCER, runtime.config)
        self.placement = PlacementClient(runtime)
        self.images = ImageClient(runtime)
        self.network = NetworkClient(runtime)
        self.scheduler = SchedulerManager(self.db, self.placement, self.config)
        self.conductor = ConductorManager(self.db, runtime.bus, self.placement, self.config)
        # The bus, typed: the only way this service's API reaches the other processes.
        self.conductor_api = ConductorAPI(runtime.bus)
        self.scheduler_api = SchedulerAPI(runtime.bus)
        self.compute_api = ComputeAgentAPI(runtime.bus)
        self.agents: dict[str, ComputeAgent] = {}
        self._subscriptions: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._hosts_up: tuple[float, dict[str, bool]] | None = None
        self._app = ServiceApp(
            "compute",
            ROUTES,
            error_format="nova",
            request_bodies=REQUEST_BODIES,
            responses=RESPONSES,
            authenticator=runtime.authenticator,
            admin_rule=policy.is_admin,
            microversions=Microversions(
                "compute", MIN_VERSION, MAX_VERSION, legacy_header="x-openstack-nova-api-version"
            ),
            max_body_bytes=runtime.config.server.max_body_bytes,
            request_id_headers=("x-openstack-request-id", "x-compute-request-id"),
            # Nova's routes match no trailing slash: /servers/ is a server with an empty id (404).
            strict_slashes=True,
        )

    @property
    def app(self) -> Any:
        return self._asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Handlers find this service (database, bus, clients) in the scope.
        scope["pocketstack.compute"] = self
        await self._app(scope, receive, send)

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        bus = self.runtime.bus
        self._subscriptions.append(await bus.serve(SCHEDULER_TOPIC, SchedulerEndpoint(self.scheduler)))
        self._subscriptions.append(await bus.serve(CONDUCTOR_TOPIC, ConductorEndpoint(self.conductor)))
        # Not local: every host runs its own agent process.
        local = resolve_local_agents(self.config.local_agents, self.runtime.config.bus.url, "compute")
        # A bus that died with the last process took the casts of the builds in flight.
        left = {} if bus.durable else await self.conductor.work_left()
        if local and self.config.driver in ("fake", "auto"):
            for i in range(max(0, self.config.fake_hosts)):
                host = f"fake-host-{i + 1}" if self.config.fake_hosts > 1 else "fake-host"
                await self.add_fake_host(host, frozenset(left.pop(host, ())))
        elif local and self.config.driver == "qemu":
            host = socket.gethostname()
            await self.add_qemu_host(host, frozenset(left.pop(host, ())))
        else:
            log.info("compute: no local agents ([compute] local_agents); hosts run `pocketstack serve compute-agent`")
        for host, uuids in left.items():
            await self.conductor.fail_left_builds(sorted(uuids), f"on host {host}, which no agent serves now")
        self._tasks.append(asyncio.create_task(self._sweep_loop()))
        # The scheduler and the conductor run here: they report in os-services as Nova's do.
        await self.report_own_services()
        self._tasks.append(asyncio.create_task(self._own_services_loop()))

    async def add_fake_host(self, host: str, orphaned: frozenset[str] = frozenset()) -> ComputeAgent:
        cfg, runtime = self.config, self.runtime
        driver = fake_driver(host, cfg)
        agent = ComputeAgent(
            host, driver, runtime.bus, cfg, self.placement, self.images, self.network, runtime.service_token,
            orphaned=orphaned,
        )  # fmt: skip
        await agent.start()
        self.agents[host] = agent
        return agent

    async def add_qemu_host(self, host: str, orphaned: frozenset[str] = frozenset()) -> ComputeAgent:
        """This machine as a compute host running real VMs (the qemu driver)."""
        driver = await make_driver(self.runtime, host, "qemu")
        cfg, runtime = self.config, self.runtime
        agent = ComputeAgent(
            host,
            driver,
            runtime.bus,
            cfg,
            self.placement,
            self.images,
            self.network,
            runtime.service_token,
            orphaned=orphaned,
        )
        await agent.start()
        self.agents[host] = agent
        return agent

    async def _sweep_loop(self) -> None:
        # Often enough that a build on a host that went silent fails soon after the host
        # counts as down, and a timed-out build soon after its timeout.
        interval = max(0.05, min(self.config.build_timeout / 4, self.config.service_down_time / 2, 10.0))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.conductor.sweep_builds()
            except Exception:
                log.exception("compute: build sweep failed")

    async def report_own_services(self) -> None:
        """Heartbeat of this process's nova-scheduler and nova-conductor: a service row each
        (host: this machine, zone 'internal'), created on the first report."""
        host, now = socket.gethostname(), utcnow()
        async with self.db.writer() as s:
            for binary, topic in (("nova-scheduler", SCHEDULER_TOPIC), ("nova-conductor", CONDUCTOR_TOPIC)):
                row = await s.scalar(select(ServiceRow).where(ServiceRow.host == host, ServiceRow.binary == binary))
                if row is None:
                    row = ServiceRow(host=host, binary=binary, topic=topic, zone="internal")
                    s.add(row)
                row.last_seen_up, row.updated_at = now, now

    async def _own_services_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_interval)
            try:
                await self.report_own_services()
            except Exception:
                log.exception("compute: scheduler/conductor heartbeat failed")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for agent in self.agents.values():
            await agent.stop()
        for sub in self._subscriptions:
            await sub.stop()
        for client in (self.placement, self.images, self.network):
            await client.close()

    # --- used by the API handlers -------------------------------------------------------------
    async def launch(self, ctx: RequestContext, created: list[Instance], req: BuildRequest, started: float) -> None:
        """Record the API hop and cast the build to the conductor (DESIGN §1 step 4)."""
        group = None
        if req.group_uuid:
            from pocketstack.compute.models import ServerGroup

            async with self.db.reader() as s:
                row = await s.scalar(select(ServerGroup).where(ServerGroup.uuid == req.group_uuid))
            if row is not None:
                group = {"uuid": row.uuid, "policy": row.policy, "rules": row.rules or {}}
        specs = [
            {
                "instance_uuid": inst.uuid,
                "project_id": inst.project_id,
                "user_id": inst.user_id,
                "resources": instance_resources(inst.vcpus, inst.memory_mb, req.flavor, req.block_device_mapping),
                "availability_zone": req.availability_zone,
                "image_properties": req.image_meta.get("properties", {}),
                "group": group,
                "flavor_extra_specs": dict(req.flavor.get("extra_specs") or {}),
                "requested_host": req.requested_host,
                "requested_node": req.requested_node,
                "same_host": hinted_servers(req.scheduler_hints, "same_host"),
                "different_host": hinted_servers(req.scheduler_hints, "different_host"),
            }
            for inst in created
        ]
        # The API hop's span travels with the cast and is stored with the conductor's
        # spans: one write transaction less per launch.
        api_span = {
            "component": "compute-api",
            "hop": "compute API: POST /servers (validate, quota, instance row)",
            "host": None,
            "started": started,
            "duration_ms": round((time.time() - started) * 1000, 3),
            "result": "ok",
            "detail": "",
        }
        await self.conductor_api.schedule_and_build_instances(ctx, specs=specs, api_span=api_span)

    async def hosts_up(self) -> dict[str, bool]:
        """host -> up, for host_status; kept for a second, since every admin GET of a
        server asks and a heartbeat changes it only every few seconds."""
        now = time.monotonic()
        if self._hosts_up is not None and now - self._hosts_up[0] < HOSTS_UP_TTL:
            return self._hosts_up[1]
        async with self.db.reader() as s:
            rows = (
                await s.execute(
                    select(ServiceRow.host, ServiceRow.last_seen_up, ServiceRow.forced_down).where(
                        ServiceRow.binary == "nova-compute"
                    )
                )
            ).all()
        up = {r.host: is_up(r.last_seen_up, r.forced_down, self.config.service_down_time) for r in rows}
        self._hosts_up = (now, up)
        return up

    def hosts_changed(self) -> None:
        """A service was forced down or up: host_status must not wait for the cache."""
        self._hosts_up = None

    async def quota_limits(self, project_id: str) -> dict[str, int]:
        return await quotas.limits(self.db, project_id)

    async def delete_instance(self, ctx: RequestContext, inst: Instance) -> None:
        """Delete on the host's agent; locally if no host has it (or its agent is down)."""
        if inst.task_state == states.DELETING:
            return
        up = (await self.hosts_up()).get(inst.host or "", False)
        async with self.db.writer() as s:
            row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
            if row is None or row.deleted:
                raise Conflict(f"Instance {inst.uuid} is already deleted.")
            row.task_state = states.DELETING
            from pocketstack.compute.objects import actions

            actions.start_action(s, inst.uuid, "delete", ctx.to_dict())
        if inst.host and up:
            # Its host's agent deletes it; a build still running there ends first and
            # cleans up (ports, volumes, VM): the server reads as deleted only then, as
            # Nova keeps it 'deleting' until its host is done.
            await self.compute_api.terminate_instance(ctx, inst.host, instance_uuid=inst.uuid)
            return
        # No agent holds it yet (scheduling, or ERROR before a host), or the build is
        # still running there (the agent sees DELETING when it reports and cleans up).
        with contextlib.suppress(Exception):
            await self.placement.delete_allocations(inst.uuid)
            # A resize or migration not confirmed or reverted holds the old size too.
            await self.conductor.release_moves(inst.uuid)
        await mark_deleted(self.db, ctx, inst.uuid)
        if inst.vm_state == states.SHELVED_OFFLOADED or (inst.host and inst.vm_state != states.BUILDING):
            # No agent will clean up after this server (offloaded, or its host is down):
            # its ports and volumes are let go here, as Nova's local delete does.
            await self._release_unheld(ctx, inst)

    async def _release_unheld(self, ctx: RequestContext, inst: Instance) -> None:
        """A server no agent holds (offloaded, or on a host that is down): its ports,
        its volumes' attachments (and delete_on_termination volumes), its shelved image."""
        for port in inst.ports or []:
            with contextlib.suppress(Exception):
                if port.get("preserve_on_delete"):
                    await self.network.update_port(port["id"], {"device_id": "", "device_owner": ""}, None)
                else:
                    await self.network.delete_port(port["id"])
        await VolumeClient(self.runtime).release(inst.block_device_mapping)
        image_id = (inst.system_metadata or {}).get("shelved_image_id")
        if image_id:
            with contextlib.suppress(Exception):
                await self.images.delete(image_id, ctx.auth_token, await self.runtime.service_token())


async def bootstrap(runtime: Runtime) -> None:
    """First-run data for `pocketstack up`: the default flavors (idempotent)."""
    await flavors.ensure_defaults(runtime.database(ComputeService.name))


async def trace_server(runtime: Runtime, server_id: str) -> list[dict[str, Any]]:
    return await trace.load(runtime.database(ComputeService.name), server_id)


def create(runtime: Runtime) -> ComputeService:
    return ComputeService(runtime)
