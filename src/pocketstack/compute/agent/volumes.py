"""The compute agent's part of attaching volumes (mixed into ComputeAgent).

Attach: connect the attachment with this host's connector (the volume service answers
with connection info), hand that to the driver, then mark the attachment complete.
Each step is undone if a later one fails, so a failed attach leaves the volume
available and the VM without the device. Detach runs the same steps backwards. These
are bus calls: the compute API waits for the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)


class VolumeOps:
    host: str
    driver: VirtDriver
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

    async def attach_volume(
        self, ctx: dict[str, Any], instance_uuid: str, volume_id: str, attachment_id: str, device: str
    ) -> dict[str, Any]:
        client = self._volume_client()
        token = ctx.get("auth_token")
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
        self, ctx: dict[str, Any], instance_uuid: str, volume_id: str, attachment_id: str, device: str
    ) -> None:
        try:
            await self.driver.detach_volume(instance_uuid, device)
        except Exception as exc:
            # A device the VM no longer has (or a VM that is gone) is detached already.
            if "not found" not in str(exc).lower() and "no volume" not in str(exc).lower():
                raise
        await self._volume_client().attachment_delete(attachment_id, ctx.get("auth_token"))

    async def release_volumes(self, ctx: dict[str, Any], inst: dict[str, Any] | None) -> None:
        """After the VM is destroyed: end its attachments, delete delete_on_termination volumes."""
        client = self._volume_client()
        for bdm in (inst or {}).get("block_device_mapping") or []:
            if not bdm.get("volume_id"):
                continue
            try:
                if bdm.get("attachment_id"):
                    await client.attachment_delete(bdm["attachment_id"], None)
                if bdm.get("delete_on_termination"):
                    await client.delete_volume(bdm["volume_id"], None)
            except Exception:
                log.exception("%s: releasing volume %s failed", self.host, bdm.get("volume_id"))
