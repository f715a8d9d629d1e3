"""The compute agent's part of shelve, shelveOffload and unshelve (mixed into ComputeAgent).

shelve: the guest is powered off, its root disk copied into the queued snapshot image
(task ``shelving_image_pending_upload`` then ``shelving_image_uploading``), the server
is SHELVED; offloaded at once when ``[compute] shelved_offload_time`` is 0: the VM is
destroyed here, the ports unbound (kept), placement's allocation released.
unshelve of a SHELVED server powers it on here; of an offloaded one, the host the
conductor chose spawns it from the snapshot with the same ports (bound to it again).
The snapshot image is deleted once the server runs again, as Nova does.

Data volumes stay the server's through an offload: their attachments are replaced by
ones with no host (the volumes stay reserved to the server, as Nova's new-style
attachments do), and the host that spawns the server again connects them.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus
from pocketstack.common.config import ComputeConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.agent.actions import action_event, power_of
from pocketstack.compute.agent.resource_tracker import ResourceTracker
from pocketstack.compute.agent.specs import instance_spec, saved_port
from pocketstack.compute.clients import ImageClient, NetworkClient
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.resources import instance_resources
from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.compute.volume_client import VolumeClient

log = logging.getLogger(__name__)


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"


async def unhost_volumes(
    conductor: ConductorAPI, client: VolumeClient, ctx: RequestContext, inst: dict[str, Any] | None
) -> None:
    """A server's data volumes leaving this host (offload, or a move to another host):
    each attachment replaced by a completed one with no host (the volume stays in-use by
    the server) and recorded."""
    bdms = [dict(b) for b in (inst or {}).get("block_device_mapping") or []]
    if inst is None or not any(b.get("attachment_id") for b in bdms):
        return
    token = ctx.auth_token
    for bdm in bdms:
        if bdm.get("attachment_id") and bdm.get("destination_type") == "volume":
            # The host's attachment ends first (the volume service lets a volume in use
            # by one attachment take no other), then the hostless one holds it.
            await client.attachment_delete(bdm["attachment_id"], token)
            fresh = await client.attachment_create(bdm["volume_id"], inst["uuid"], token)
            await client.attachment_complete(fresh["id"], token)  # in-use, hostless
            bdm.update({"attachment_id": fresh["id"], "status": "reserved"})
    await conductor.instance_update(ctx, instance_uuid=inst["uuid"], values={"block_device_mapping": bdms})


async def connect_volumes(
    client: VolumeClient, connector: Callable[[str], dict[str, Any]], ctx: RequestContext, inst: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A server's volumes arriving on this host: connected here; their mappings and the
    devices for the driver."""
    bdms = [dict(b) for b in inst.get("block_device_mapping") or []]
    token = ctx.auth_token
    devices = []
    for bdm in bdms:
        if bdm.get("attachment_id") and bdm.get("destination_type") == "volume":
            connected = await client.attachment_update(bdm["attachment_id"], connector(bdm["device"]), token)
            devices.append(
                {
                    "device": bdm["device"],
                    "boot_index": bdm.get("boot_index"),
                    "volume_id": bdm["volume_id"],
                    "connection_info": connected.get("connection_info") or {},
                }
            )
    return bdms, devices


async def complete_volumes(
    conductor: ConductorAPI, client: VolumeClient, ctx: RequestContext, inst: dict[str, Any], bdms: list[dict[str, Any]]
) -> None:
    if not any(b.get("attachment_id") for b in bdms):
        return
    token = ctx.auth_token
    for bdm in bdms:
        if bdm.get("attachment_id") and bdm.get("status") == "reserved":
            await client.attachment_complete(bdm["attachment_id"], token)
            bdm["status"] = "attached"
    await conductor.instance_update(ctx, instance_uuid=inst["uuid"], values={"block_device_mapping": bdms})


