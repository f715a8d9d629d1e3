"""os-volume_upload_image: a new image (owned by the caller) made from a volume's data.

The image is raw or qcow2 (``disk_format``); the backend converts the volume to that
format (qemu-img) as it streams it to the image service. Other formats are refused (400).
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.records import volume_row

DISK_FORMATS = ("raw", "qcow2")


async def upload_to_image(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    image_name: str,
    *,
    disk_format: str = "raw",
    container_format: str = "bare",
    force: bool = False,
    visibility: str = "private",
    protected: bool = False,
) -> dict[str, Any]:
    if disk_format not in DISK_FORMATS:
        raise Invalid(
            f"Invalid input received: disk_format {disk_format!r} is not supported for upload; use raw or qcow2."
        )
    if container_format != "bare":
        raise Invalid(f"Invalid input received: container_format {container_format!r} is not supported; use bare.")
    async with deps.db.reader() as s:
        vol = await volume_row(s, ctx, volume_id)
        vtype = await types.get(s, ctx, vol.volume_type_id, deps.cfg.default_type)
    if vol.status == states.IN_USE and not force:
        raise Invalid(f"Invalid volume: Volume {vol.id} is in-use; uploading an attached volume needs force=True.")
    if vol.status not in (states.AVAILABLE, states.IN_USE):
        raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or in-use, currently {vol.status}.")
    body: dict[str, Any] = {
        "name": image_name,
        "disk_format": disk_format,
        "container_format": container_format,
        "visibility": visibility,
        "protected": protected,
        "min_disk": vol.size,
    }
    for key in ("kernel_id", "ramdisk_id"):
        if (vol.image_metadata or {}).get(key):
            body[key] = vol.image_metadata[key]
    image = await deps.images.create(body, ctx.auth_token or await deps.images.runtime.service_token())
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status not in (states.AVAILABLE, states.IN_USE):
            await deps.images.delete(image["id"], ctx.auth_token)
            raise Invalid(f"Invalid volume: Volume {vol.id} changed to {vol.status}; try again.")
        vol.previous_status = vol.status
        vol.status = states.UPLOADING
        updated = vol.updated_at
    await deps.rpcapi.upload_image(ctx, volume_id=volume_id, image_id=image["id"], disk_format=disk_format)
    return {
        "id": vol.id,
        "updated_at": iso_nozone(updated),
        "status": states.UPLOADING,
        "display_description": vol.description,
        "size": vol.size,
        "volume_type": {"id": vtype.id, "name": vtype.name},
        "image_id": image["id"],
        "container_format": container_format,
        "disk_format": disk_format,
        "image_name": image_name,
        "visibility": visibility,
        "protected": protected,
    }
