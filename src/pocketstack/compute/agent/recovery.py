"""Start-up recovery of the builds a dead agent left (mixed into ComputeAgent).

An agent that is killed mid-build runs no undo: the instance stays BUILDING on this host
with whatever the build had made (ports bound here, volumes being made or attached, a VM
the driver may have spawned). At start, before serving, the agent looks for such builds:

- ``orphaned``: the instances the compute service knows to be dead, because their cast
  lived on a bus that died with the previous process (the all-in-one's memory bus);
  those of them being deleted have their delete finished (as nova-compute completes
  the deletes it finds at start), and those in a short task (reboot, power, pause,
  snapshot: ``states.RESETTABLE_TASKS``) have it ended, the power sync showing what
  the driver did, and those with a volume ``detaching`` have the detach finished (or
  rolled back, the volume ``in-use`` again, when the guest keeps the device);
- on a durable bus, only the BUILDING instances without a VM whose block devices were
  begun: a build without such progress may still have its cast queued for this agent,
  and the conductor's sweep ends it if not.

Each is then undone as a failed build is (VM destroyed, ports the build made deleted and
those it was given unbound, attachments ended, delete_on_termination volumes deleted, once
a volume still being made is done) and failed through the conductor: ERROR with a fault
naming the restart, its placement allocation released.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from pocketstack.bus import Bus, rpc
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound
from pocketstack.compute import states
from pocketstack.compute.agent.actions import action_event
from pocketstack.compute.clients import NetworkClient
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.compute.volume_client import VolumeClient

log = logging.getLogger(__name__)


class RecoveryOps:
    host: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI
    network: NetworkClient
    orphaned: frozenset[str]

    if TYPE_CHECKING:  # provided by VolumeOps

        def _volume_client(self) -> VolumeClient: ...

        async def _settled(self, client: VolumeClient, volume_id: str) -> None: ...

        async def release_volumes(self, ctx: RequestContext, inst: dict[str, Any] | None) -> None: ...

        async def detach_volume(
            self, ctx: RequestContext, instance_uuid: str, volume_id: str, attachment_id: str, device: str
        ) -> None: ...

    if TYPE_CHECKING:  # provided by ComputeAgent

        async def terminate_instance(self, ctx: RequestContext, instance_uuid: str) -> None: ...

    async def interrupted_deletes(self) -> list[str]:
        """The deletes and volume detaches of this host whose cast died with the previous
        process, for ``finish_deletes``; the short tasks of such are ended here and now."""
        if not self.orphaned:
            return []
        known = await self.conductor_api.instances_on_host(rpc.no_context(), host=self.host)
        mine = [i for i in known if i["uuid"] in self.orphaned]
        for inst in mine:
            if inst["task_state"] in states.RESETTABLE_TASKS and inst["vm_state"] != states.BUILDING:
                await self.conductor_api.instance_update(
                    rpc.no_context(), instance_uuid=inst["uuid"], values={"task_state": None}
                )
                log.info("%s: %s of %s interrupted by a restart ended", self.host, inst["task_state"], inst["uuid"])
        return [i["uuid"] for i in mine if i["task_state"] == states.DELETING or _detaching(i)]

    async def finish_deletes(self, uuids: list[str]) -> None:
        for uuid in uuids:
            try:
                inst = await self.conductor_api.instance_get(rpc.no_context(), instance_uuid=uuid)
                if inst is not None and inst.get("task_state") != states.DELETING:
                    await self.finish_detaches(inst)
                    continue
                await self.terminate_instance(rpc.no_context(), uuid)
                if inst is not None:
                    # Ports the instance has but never recorded (a build cut short).
                    await self._release_build_ports(inst)
                log.info("%s: delete of %s interrupted by a restart finished", self.host, uuid)
            except Exception:
                log.exception("%s: finishing the interrupted delete of %s failed", self.host, uuid)

    async def finish_detaches(self, inst: dict[str, Any]) -> None:
        """Each volume of ``inst`` still ``detaching``: a volume the volume service still
        has detaching is detached as the lost cast would have (or rolled back to in-use);
        one the previous process had already let go (or rolled back) only has the
        instance's mapping follow."""
        client = self._volume_client()
        for bdm in inst.get("block_device_mapping") or []:
            volume_id = bdm.get("volume_id")
            if bdm.get("status") != "detaching" or not volume_id:
                continue
            try:
                volume: dict[str, Any] | None = await client.get_volume(volume_id, None)
            except NotFound:
                volume = None
            if volume is not None and volume.get("status") == "detaching":
                await self.detach_volume(
                    rpc.no_context(),
                    inst["uuid"],
                    volume_id,
                    bdm.get("attachment_id") or "",
                    bdm.get("device") or "",
                )
            else:
                held = volume is not None and any(
                    a.get("server_id") == inst["uuid"] for a in volume.get("attachments") or []
                )
                error = f"The detach of volume {volume_id} was interrupted by a restart." if held else None
                event = action_event(self.host, "compute_detach_volume", time.time(), error)
                await self.conductor_api.volume_detached(
                    rpc.no_context(),
                    instance_uuid=inst["uuid"],
                    volume_id=volume_id,
                    event=event,
                    error=error,
                    host=self.host,
                )
            log.info("%s: detach of %s from %s interrupted by a restart ended", self.host, volume_id, inst["uuid"])

    async def interrupted_builds(self) -> list[dict[str, Any]]:
        """The builds of this host a dead agent left (see the module docstring)."""
        known = await self.conductor_api.instances_on_host(rpc.no_context(), host=self.host)
        on_host = set(await self.driver.list_instances())
        found = []
        for inst in known:
            if inst["vm_state"] != states.BUILDING:
                continue
            if inst["uuid"] in self.orphaned:
                found.append(inst)
                continue
            if inst["uuid"] in on_host:
                continue
            mappings = inst.get("block_device_mapping") or []
            if any(b.get("status") in ("creating", "attaching") for b in mappings):
                found.append(inst)
        return found

    async def recover_interrupted_builds(self, builds: list[dict[str, Any]]) -> None:
        client = self._volume_client()
        for inst in builds:
            try:
                await self.driver.destroy(inst["uuid"])
                await self._release_build_ports(inst)
                for bdm in inst.get("block_device_mapping") or []:
                    if bdm.get("status") == "creating" and bdm.get("volume_id"):
                        await self._settled(client, bdm["volume_id"])
                await self.release_volumes(rpc.no_context(), inst)
            except Exception:
                # Still failed below: an instance left in BUILD is worse than a leftover.
                log.exception("%s: undoing the interrupted build of %s failed", self.host, inst["uuid"])
            reason = f"The build was interrupted by a restart of the compute agent on {self.host}."
            await self.conductor_api.build_failed(
                rpc.no_context(),
                instance_uuid=inst["uuid"],
                host=self.host,
                reason=reason,
                alternates=[],
                spans=[],
                events=[],
            )
            log.info("%s: interrupted build of %s failed, what it made released", self.host, inst["uuid"])

    async def _release_build_ports(self, inst: dict[str, Any]) -> None:
        """Ports are made with the instance as their device (as Nova makes them), so the
        network API finds them even though the dead build never reported them."""
        requested = inst.get("requested_networks")
        if requested in ("none", None) or requested == []:
            return
        given = {r["port"] for r in requested if r.get("port")} if isinstance(requested, list) else set()
        for port in await self.network.ports_of(inst["uuid"], None):
            if port["id"] in given:
                await self.network.update_port(
                    port["id"], {"device_id": "", "device_owner": "", "binding:host_id": ""}, None
                )
            else:
                await self.network.delete_port(port["id"])


def _detaching(inst: dict[str, Any]) -> bool:
    if inst["vm_state"] == states.BUILDING:
        return False
    return any(b.get("status") == "detaching" for b in inst.get("block_device_mapping") or [])