class ShelveOps:
    host: str
    zone: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI
    config: ComputeConfig
    tracker: ResourceTracker
    images: ImageClient
    network: NetworkClient
    service_token: Callable[[], Awaitable[str]]
    _bind_ports: Callable[[str, list[dict[str, Any]], str | None], Awaitable[list[dict[str, Any]]]]
    snapshot_to: Callable[[RequestContext, str, str, str, str], Awaitable[None]]
    _volume_client: Callable[[], VolumeClient]
    connector: Callable[[str], dict[str, Any]]

    async def shelve_instance(self, ctx: RequestContext, instance_uuid: str, image_id: str, offload: bool) -> None:
        start = time.time()
        try:
            if await power_of(self.driver, instance_uuid) != states.SHUTDOWN:
                await self.driver.power_off(instance_uuid)
            await self.snapshot_to(
                ctx,
                instance_uuid,
                image_id,
                states.SHELVING_IMAGE_PENDING_UPLOAD,
                states.SHELVING_IMAGE_UPLOADING,
            )
        except Exception as exc:
            reason = f"Shelve of instance {instance_uuid} failed: {_reason(exc)}"
            power = await power_of(self.driver, instance_uuid)
            values: dict[str, Any] = {"task_state": None, "power_state": power}
            if power == states.SHUTDOWN:
                values["vm_state"] = states.STOPPED
            await self.conductor_api.instance_update(
                ctx,
                instance_uuid=instance_uuid,
                values=values,
                events=[action_event(self.host, "compute_shelve_instance", start, reason)],
                fault=reason,
                host=self.host,
            )
            return
        await self.conductor_api.instance_shelved(
            ctx,
            instance_uuid=instance_uuid,
            image_id=image_id,
            host=self.host,
            power_state=await power_of(self.driver, instance_uuid),
            events=[action_event(self.host, "compute_shelve_instance", start)],
        )
        if offload:
            await self.shelve_offload_instance(ctx, instance_uuid)

    async def shelve_offload_instance(self, ctx: RequestContext, instance_uuid: str) -> None:
        start = time.time()
        await self.conductor_api.instance_update(
            ctx, instance_uuid=instance_uuid, values={"task_state": states.SHELVING_OFFLOADING}
        )
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        await self.driver.destroy(instance_uuid)
        self.tracker.release(instance_uuid)
        for port in (inst or {}).get("ports") or []:
            # Kept for the unshelve (still the server's), but bound to no host.
            with contextlib.suppress(PocketError):
                await self.network.update_port(port["id"], {"binding:host_id": ""}, None)
        await unhost_volumes(self.conductor_api, self._volume_client(), ctx, inst)
        await self.conductor_api.instance_offloaded(
            ctx, instance_uuid=instance_uuid, events=[action_event(self.host, "compute_shelve_offload_instance", start)]
        )

    async def _drop_shelved_image(self, ctx: RequestContext, inst: dict[str, Any] | None) -> None:
        image_id = ((inst or {}).get("system_metadata") or {}).get("shelved_image_id")
        if image_id:
            with contextlib.suppress(Exception):
                await self.images.delete(image_id, ctx.auth_token, await self.service_token())

    async def unshelve_on_host(self, ctx: RequestContext, instance_uuid: str) -> None:
        """A SHELVED server still on this host: power it on."""
        start = time.time()
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        try:
            await self.driver.power_on(instance_uuid)
        except Exception as exc:
            reason = f"Unshelve of instance {instance_uuid} failed: {_reason(exc)}"
            event = action_event(self.host, "compute_unshelve_instance", start, reason)
            await self.conductor_api.instance_update(
                ctx,
                instance_uuid=instance_uuid,
                values={"task_state": None},
                events=[event],
                fault=reason,
                host=self.host,
            )
            return
        await self.conductor_api.instance_unshelved(
            ctx,
            instance_uuid=instance_uuid,
            power_state=await power_of(self.driver, instance_uuid),
            events=[action_event(self.host, "compute_unshelve_instance", start)],
        )
        await self._drop_shelved_image(ctx, inst)

    async def spawn_unshelved(self, ctx: RequestContext, instance_uuid: str, node: str) -> None:
        """An offloaded server placed here: spawn it from its snapshot, same ports."""
        start = time.time()
        token = ctx.auth_token
        inst: dict[str, Any] | None = None
        claimed = spawned = False
        try:
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"]:
                return
            image_id = (inst.get("system_metadata") or {}).get("shelved_image_id") or inst["image_ref"]
            image = await self.images.get(image_id, token, await self.service_token())
            ports = list(inst.get("ports") or [])
            bound = await self._bind_ports(instance_uuid, ports, token)
            vifs = [
                {**saved_port(b, not p.get("preserve_on_delete")), "tag": p.get("tag")}
                for p, b in zip(ports, bound, strict=True)
            ]
            used = instance_resources(inst["vcpus"], inst["memory_mb"], inst["flavor"], inst["block_device_mapping"])
            self.tracker.claim(instance_uuid, used["VCPU"], used["MEMORY_MB"], used["DISK_GB"])
            claimed = True
            bdms, devices = await connect_volumes(self._volume_client(), self.connector, ctx, inst)
            await self.driver.spawn(instance_spec(inst, image, vifs, self.zone, devices))
            spawned = True
            await complete_volumes(self.conductor_api, self._volume_client(), ctx, inst, bdms)
        except Exception as exc:
            reason = f"Unshelve of instance {instance_uuid} failed on {self.host}: {_reason(exc)}"
            log.warning("%s", reason)
            if spawned:
                await self.driver.destroy(instance_uuid)
            if claimed:
                self.tracker.release(instance_uuid)
            await self.conductor_api.unshelve_failed(
                ctx,
                instance_uuid=instance_uuid,
                reason=reason,
                events=[action_event(self.host, "compute_unshelve_instance", start, reason)],
                host=self.host,
            )
            return
        await self.conductor_api.instance_unshelved(
            ctx,
            instance_uuid=instance_uuid,
            power_state=await power_of(self.driver, instance_uuid),
            events=[action_event(self.host, "compute_unshelve_instance", start)],
            ports=vifs,
        )
        await self._drop_shelved_image(ctx, inst)
