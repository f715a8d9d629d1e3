"""The conductor endpoint (topic ``conductor``).

It drives a build: asks the scheduler for a host (rpc.call), casts the build to that
host's agent, and on a failed spawn releases the failed host's allocation and tries an
alternate, until the attempts run out and the server goes to ERROR with a fault naming
the hop that failed. Agents never touch the database: they read and write through here.
A periodic sweep puts servers that overstay in BUILD in ERROR (nothing builds forever).
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update

from pocketstack.bus import Bus, rpc
from pocketstack.common.config import ComputeConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.common.timeutils import utcnow
from pocketstack.compute import states
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI
from pocketstack.compute.clients import PlacementClient
from pocketstack.compute.conductor import sweeps
from pocketstack.compute.conductor.moves import MoveTasks
from pocketstack.compute.conductor.shelving import ShelveTasks
from pocketstack.compute.models import ComputeNode, ComputeService, Instance, InstanceAction
from pocketstack.compute.objects import actions, trace
from pocketstack.compute.objects.instances import ROW_BY_UUID
from pocketstack.compute.objects.notifications import instance_payload, update_payload
from pocketstack.compute.scheduler.rpcapi import SchedulerAPI
from pocketstack.db import Database

log = logging.getLogger(__name__)


def build_view(inst: Instance | Any) -> dict[str, Any]:
    """What an agent needs to build or act on an instance (JSON for the bus); from an
    entity or a row with its attribute names."""
    return {
        "uuid": inst.uuid,
        "name": inst.name,
        "hostname": inst.hostname,
        "flavor": inst.flavor,
        "image_ref": inst.image_ref,
        "image_meta": inst.image_meta,
        "user_data": inst.user_data,
        "key_data": inst.key_data,
        "key_name": inst.key_name,
        "availability_zone": inst.availability_zone,
        "metadata": inst.metadata_,
        "requested_networks": inst.requested_networks,
        "project_id": inst.project_id,
        "user_id": inst.user_id,
        "config_drive": inst.config_drive,
        "security_groups": inst.security_groups,
        "block_device_mapping": inst.block_device_mapping,
        "vm_state": inst.vm_state,
        "task_state": inst.task_state,
        "power_state": inst.power_state,
        "host": inst.host,
        "node": inst.node,
        "deleted": inst.deleted,
        "ports": inst.ports,
        "vcpus": inst.vcpus,
        "memory_mb": inst.memory_mb,
        "root_gb": inst.root_gb,
        "system_metadata": inst.system_metadata or {},
    }


class ConductorManager(MoveTasks, ShelveTasks):
    def __init__(self, db: Database, bus: Bus, placement: PlacementClient, config: ComputeConfig) -> None:
        self.db = db
        self.bus = bus
        self.scheduler_api = SchedulerAPI(bus)
        self.compute_api = ComputeAgentAPI(bus)
        self.placement = placement
        self.config = config

    # --- building ----------------------------------------------------------------------
    async def schedule_and_build_instances(
        self, ctx: RequestContext, specs: list[dict[str, Any]], api_span: dict[str, Any] | None = None
    ) -> None:
        await asyncio.gather(*(self._schedule_one(ctx, spec, api_span) for spec in specs))

    async def _schedule_one(self, ctx: RequestContext, spec: dict[str, Any], api_span: dict[str, Any] | None) -> None:
        uuid = spec["instance_uuid"]
        spans = trace.Spans(uuid, ctx.request_id, "conductor")
        if api_span:
            spans.items.append(dict(api_span))
        start = time.time()
        attempts = max(1, self.config.max_attempts)
        try:
            with spans.span("conductor → scheduler: select_destinations (rpc.call)"):
                result = await self.scheduler_api.select_destinations(
                    ctx, spec=spec, num_alternates=attempts - 1, return_spans=True, timeout=self.config.build_timeout
                )
        except PocketError as exc:
            result = {"error": f"Scheduling failed at hop conductor → scheduler: {exc.message}"}
        # The scheduler's spans (and its choice) are stored with ours, in one transaction.
        spans.items.extend(result.pop("spans", None) or [])
        events = [
            {
                "event": "conductor_schedule_and_build_instances",
                "start": start,
                "finish": time.time(),
                "result": "Error" if "error" in result else "Success",
                "host": None,
            }
        ]
        if "error" in result:
            await self._set_error(ctx, uuid, result["error"], spans=spans, events=events, code=500)
            return
        placed = {"host": result["host"], "node": result["node"], "availability_zone": result["zone"]}
        view: dict[str, Any] | None = None
        async with self.db.writer() as s:
            inst = await ROW_BY_UUID.first(await s.connection(), "uuid", uuid)
            await trace.add_rows(s, spans.rows())
            await actions.record_events(s, uuid, ctx.request_id, events)
            if inst is not None and not inst.deleted:
                await s.execute(
                    update(Instance)
                    .where(Instance.uuid == uuid)
                    .values(attempts=[*(inst.attempts or []), result["host"]], **placed)
                )
                view = {**build_view(inst), **placed}
        if view is None:
            # Deleted while it was being scheduled: give the claim back, build nothing.
            await self.placement.delete_allocations(uuid)
            return
        # The instance travels with the cast (as Nova's build request carries it), so
        # the agent need not ask for it; it was read in the transaction just committed.
        await self.compute_api.build_and_run_instance(
            ctx,
            result["host"],
            instance_uuid=uuid,
            node=result["node"],
            alternates=result["alternates"],
            cast_at=time.time(),
            instance=view,
        )

    async def instance_get(self, ctx: RequestContext, instance_uuid: str) -> dict[str, Any] | None:
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        return None if inst is None else build_view(inst)

    async def build_succeeded(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        host: str,
        power_state: int,
        ports: list[dict[str, Any]],
        addresses: dict[str, Any],
        spans: list[dict[str, Any]],
        events: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """Mark the server ACTIVE; ``{"deleted": True}`` if it was deleted meanwhile."""
        started = time.time()
        async with self.db.writer() as s:
            inst = await ROW_BY_UUID.first(await s.connection(), "uuid", instance_uuid)
            if inst is None or inst.deleted or inst.task_state == states.DELETING:
                return {"deleted": True}
            if inst.vm_state != states.BUILDING:
                # The build sweep already gave up on it: the late VM must go.
                return {"deleted": True}
            values: dict[str, Any] = {
                "vm_state": states.ACTIVE,
                "task_state": None,
                "power_state": power_state,
                "launched_at": utcnow(),
                "ports": ports,
                "addresses": addresses,
                "progress": 100,
            }
            await s.execute(update(Instance).where(Instance.uuid == instance_uuid).values(**values))
            rows = [dict(r, instance_uuid=instance_uuid, request_id=ctx.request_id) for r in spans]
            rows.append(
                {
                    "hop": "conductor: state → ACTIVE",
                    "component": "conductor",
                    "host": None,
                    "started": started,
                    "duration_ms": round((time.time() - started) * 1000, 3),
                    "instance_uuid": instance_uuid,
                    "request_id": ctx.request_id,
                }
            )
            await trace.add_rows(s, rows)
            await actions.record_events(s, instance_uuid, ctx.request_id, events)
            now = SimpleNamespace(**{**inst._asdict(), **values})
            payload = instance_payload(now)
            state_note = update_payload(now, inst.vm_state, inst.task_state)
        publisher = f"nova-compute:{host}"
        await self.bus.notify("instance.update", state_note, ctx.to_dict(), publisher_id=publisher)
        await self.bus.notify("instance.create.end", payload, ctx.to_dict(), publisher_id=publisher)
        return {"deleted": False}

    async def build_failed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        host: str,
        reason: str,
        alternates: list[dict[str, Any]],
        spans: list[dict[str, Any]],
        events: list[dict[str, Any]],
    ) -> None:
        """Release the failed host's claim; try the next alternate, or ERROR."""
        await self.scheduler_api.build_failed(ctx, host=host)
        await self.placement.delete_allocations(instance_uuid)
        rows = [dict(r, instance_uuid=instance_uuid, request_id=ctx.request_id) for r in spans]
        async with self.db.writer() as s:
            await trace.add_rows(s, rows)
            await actions.record_events(s, instance_uuid, ctx.request_id, events)
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            tried = list(inst.attempts) if inst is not None else [host]
            gone = inst is None or inst.deleted or inst.task_state == states.DELETING
        if gone:
            if inst is not None and not inst.deleted:
                # Deleted while building: the host undid its part, the server goes now.
                await self.instance_destroyed(ctx, instance_uuid, host)
            return
        for i, alt in enumerate(alternates):
            if alt["host"] in tried:
                continue
            assert inst is not None
            claimed = await self.placement.claim(
                instance_uuid, alt["allocation"]["allocations"], inst.project_id, inst.user_id
            )
            if not claimed:
                continue
            async with self.db.writer() as s:
                row = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
                if row is None or row.deleted:
                    await self.placement.delete_allocations(instance_uuid)
                    return
                row.host, row.node, row.attempts = alt["host"], alt["node"], [*row.attempts, alt["host"]]
                row.task_state = states.SCHEDULING
            await self.compute_api.build_and_run_instance(
                ctx,
                alt["host"],
                instance_uuid=instance_uuid,
                node=alt["node"],
                alternates=alternates[i + 1 :],
                cast_at=time.time(),
            )
            return
        hosts = ", ".join(tried)
        message = (
            f"Build of instance {instance_uuid} failed: exceeded maximum number of retries "
            f"(tried {hosts}). Last failure on {host} at the spawn hop: {reason}"
        )
        await self._set_error(ctx, instance_uuid, message, host=host)

    async def _set_error(
        self,
        ctx: RequestContext,
        uuid: str,
        message: str,
        *,
        code: int = 500,
        host: str | None = None,
        spans: trace.Spans | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        async with self.db.writer() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == uuid))
            if spans is not None:
                await trace.add_rows(s, spans.rows())
            if events:
                await actions.record_events(s, uuid, ctx.request_id, events)
            if inst is None or inst.deleted:
                return
            inst.vm_state, inst.task_state = states.ERROR, None
            actions.add_fault(s, uuid, message, code=code, host=host)
            payload = instance_payload(inst)
        payload["fault"] = message
        await self.bus.notify(
            "instance.create.error", payload, ctx.to_dict(), publisher_id="nova-conductor", priority="ERROR"
        )

    # --- other agent requests ------------------------------------------------------------
    async def instance_update(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        values: dict[str, Any],
        events: list[dict[str, Any]] | None = None,
        notify: str | None = None,
        host: str | None = None,
        fault: str | None = None,
    ) -> None:
        """Change what an agent may change; ``fault``: an instance fault to record
        (an action that failed without putting the server in ERROR keeps it too)."""
        allowed = {"vm_state", "task_state", "power_state", "ports", "addresses", "block_device_mapping"}
        async with self.db.writer() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            if inst is None or inst.deleted:
                return
            before = (inst.vm_state, inst.task_state, inst.power_state)
            for key, value in values.items():
                if key in allowed:
                    setattr(inst, key, value)
            if events:
                await actions.record_events(s, instance_uuid, ctx.request_id, events)
            if fault:
                actions.add_fault(s, instance_uuid, fault, code=500, host=host)
            payload = instance_payload(inst)
            changed = before != (inst.vm_state, inst.task_state, inst.power_state)
            state_note = update_payload(inst, before[0], before[1]) if changed else None
        # Published once the change is committed.
        publisher = f"nova-compute:{host}" if host else "nova-conductor"
        if state_note is not None:
            await self.bus.notify("instance.update", state_note, ctx.to_dict(), publisher_id=publisher)
        if notify:
            await self.bus.notify(notify, payload, ctx.to_dict(), publisher_id=f"nova-compute:{host}")

    async def volume_detached(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        volume_id: str,
        event: dict[str, Any],
        error: str | None = None,
        host: str | None = None,
    ) -> None:
        """The host ended a detach: the volume's mapping goes (or, on ``error``, is
        attached again), in one transaction with the event and the fault."""
        async with self.db.writer() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid).with_for_update())
            if inst is None or inst.deleted:
                return
            kept = []
            for bdm in inst.block_device_mapping or []:
                if bdm.get("volume_id") != volume_id:
                    kept.append(bdm)
                elif error:
                    kept.append({**bdm, "status": "attached"})
            inst.block_device_mapping = kept
            request_id = ctx.request_id
            if not request_id:
                # A detach a restart interrupted, ended by the agent at start: its event
                # goes to the detach_volume action its request began.
                request_id = (
                    await s.scalar(
                        select(InstanceAction.request_id)
                        .where(InstanceAction.instance_uuid == instance_uuid, InstanceAction.action == "detach_volume")
                        .order_by(InstanceAction.id.desc())
                        .limit(1)
                    )
                    or ""
                )
            await actions.record_events(s, instance_uuid, request_id, [event])
            if error:
                actions.add_fault(s, instance_uuid, error, code=500, host=host)

    async def interface_changed(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        add: dict[str, Any] | None = None,
        network_name: str | None = None,
        addresses: list[dict[str, Any]] | None = None,
        remove: str | None = None,
    ) -> None:
        """A port was hot-plugged (``add``, its ``addresses`` on ``network_name``) or
        unplugged (``remove``: its id): the instance's ports and addresses follow, in one
        transaction (two attaches at once must not lose one)."""
        async with self.db.writer() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
            if inst is None or inst.deleted:
                return
            ports = [p for p in inst.ports or [] if p["id"] != remove and (add is None or p["id"] != add["id"])]
            shown = {net: list(items) for net, items in (inst.addresses or {}).items()}
            if remove is not None:
                gone = next((p for p in inst.ports or [] if p["id"] == remove), None)
                if gone is not None:
                    ips = {ip["ip_address"] for ip in gone.get("fixed_ips", [])}
                    for net, items in list(shown.items()):
                        kept = [
                            a
                            for a in items
                            if not (a.get("OS-EXT-IPS-MAC:mac_addr") == gone.get("mac_address") and a["addr"] in ips)
                        ]
                        if kept:
                            shown[net] = kept
                        else:
                            del shown[net]
            if add is not None:
                ports.append(add)
                if addresses:
                    shown.setdefault(network_name or add["network_id"], []).extend(addresses)
            inst.ports, inst.addresses = ports, shown

    async def instance_destroyed(
        self, ctx: RequestContext, instance_uuid: str, host: str | None, events: list[dict[str, Any]] | None = None
    ) -> None:
        # Allocation first: once the server reads as deleted, its resources are free;
        # with a resize not confirmed or reverted, the migration's too.
        await self.placement.delete_allocations(instance_uuid)
        await self.release_moves(instance_uuid)
        await mark_deleted(self.db, ctx, instance_uuid, events)
        async with self.db.reader() as s:
            inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        if inst is not None:
            await self.bus.notify(
                "instance.delete.end", instance_payload(inst), ctx.to_dict(), publisher_id=f"nova-compute:{host}"
            )

    async def instances_on_host(self, ctx: RequestContext, host: str) -> list[dict[str, Any]]:
        query = select(Instance).where(Instance.host == host, Instance.deleted.is_(False))
        async with self.db.reader() as s:
            return [build_view(i) for i in await s.scalars(query)]

    async def service_report(
        self, ctx: RequestContext, host: str, zone: str, node: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Heartbeat of a compute agent (and its resource tracker's view of the node)."""
        now = utcnow()
        async with self.db.writer() as s:
            service = await s.scalar(
                select(ComputeService).where(ComputeService.host == host, ComputeService.binary == "nova-compute")
            )
            created = service is None
            if service is None:
                service = ComputeService(host=host, binary="nova-compute", topic=f"compute.{host}", zone=zone)
                s.add(service)
            service.last_seen_up, service.updated_at = now, now
            node_uuid = None
            if node is not None:
                row = await s.scalar(
                    select(ComputeNode).where(ComputeNode.hypervisor_hostname == node["hypervisor_hostname"])
                )
                if row is None:
                    row = ComputeNode(host=host, hypervisor_hostname=node["hypervisor_hostname"])
                    s.add(row)
                    created = True
                for key in (
                    "hypervisor_type",
                    "hypervisor_version",
                    "vcpus",
                    "memory_mb",
                    "local_gb",
                    "vcpus_used",
                    "memory_mb_used",
                    "local_gb_used",
                    "running_vms",
                    "cpu_info",
                ):
                    if key in node:
                        setattr(row, key, node[key])
                row.host, row.updated_at = host, now
                await s.flush()
                node_uuid = row.uuid
            disabled = service.disabled
        if created:
            # A new host: the scheduler's cached host states must include it.
            await self.scheduler_api.host_states_changed(rpc.no_context())
        return {"node_uuid": node_uuid, "disabled": disabled}

    # --- the sweeps (sweeps.py): nothing stays in BUILD forever -----------------------------
    async def sweep_builds(self) -> int:
        return await sweeps.sweep_builds(self)

    async def work_left(self) -> dict[str, set[str]]:
        return await sweeps.work_left(self)

    async def fail_left_builds(self, uuids: list[str], where: str) -> None:
        await sweeps.fail_left_builds(self, uuids, where)


async def mark_deleted(
    db: Database, ctx: RequestContext, instance_uuid: str, events: list[dict[str, Any]] | None = None
) -> None:
    async with db.writer() as s:
        inst = await s.scalar(select(Instance).where(Instance.uuid == instance_uuid))
        if inst is None or inst.deleted:
            return
        now = utcnow()
        inst.vm_state, inst.task_state, inst.power_state = states.DELETED, None, states.NOSTATE
        inst.deleted, inst.deleted_at, inst.terminated_at = True, now, now
        if events:
            await actions.record_events(s, instance_uuid, ctx.request_id, events)
