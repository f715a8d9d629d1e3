"""The compute agent's part of attaching volumes (mixed into ComputeAgent).

At build (block_device_mapping_v2): volumes that come from an image, a snapshot or
nothing (blank) are created through the volume API and waited for; every volume is
then reserved and connected with this host's connector, and the connection info goes
to the driver with the spawn (the boot_index 0 volume is the root disk; its
``volume_image_metadata`` says which kernel and ramdisk to boot, as in Cinder). Every
step pushes its undo, so a failed build leaves no volume it made and no attachment.
After the spawn the attachments are completed.

Attach: connect the attachment with this host's connector (the volume service answers
with connection info), hand that to the driver, then mark the attachment complete.
Each step is undone if a later one fails, so a failed attach leaves the volume
available and the VM without the device: a bus call, the compute API waits for the
answer. Detach runs the same steps backwards, cast by the API (which has answered 202):
the outcome is the volume's status and, on failure, an instance fault.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound, PocketError
from pocketstack.compute.agent.actions import action_event
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.virt.driver import InstanceNotFound, VirtDriver
from pocketstack.compute.volume_client import VolumeClient, image_meta_from_volume
from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)

Undo = Callable[[], Awaitable[None]]
# How long a build waits for a volume it asked for (a 1 GiB image copy included).
VOLUME_WAIT_TIMEOUT = 600.0


class BlockDevices:
    """What the build prepared: the driver's block devices and the root disk's image."""

    def __init__(self, mappings: list[dict[str, Any]]) -> None:
        self.mappings = mappings
        self.devices: list[dict[str, Any]] = []
        self.root_image: dict[str, Any] | None = None


class VolumeOps:
    host: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI
    _volumes: VolumeClient | None = None

    def _volume_client(self) -> VolumeClient:
        if self._volumes is None:
            # The agent's other clients share the runtime; the volume client uses it too.
            runtime: Runtime = self.images.runtime  # type: ignore[attr-defined]
            self._volumes = VolumeClient(runtime)
        return self._volumes

    def connector(self, device: str) -> dict[str, Any]:
        return {
            "host": self.host,
            "initiator": f"iqn.2026-01.org.pocketstack:{self.host}",
            "platform": "x86_64",
            "os_type": "linux",
            "multipath": False,
            "mountpoint": device,
        }

    # --- at build --------------------------------------------------------------------------
    async def prepare_block_devices(self, ctx: RequestContext, inst: dict[str, Any], undo: list[Undo]) -> BlockDevices:
        """Create, reserve and connect the instance's volumes (undo pushed per step)."""
        out = BlockDevices([dict(b) for b in inst.get("block_device_mapping") or []])
        wanted = [b for b in out.mappings if b.get("destination_type") == "volume"]
        if not wanted:
            return out
        client = self._volume_client()
        token = ctx.auth_token
        for bdm in wanted:
            if bdm.get("source_type") != "volume":
                # Made for this build (again on a reschedule: the last host deleted its copy).
                volume = await client.create_volume(self._volume_body(inst, bdm), token)
                undo.append(self._forget_volume(client, volume["id"]))
                bdm["volume_id"] = volume["id"]
                bdm["status"] = "creating"
                # Recorded before the (long) wait: an agent that dies from here on leaves a
                # volume the instance names, so a server delete or the restarted agent's
                # cleanup (recover_interrupted_builds) still finds it.
                await self._record_mappings(ctx, inst, out.mappings)
                await self._wait_available(client, volume["id"], bdm, token)
            attachment = await client.attachment_create(bdm["volume_id"], inst["uuid"], token)
            undo.append(self._drop_attachment(client, attachment["id"]))
            bdm["attachment_id"] = attachment["id"]
            bdm["status"] = "attaching"
            await self._record_mappings(ctx, inst, out.mappings)
            connected = await client.attachment_update(attachment["id"], self.connector(bdm["device"]), token)
            out.devices.append(
                {
                    "device": bdm["device"],
                    "boot_index": bdm.get("boot_index"),
                    "volume_id": bdm["volume_id"],
                    "connection_info": connected.get("connection_info") or {},
                }
            )
            if bdm.get("boot_index") == 0:
                meta = image_meta_from_volume(await client.get_volume(bdm["volume_id"], token))
                # The driver's view of an image: id plus the properties (kernel_id, ...).
                out.root_image = {**meta.get("properties", {}), **{k: v for k, v in meta.items() if k != "properties"}}
        return out

    async def _record_mappings(self, ctx: RequestContext, inst: dict[str, Any], mappings: list[dict[str, Any]]) -> None:
        """Store the build's block device mappings (volume and attachment ids so far)."""
        await self.conductor_api.instance_update(
            ctx, instance_uuid=inst["uuid"], values={"block_device_mapping": mappings}
        )

    async def complete_block_devices(self, ctx: RequestContext, inst: dict[str, Any], prepared: BlockDevices) -> None:
        """After the spawn: the volume service marks the volumes in-use."""
        if not prepared.devices:
            return
        client = self._volume_client()
        for bdm in prepared.mappings:
            if bdm.get("attachment_id") and bdm.get("status") == "attaching":
                await client.attachment_complete(bdm["attachment_id"], ctx.auth_token)
                bdm["status"] = "attached"
        await self.conductor_api.instance_update(
            ctx, instance_uuid=inst["uuid"], values={"block_device_mapping": prepared.mappings}
        )

    @staticmethod
    def _volume_body(inst: dict[str, Any], bdm: dict[str, Any]) -> dict[str, Any]:
        source = bdm["source_type"]
        body: dict[str, Any] = {"size": bdm.get("volume_size"), "name": f"{inst['name']}-{source}-vol"}
        if source == "image":
            body["imageRef"] = bdm["image_id"]
        elif source == "snapshot":
            body["snapshot_id"] = bdm["snapshot_id"]
        if bdm.get("volume_type"):
            body["volume_type"] = bdm["volume_type"]
        return body

    async def _wait_available(
        self, client: VolumeClient, volume_id: str, bdm: dict[str, Any], token: str | None
    ) -> None:
        deadline = time.monotonic() + VOLUME_WAIT_TIMEOUT
        delay = 0.02
        while True:
            volume = await client.get_volume(volume_id, token)
            status = volume.get("status")
            if status == "available":
                return
            if status in ("error", "error_deleting") or status is None:
                # Short and first: the conductor's fault message is cut at 255 characters.
                raise PocketError(
                    f"Volume for {bdm.get('device')} went to {status} (from {bdm['source_type']}): {volume_id}"
                )
            if time.monotonic() > deadline:
                raise PocketError(
                    f"Volume for {bdm.get('device')} still {status} after {VOLUME_WAIT_TIMEOUT:g}s: {volume_id}"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def _forget_volume(self, client: VolumeClient, volume_id: str) -> Undo:
        async def undo() -> None:
            await client.delete_volume(volume_id, None)

        return undo

    def _drop_attachment(self, client: VolumeClient, attachment_id: str) -> Undo:
        async def undo() -> None:
            await client.attachment_delete(attachment_id, None)

        return undo

    # --- hot-plug -----------------------------------------------------------------------------
    async def attach_volume(
        self, ctx: RequestContext, instance_uuid: str, volume_id: str, attachment_id: str, device: str
    ) -> dict[str, Any]:
        client = self._volume_client()
        token = ctx.auth_token
        attachment = await client.attachment_update(attachment_id, self.connector(device), token)
        info = attachment.get("connection_info") or {}
        try:
            await self.driver.attach_volume(instance_uuid, info, device)
        except Exception:
            log.info("%s: attaching volume %s to %s failed", self.host, volume_id, instance_uuid)
            await client.attachment_delete(attachment_id, token)
            raise
        try:
            await client.attachment_complete(attachment_id, token)
        except Exception:
            await self.driver.detach_volume(instance_uuid, device)
            await client.attachment_delete(attachment_id, token)
            raise
        return {"device": device, "connection_info": info}

    async def detach_volume(
        self, ctx: RequestContext, instance_uuid: str, volume_id: str, attachment_id: str, device: str
    ) -> None:
        """A cast from the compute API (the volume is ``detaching``): unplug the device,
        end the attachment (the volume goes ``available``) and drop the mapping. If the
        guest keeps the device, the volume is rolled back to ``in-use``, the mapping stays
        and the failure becomes an instance fault and the action's Error event (Nova)."""
        client = self._volume_client()
        token = ctx.auth_token
        start = time.time()
        error: str | None = None
        try:
            try:
                await self.driver.detach_volume(instance_uuid, device)
            except InstanceNotFound:
                # A device the VM no longer has (or a VM that is gone, as after a restart
                # of the fake driver) is detached already.
                pass
            except Exception as exc:
                if "not found" not in str(exc).lower() and "no volume" not in str(exc).lower():
                    raise
            await client.attachment_delete(attachment_id, token)
        except Exception as exc:
            error = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: detaching volume %s from %s failed: %s", self.host, volume_id, instance_uuid, error)
            try:
                await client.roll_detaching(volume_id, token)
            except PocketError as rollback:
                log.warning("%s: rolling back the detach of %s failed: %s", self.host, volume_id, rollback.message)
        event = action_event(self.host, "compute_detach_volume", start, error)
        await self.conductor_api.volume_detached(
            ctx, instance_uuid=instance_uuid, volume_id=volume_id, event=event, error=error, host=self.host
        )

    async def volume_extended(self, ctx: RequestContext, instance_uuid: str, volume_id: str) -> None:
        """The volume service grew an attached volume, or (status still ``extending``)
        left growing it to the hypervisor: have the guest see the new size, and in the
        second case report the outcome (os-extend_volume_completion)."""
        client = self._volume_client()
        volume = await client.get_volume(volume_id, None)
        completion = volume.get("status") == "extending"
        ok = False
        start = time.time()
        error: str | None = None
        try:
            device = await self._device_of(ctx, instance_uuid, volume_id)
            if device is None:
                log.info("%s: volume-extended for %s, which %s does not have", self.host, volume_id, instance_uuid)
            else:
                await self.driver.extend_volume(instance_uuid, device, int(volume["size"]) * 1024**3)
                ok = True
        except Exception as exc:
            log.exception("%s: extending %s on %s failed", self.host, volume_id, instance_uuid)
            error = f"{type(exc).__name__}: {exc}"
        # The event of the extend_volume action the API started for this request.
        event = action_event(self.host, "compute_extend_volume", start, error)
        await self.conductor_api.instance_update(ctx, instance_uuid=instance_uuid, values={}, events=[event])
        if completion:
            try:
                await client.extend_volume_completion(volume_id, error=not ok)
            except PocketError as exc:
                # E.g. another server holding the (multiattach) volume reported first.
                log.warning("%s: reporting the extend of %s failed: %s", self.host, volume_id, exc.message)

    async def _device_of(self, ctx: RequestContext, instance_uuid: str, volume_id: str) -> str | None:
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        for bdm in (inst or {}).get("block_device_mapping") or []:
            if bdm.get("volume_id") == volume_id and bdm.get("device"):
                return str(bdm["device"])
        return None

    # --- assisted snapshots (calls from the compute API) -----------------------------------------
    async def volume_snapshot_create(self, ctx: RequestContext, instance_uuid: str, volume_id: str, name: str) -> None:
        """Internal snapshot ``name`` of the attached volume, taken by the hypervisor."""
        device = await self._device_of(ctx, instance_uuid, volume_id)
        if device is None:
            raise NotFound(f"Volume {volume_id} is not attached to instance {instance_uuid}.")
        await self.driver.volume_snapshot_create(instance_uuid, device, name)

    async def volume_backup(self, ctx: RequestContext, instance_uuid: str, volume_id: str, target: str) -> None:
        """A point-in-time qcow2 copy of the attached volume into ``target``, by the hypervisor."""
        device = await self._device_of(ctx, instance_uuid, volume_id)
        if device is None:
            raise NotFound(f"Volume {volume_id} is not attached to instance {instance_uuid}.")
        await self.driver.volume_backup(instance_uuid, device, target)

    async def volume_snapshot_delete(self, ctx: RequestContext, instance_uuid: str, volume_id: str, name: str) -> None:
        device = await self._device_of(ctx, instance_uuid, volume_id)
        if device is None:
            raise NotFound(f"Volume {volume_id} is not attached to instance {instance_uuid}.")
        await self.driver.volume_snapshot_delete(instance_uuid, device, name)

    async def _settled(self, client: VolumeClient, volume_id: str) -> None:
        """Wait while the volume is still being made (a volume in creating cannot be deleted)."""
        deadline = time.monotonic() + VOLUME_WAIT_TIMEOUT
        delay = 0.05
        while time.monotonic() < deadline:
            try:
                volume = await client.get_volume(volume_id, None)
            except PocketError:
                return
            if volume.get("status") not in ("creating", "downloading"):
                return
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    async def release_volumes(self, ctx: RequestContext, inst: dict[str, Any] | None) -> None:
        """After the VM is destroyed: end its attachments, delete delete_on_termination volumes."""
        await self._volume_client().release((inst or {}).get("block_device_mapping"))
