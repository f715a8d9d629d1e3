"""The compute agent endpoint (topic ``compute.<host>``) and its periodic tasks.

A build here: instance details from the conductor (rpc.call), the image from the
image API (user token + service token), ports from the network API bound to this host
(then a bounded wait for network-vif-plugged), the driver's spawn, and the result back
to the conductor. Every step is undone on failure (an undo stack) so a failed build
leaves nothing on the host before the conductor reschedules it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus, Subscription, rpc
from pocketstack.common.config import ComputeConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.agent.power import PowerOps
from pocketstack.compute.agent.recovery import RecoveryOps
from pocketstack.compute.agent.resize import ResizeOps
from pocketstack.compute.agent.resource_tracker import ResourceTracker
from pocketstack.compute.agent.rpcapi import ComputeAgentAPI, ComputeAgentEndpoint
from pocketstack.compute.agent.server_ops import ServerOps
from pocketstack.compute.agent.shelve import ShelveOps
from pocketstack.compute.agent.specs import address_entries, instance_spec, saved_port
from pocketstack.compute.agent.volumes import VolumeOps
from pocketstack.compute.clients import ImageClient, NetworkClient, PlacementClient
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.objects.notifications import row_payload
from pocketstack.compute.objects.trace import Spans
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.virt.driver import VirtDriver

log = logging.getLogger(__name__)

Undo = Callable[[], Awaitable[None]]


class ComputeAgent(VolumeOps, ServerOps, ResizeOps, ShelveOps, RecoveryOps, PowerOps):
    def __init__(
        self,
        host: str,
        driver: VirtDriver,
        bus: Bus,
        config: ComputeConfig,
        placement: PlacementClient,
        images: ImageClient,
        network: NetworkClient,
        service_token: Callable[[], Awaitable[str]],
        zone: str = "nova",
        orphaned: frozenset[str] = frozenset(),
    ) -> None:
        """``orphaned``: instances building here whose build is known dead (its cast
        died with the previous process): undone and failed at start."""
        self.host = host
        self.orphaned = orphaned
        self.driver = driver
        self.bus = bus
        self.conductor_api = ConductorAPI(bus)
        self.compute_api = ComputeAgentAPI(bus)
        self.config = config
        self.images = images
        self.network = network
        self.service_token = service_token
        self.zone = zone
        self.tracker = ResourceTracker(driver, placement, config)
        self._reclaimed = False
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._waiters: dict[tuple[str, str], asyncio.Future[str]] = {}
        # Instances whose build runs here now (a delete leaves the cleanup to the build).
        self._building: set[str] = set()
        # ... and of those, the ones deleted meanwhile (the build stops before the spawn).
        self._deleted_while_building: set[str] = set()
        self._node_uuid = ""
        self._registered = False

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        report = await self.conductor_api.service_report(
            rpc.no_context(), host=self.host, zone=self.zone, node=self.tracker.node_report()
        )
        self._node_uuid = report["node_uuid"]
        await self._register()
        interrupted: list[dict[str, Any]] = []
        deletes: list[str] = []
        try:
            # Before serving: no build of this process is running yet, so what it finds
            # belongs to a dead agent (recovery.py).
            interrupted = await self.interrupted_builds()
            deletes = await self.interrupted_deletes()
        except Exception:
            log.exception("%s: looking for interrupted builds failed", self.host)
        self._subscription = await self.bus.serve(f"compute.{self.host}", ComputeAgentEndpoint(self))
        self._tasks = [
            asyncio.create_task(self._every(self.config.heartbeat_interval, self.heartbeat)),
            asyncio.create_task(self._every(self.config.power_sync_interval, self.sync_power_states)),
        ]
        if interrupted:
            # In the background: a volume still being made is waited for before it goes.
            self._tasks.append(asyncio.create_task(self._recover(interrupted)))
        if deletes:
            self._tasks.append(asyncio.create_task(self.finish_deletes(deletes)))

    async def _recover(self, builds: list[dict[str, Any]]) -> None:
        try:
            await self.recover_interrupted_builds(builds)
        except Exception:
            log.exception("%s: cleaning up interrupted builds failed", self.host)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._subscription is not None:
            await self._subscription.stop()
        await self.driver.cleanup()

    async def _every(self, seconds: float, job: Callable[[], Awaitable[Any]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:
                log.exception("%s: periodic %s failed", self.host, job.__name__)

    async def _register(self) -> None:
        """Report this host's inventory to placement; retried by the heartbeat until it works."""
        try:
            await self.tracker.register_provider(self._node_uuid)
            self._registered = True
        except PocketError as exc:
            log.warning("%s: cannot report inventory to placement yet: %s", self.host, exc.message)

    async def heartbeat(self) -> None:
        if not self._registered:
            await self._register()
        await self.conductor_api.service_report(
            rpc.no_context(),
            host=self.host,
            zone=self.zone,
            node=self.tracker.node_report(),
            timeout=self.config.heartbeat_interval,
        )

    async def sync_power_states(self) -> None:
        """Reconcile the driver's view with the database's (the driver is the truth)."""
        known = await self.conductor_api.instances_on_host(rpc.no_context(), host=self.host)
        on_host = set(await self.driver.list_instances())
        if not self._reclaimed:
            # Once, after a (re)start: the VMs the driver adopted count again, or the host
            # reports their room as free. Only once, and with no await in between, so a
            # delete running meanwhile cannot be counted back in.
            self._reclaimed = True
            for inst in known:
                if inst["uuid"] in on_host and inst["uuid"] not in self.tracker.instances:
                    self._claim(inst)
        for inst in known:
            if inst["vm_state"] == states.BUILDING or inst["task_state"]:
                continue
            if inst["uuid"] not in on_host:
                power = states.NOSTATE
            else:
                power = (await self.driver.get_info(inst["uuid"])).state
            if power == inst["power_state"]:
                continue
            values: dict[str, Any] = {"power_state": power}
            if inst["vm_state"] == states.ACTIVE and power in (states.SHUTDOWN, states.NOSTATE, states.CRASHED):
                values["vm_state"] = states.STOPPED
            await self.conductor_api.instance_update(rpc.no_context(), instance_uuid=inst["uuid"], values=values)

    def _claim(self, inst: dict[str, Any]) -> None:
        used = instance_resources(
            inst["vcpus"], inst["memory_mb"], inst.get("flavor") or inst, inst.get("block_device_mapping")
        )
        self.tracker.claim(inst["uuid"], used["VCPU"], used["MEMORY_MB"], used["DISK_GB"])

    # --- build ----------------------------------------------------------------------------
    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        node: str,
        alternates: list[dict[str, Any]],
        cast_at: float = 0.0,
        instance: dict[str, Any] | None = None,
    ) -> None:
        """Build a server here. ``instance``: the conductor's view of it, read as it cast
        this (else asked for); a delete meanwhile is caught when the build reports."""
        self._building.add(instance_uuid)
        try:
            await self._build(ctx, instance_uuid, node, alternates, cast_at, instance)
        finally:
            self._building.discard(instance_uuid)
            self._deleted_while_building.discard(instance_uuid)

    async def _build(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        node: str,
        alternates: list[dict[str, Any]],
        cast_at: float,
        instance: dict[str, Any] | None,
    ) -> None:
        spans = Spans(instance_uuid, ctx.request_id, "compute-agent", self.host)
        if cast_at:
            spans.items.append(
                {
                    "hop": f"bus: cast build to compute.{self.host}",
                    "component": "bus",
                    "host": self.host,
                    "started": cast_at,
                    "duration_ms": round((time.time() - cast_at) * 1000, 3),
                    "result": "ok",
                    "detail": "",
                }
            )
        start = time.time()
        undo: list[Undo] = []
        inst: dict[str, Any] | None = instance
        try:
            if inst is None:
                with spans.span("agent → conductor: instance details (rpc.call)"):
                    inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"] or inst["task_state"] == states.DELETING:
                return
            await self.bus.notify(
                "instance.create.start",
                row_payload(inst),
                ctx.to_dict(),
                publisher_id=f"nova-compute:{self.host}",
            )
            image: dict[str, Any] = {}
            if inst["image_ref"]:
                with spans.span("agent → image API: image details"):
                    image = await self.images.get(
                        inst["image_ref"], ctx.auth_token, await self.service_token(), reuse=True
                    )
            with spans.span("agent → network API: ports bound to host"):
                ports, network_info, addresses = await self._allocate_network(ctx, inst, undo)
            with spans.span("agent → volume API: block devices"):
                prepared = await self.prepare_block_devices(ctx, inst, undo)
            if prepared.root_image is not None:
                image = prepared.root_image
            if instance_uuid in self._deleted_while_building:
                raise PocketError(f"Instance {instance_uuid} was deleted while it was building.")
            spec = instance_spec(inst, image, network_info, self.zone, prepared.devices)
            self._claim(inst)
            undo.append(self._release(instance_uuid))
            with spans.span("driver: spawn"):
                await self.driver.spawn(spec)
            undo.append(self._destroy(instance_uuid))
            await self.complete_block_devices(ctx, inst, prepared)
            power = (await self.driver.get_info(instance_uuid)).state
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, PocketError):
                log.exception("%s: build of %s failed", self.host, instance_uuid)
            await self._unwind(undo)
            event = {
                "event": "compute__do_build_and_run_instance",
                "start": start,
                "finish": time.time(),
                "result": "Error",
                "host": self.host,
                "traceback": reason,
            }
            await self.conductor_api.build_failed(
                ctx,
                instance_uuid=instance_uuid,
                host=self.host,
                reason=reason,
                alternates=alternates,
                spans=spans.items,
                events=[event],
                wait=False,
            )
            return
        event = {
            "event": "compute__do_build_and_run_instance",
            "start": start,
            "finish": time.time(),
            "result": "Success",
            "host": self.host,
        }
        result = await self.conductor_api.build_succeeded(
            ctx,
            instance_uuid=instance_uuid,
            host=self.host,
            power_state=power,
            ports=ports,
            addresses=addresses,
            spans=spans.items,
            events=[event],
        )
        if result.get("deleted"):
            # Deleted (or timed out) while building: not resurrected, cleaned up here.
            await self._unwind(undo)
            await self.conductor_api.instance_destroyed(ctx, instance_uuid=instance_uuid, host=self.host)

    def _release(self, uuid: str) -> Undo:
        async def undo() -> None:
            self.tracker.release(uuid)

        return undo

    def _destroy(self, uuid: str) -> Undo:
        async def undo() -> None:
            await self.driver.destroy(uuid)

        return undo

    async def _unwind(self, undo: list[Undo]) -> None:
        for step in reversed(undo):
            try:
                await step()
            except Exception:
                log.exception("%s: undo step failed", self.host)

    async def _allocate_network(
        self, ctx: RequestContext, inst: dict[str, Any], undo: list[Undo]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        requested = inst["requested_networks"]
        if requested in ("none", None) or requested == []:
            return [], [], {}
        token = ctx.auth_token
        wanted: list[dict[str, Any]] = []
        if requested == "auto":
            nets = await self.network.available_networks(inst["project_id"], token)
            if nets:
                wanted.append({"uuid": sorted(nets, key=lambda n: (bool(n.get("shared")), n["id"]))[0]["id"]})
            else:
                # Nothing the project can use: Nova asks the network service to make the
                # project's network (auto-allocated topology), the same one for every server.
                wanted.append({"uuid": await self.network.auto_allocated_network(inst["project_id"], token)})
        else:
            wanted = list(requested)
        groups = inst.get("security_groups") or ["default"]
        # Only the default group: the network service gives it to a new port by itself.
        group_ids = (
            await self.network.security_group_ids(inst["project_id"], groups, token) if groups != ["default"] else None
        )
        ports: list[tuple[dict[str, Any], bool]] = []
        for item in wanted:
            if item.get("port"):
                port = await self.network.get_port(item["port"], token)
                created = False
            else:
                # The instance as device from the start (as Nova makes ports): a restarted
                # agent finds the ports of a build that died before binding them.
                body: dict[str, Any] = {
                    "network_id": item["uuid"],
                    "project_id": inst["project_id"],
                    "device_id": inst["uuid"],
                }
                if group_ids is not None:
                    body["security_groups"] = group_ids
                if item.get("fixed_ip"):
                    body["fixed_ips"] = [{"ip_address": item["fixed_ip"]}]
                port = await self.network.create_port(body, token)
                created = True
            undo.append(self._unplug(port["id"], created))
            ports.append((port, created))
        bound = await self._bind_ports(inst["uuid"], [p for p, _ in ports], token)
        created_ids = {p["id"] for p, made in ports if made}
        addresses: dict[str, Any] = {}
        names: dict[str, str] = {}
        for port in bound:
            if port["network_id"] not in names:
                names[port["network_id"]] = await self._network_name(port["network_id"], token)
            if port.get("fixed_ips"):
                addresses.setdefault(names[port["network_id"]], []).extend(address_entries(port))
        saved = [saved_port(p, p["id"] in created_ids) for p in bound]
        return saved, saved, addresses

    async def _network_name(self, network_id: str, token: str | None) -> str:
        return str((await self.network.get_network(network_id, token)).get("name") or network_id)

    async def _bind_ports(
        self, instance_uuid: str, ports: list[dict[str, Any]], token: str | None
    ) -> list[dict[str, Any]]:
        """Bind the ports to this host and wait (bounded) for network-vif-plugged."""
        binding = {"device_id": instance_uuid, "device_owner": f"compute:{self.zone}", "binding:host_id": self.host}
        waiters = {p["id"]: self._waiter(instance_uuid, p["id"]) for p in ports}
        try:
            bound = [await self.network.update_port(p["id"], binding, token) for p in ports]
            pending = [waiters[p["id"]] for p in bound if p.get("status") != "ACTIVE"]
            if pending:
                try:
                    await asyncio.wait_for(asyncio.gather(*pending), self.config.vif_plugged_timeout)
                except TimeoutError:
                    raise PocketError(
                        f"Timed out after {self.config.vif_plugged_timeout:g}s waiting for "
                        f"network-vif-plugged from the network service"
                    ) from None
                # Read them again: the agent that plugged them said where (binding:vif_details).
                bound = [
                    await self.network.get_port(p["id"], token) if p.get("status") != "ACTIVE" else p for p in bound
                ]
        finally:
            for port_id in waiters:
                self._waiters.pop((instance_uuid, port_id), None)
        return bound

    def _waiter(self, instance_uuid: str, port_id: str) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[(instance_uuid, port_id)] = future
        return future

    def _unplug(self, port_id: str, created: bool) -> Undo:
        async def undo() -> None:
            if created:
                await self.network.delete_port(port_id)
            else:
                await self.network.update_port(
                    port_id, {"device_id": "", "device_owner": "", "binding:host_id": ""}, None
                )

        return undo

    async def external_instance_event(
        self, ctx: RequestContext, instance_uuid: str, name: str, tag: str | None, status: str = "completed"
    ) -> None:
        if name == "volume-extended" and tag:
            await self.volume_extended(ctx, instance_uuid, tag)
            return
        if name == "network-changed":
            await self.refresh_network_info(ctx, instance_uuid)
            return
        future = self._waiters.get((instance_uuid, tag or ""))
        if name == "network-vif-plugged" and future is not None and not future.done():
            future.set_result(status)

    async def refresh_network_info(self, ctx: RequestContext, instance_uuid: str) -> None:
        """network-changed (a floating IP mapped to or from one of its ports): rebuild the
        server's ``addresses`` from the network API, as Nova refreshes its info cache."""
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        if not inst:
            return
        current = {p["id"]: p for p in await self.network.ports_of(instance_uuid, None)}
        addresses: dict[str, list[dict[str, Any]]] = {}
        for saved in inst.get("ports") or []:
            port = current.get(saved["id"])
            if port is None:
                continue
            floating = [f["floating_ip_address"] for f in await self.network.floating_ips_of(port["id"], None)]
            entries = address_entries(port, floating)
            if entries:
                name = await self._network_name(port["network_id"], None)
                addresses.setdefault(name, []).extend(entries)
        await self.conductor_api.instance_update(ctx, instance_uuid=instance_uuid, values={"addresses": addresses})

    # --- delete -----------------------------------------------------------------------------
    async def terminate_instance(self, ctx: RequestContext, instance_uuid: str) -> None:
        if instance_uuid in self._building:
            self._deleted_while_building.add(instance_uuid)
            # Deleted while its build runs here: the build sees the delete when it reports
            # (or fails) and undoes what it made before the server is marked deleted. A
            # wait for network-vif-plugged (refused for a server being deleted) ends now.
            for (uuid, _tag), future in list(self._waiters.items()):
                if uuid == instance_uuid and not future.done():
                    future.set_result("deleted")
            return
        start = time.time()
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        await self.bus.notify(
            "instance.delete.start",
            row_payload(inst) if inst else {"uuid": instance_uuid, "host": self.host},
            ctx.to_dict(),
            publisher_id=f"nova-compute:{self.host}",
        )
        await self.driver.destroy(instance_uuid)
        self.tracker.release(instance_uuid)
        await self.release_volumes(ctx, inst)
        for port in (inst or {}).get("ports") or []:
            await self._unplug(port["id"], not port.get("preserve_on_delete"))()
        event = {
            "event": "compute_terminate_instance",
            "start": start,
            "finish": time.time(),
            "result": "Success",
            "host": self.host,
        }
        await self.conductor_api.instance_destroyed(ctx, instance_uuid=instance_uuid, host=self.host, events=[event])
