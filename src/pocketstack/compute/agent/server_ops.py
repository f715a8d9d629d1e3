"""The compute agent's image and interface operations (mixed into ComputeAgent).

createImage (Nova's order): the API made the queued image and set ``image_snapshot``;
here the task goes ``image_pending_upload`` while the driver copies the root disk, then
``image_uploading`` while the copy streams to the image service (formats first: the
driver decides them), and back to none. On failure the queued image is deleted, the
task cleared and the server stays as it was, with an instance fault and an Error event.

rebuild: the driver makes fresh local disks from the (new) image and starts the guest
again on this host with the same ports and volumes; a server that was SHUTOFF is
powered off again afterwards, as Nova does. A failed rebuild is an ERROR server.

Interfaces: attach binds a port (given, or made on a network) to this host, waits for
network-vif-plugged and hot-plugs the NIC; detach unplugs it and deletes the port if
compute made it (else unbinds it). The instance's ``ports`` and ``addresses`` follow
through the conductor. These are bus calls: the API waits for the answer.
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
from pocketstack.common.errors import NotFound, PocketError
from pocketstack.compute import states
from pocketstack.compute.agent.actions import action_event, power_of
from pocketstack.compute.agent.specs import address_entries, instance_spec, saved_port
from pocketstack.compute.clients import ImageClient, NetworkClient
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.virt.driver import InstanceNotFound, VirtDriver

log = logging.getLogger(__name__)

Undo = Callable[[], Awaitable[None]]


class ServerOps:
    host: str
    zone: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI
    config: ComputeConfig
    images: ImageClient
    network: NetworkClient
    service_token: Callable[[], Awaitable[str]]
    # ComputeAgent's own helpers (the network half of a build)
    _bind_ports: Callable[[str, list[dict[str, Any]], str | None], Awaitable[list[dict[str, Any]]]]
    _network_name: Callable[[str, str | None], Awaitable[str]]
    _unplug: Callable[[str, bool], Undo]

    async def _task(self, ctx: RequestContext, instance_uuid: str, task_state: str) -> None:
        await self.conductor_api.instance_update(ctx, instance_uuid=instance_uuid, values={"task_state": task_state})

    async def _done(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        event: str,
        start: float,
        values: dict[str, Any],
        *,
        error: str | None = None,
        notify: str | None = None,
    ) -> None:
        record = action_event(self.host, event, start, error)
        await self.conductor_api.instance_update(
            ctx, instance_uuid=instance_uuid, values=values, events=[record], fault=error, notify=notify, host=self.host
        )

    # --- createImage ------------------------------------------------------------------------
    async def snapshot_instance(self, ctx: RequestContext, instance_uuid: str, image_id: str) -> None:
        start = time.time()
        publisher = f"nova-compute:{self.host}"
        await self.bus.notify("instance.snapshot.start", {"uuid": instance_uuid}, ctx.to_dict(), publisher_id=publisher)
        try:
            await self.snapshot_to(ctx, instance_uuid, image_id, states.IMAGE_PENDING_UPLOAD, states.IMAGE_UPLOADING)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            await self._done(
                ctx,
                instance_uuid,
                "compute_snapshot_instance",
                start,
                {"task_state": None, "power_state": await power_of(self.driver, instance_uuid)},
                error=f"Snapshot to image {image_id} failed: {reason}",
            )
            return
        await self._done(
            ctx,
            instance_uuid,
            "compute_snapshot_instance",
            start,
            {"task_state": None},
            notify="instance.snapshot.end",
        )

    async def backup_instance(
        self, ctx: RequestContext, instance_uuid: str, image_id: str, backup_type: str, rotation: int
    ) -> None:
        start = time.time()
        try:
            await self.snapshot_to(ctx, instance_uuid, image_id, states.IMAGE_PENDING_UPLOAD, states.IMAGE_UPLOADING)
            await self._rotate_backups(ctx, instance_uuid, backup_type, rotation)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            await self._done(
                ctx,
                instance_uuid,
                "compute_backup_instance",
                start,
                {"task_state": None, "power_state": await power_of(self.driver, instance_uuid)},
                error=f"Backup to image {image_id} failed: {reason}",
            )
            return
        await self._done(ctx, instance_uuid, "compute_backup_instance", start, {"task_state": None})

    async def _rotate_backups(self, ctx: RequestContext, instance_uuid: str, backup_type: str, rotation: int) -> None:
        token, service = ctx.auth_token, await self.service_token()
        found = await self.images.find(
            {"instance_uuid": instance_uuid, "image_type": "backup", "backup_type": backup_type}, token, service
        )
        for image in found[rotation:]:
            await self.images.delete(image["id"], token, service)

    async def snapshot_to(
        self, ctx: RequestContext, instance_uuid: str, image_id: str, pending: str, uploading: str
    ) -> None:
        """The driver's copy of the root disk into the queued image ``image_id`` (task
        ``pending`` while copying, ``uploading`` while streaming); on failure the image
        is deleted and the error raised."""
        token = ctx.auth_token
        service = await self.service_token()
        try:
            await self._task(ctx, instance_uuid, pending)
            snap = await self.driver.snapshot(instance_uuid)
            try:
                await self._task(ctx, instance_uuid, uploading)
                await self.images.set_formats(image_id, snap.disk_format, snap.container_format, token, service)
                await self.images.upload(image_id, snap.chunks(), snap.size, token, service)
            finally:
                await snap.discard()
        except Exception as exc:
            log.warning("%s: snapshot of %s to %s failed: %s", self.host, instance_uuid, image_id, exc)
            with contextlib.suppress(Exception):
                await self.images.delete(image_id, token, service)
            raise

    # --- rescue ---------------------------------------------------------------------------------
    async def rescue_instance(self, ctx: RequestContext, instance_uuid: str, image_ref: str) -> None:
        start = time.time()
        try:
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"]:
                return
            image = await self.images.get(image_ref, ctx.auth_token, await self.service_token())
            await self.driver.rescue(instance_spec(inst, image, list(inst.get("ports") or []), self.zone))
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            values = {
                "vm_state": states.ERROR,
                "task_state": None,
                "power_state": await power_of(self.driver, instance_uuid),
            }
            await self._done(
                ctx, instance_uuid, "compute_rescue_instance", start, values,
                error=f"Rescue of instance {instance_uuid} failed: {reason}",
            )  # fmt: skip
            return
        values = {
            "vm_state": states.RESCUED,
            "task_state": None,
            "power_state": await power_of(self.driver, instance_uuid),
        }
        await self._done(ctx, instance_uuid, "compute_rescue_instance", start, values, notify="instance.rescue.end")

    async def unrescue_instance(self, ctx: RequestContext, instance_uuid: str) -> None:
        start = time.time()
        try:
            await self.driver.unrescue(instance_uuid)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            values = {
                "vm_state": states.ERROR,
                "task_state": None,
                "power_state": await power_of(self.driver, instance_uuid),
            }
            await self._done(ctx, instance_uuid, "compute_unrescue_instance", start, values, error=reason)
            return
        values = {
            "vm_state": states.ACTIVE,
            "task_state": None,
            "power_state": await power_of(self.driver, instance_uuid),
        }
        await self._done(ctx, instance_uuid, "compute_unrescue_instance", start, values, notify="instance.unrescue.end")

    # --- trigger_crash_dump -------------------------------------------------------------------
    async def trigger_crash_dump(self, ctx: RequestContext, instance_uuid: str) -> None:
        start = time.time()
        try:
            await self.driver.trigger_crash_dump(instance_uuid)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            await self._done(ctx, instance_uuid, "compute_trigger_crash_dump", start, {}, error=reason)
            return
        await self._done(ctx, instance_uuid, "compute_trigger_crash_dump", start, {})

    # --- rebuild ----------------------------------------------------------------------------
    async def rebuild_instance(
        self, ctx: RequestContext, instance_uuid: str, image_ref: str, orig_vm_state: str
    ) -> None:
        start = time.time()
        publisher = f"nova-compute:{self.host}"
        await self.bus.notify("instance.rebuild.start", {"uuid": instance_uuid}, ctx.to_dict(), publisher_id=publisher)
        try:
            inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
            if inst is None or inst["deleted"]:
                return
            image = await self.images.get(image_ref, ctx.auth_token, await self.service_token())
            await self._task(ctx, instance_uuid, states.REBUILD_SPAWNING)
            await self.driver.rebuild(instance_spec(inst, image, list(inst.get("ports") or []), self.zone))
            if orig_vm_state == states.STOPPED:
                await self.driver.power_off(instance_uuid)
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: rebuild of %s failed: %s", self.host, instance_uuid, reason)
            values = {
                "vm_state": states.ERROR,
                "task_state": None,
                "power_state": await power_of(self.driver, instance_uuid),
            }
            await self._done(
                ctx,
                instance_uuid,
                "compute_rebuild_instance",
                start,
                values,
                error=f"Rebuild of instance {instance_uuid} failed: {reason}",
            )
            return
        stopped = orig_vm_state == states.STOPPED
        values = {
            "vm_state": states.STOPPED if stopped else states.ACTIVE,
            "task_state": None,
            "power_state": await power_of(self.driver, instance_uuid),
        }
        await self._done(ctx, instance_uuid, "compute_rebuild_instance", start, values, notify="instance.rebuild.end")

    # --- interfaces ---------------------------------------------------------------------------
    async def attach_interface(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ips: list[dict[str, Any]] | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        """Attach a port (``port_id``) or a new port on ``network_id``; the port as saved."""
        token = ctx.auth_token
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        if inst is None or inst["deleted"]:
            raise NotFound(f"Instance {instance_uuid} could not be found.")
        undo: list[Undo] = []
        try:
            if port_id:
                port = await self.network.get_port(port_id, token)
                created = False
            else:
                body: dict[str, Any] = {"network_id": network_id, "project_id": inst["project_id"]}
                if fixed_ips:
                    body["fixed_ips"] = fixed_ips
                port = await self.network.create_port(body, token)
                created = True
            undo.append(self._unplug(port["id"], created))
            bound = (await self._bind_ports(instance_uuid, [port], token))[0]
            vif = {**saved_port(bound, created), "tag": tag}
            await self.driver.attach_interface(instance_uuid, vif)
            undo.append(self._hot_unplug(instance_uuid, vif))
            await self.conductor_api.interface_changed(
                ctx,
                instance_uuid=instance_uuid,
                add=vif,
                network_name=await self._network_name(vif["network_id"], token),
                addresses=address_entries(bound),
            )
        except BaseException:
            for step in reversed(undo):
                try:
                    await step()
                except Exception:
                    log.exception("%s: undoing an interface attach failed", self.host)
            raise
        return {**vif, "status": bound.get("status")}

    def _hot_unplug(self, instance_uuid: str, vif: dict[str, Any]) -> Undo:
        async def undo() -> None:
            await self.driver.detach_interface(instance_uuid, vif)

        return undo

    async def detach_interface(self, ctx: RequestContext, instance_uuid: str, port_id: str) -> None:
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        port = next((p for p in (inst or {}).get("ports") or [] if p["id"] == port_id), None)
        if inst is None or port is None:
            raise NotFound(f"Port {port_id} is not attached to instance {instance_uuid}.")
        try:
            await self.driver.detach_interface(instance_uuid, port)
        except InstanceNotFound:
            pass  # the VM has no such NIC (any more): detached already
        await self.conductor_api.interface_changed(ctx, instance_uuid=instance_uuid, remove=port_id)
        await self._unplug(port_id, not port.get("preserve_on_delete"))()
