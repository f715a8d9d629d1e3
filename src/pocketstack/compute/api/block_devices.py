"""block_device_mapping_v2 at server create: validated here, recorded on the instance,
carried out by the compute agent (which makes volumes from images and snapshots,
attaches them and boots with the boot_index 0 volume as the root disk).

What is accepted, as Nova does: an image, volume, snapshot or blank source; a local or
volume destination (volumes and snapshots only go to volumes); at most one boot_index
0. Image and blank sources going to a volume need a ``volume_size``; a snapshot source
defaults to the snapshot's size. Volumes named by the request must be available and
cannot be given to more than one server at a time (min_count > 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pocketstack.common.errors import Invalid, NotFound, Unavailable
from pocketstack.compute.volume_client import VolumeClient, image_meta_from_volume

GIB = 1024**3
SOURCES = ("image", "volume", "snapshot", "blank")
DESTINATIONS = ("local", "volume")


@dataclass
class BootDevices:
    """The outcome: mappings to record, and what the server boots from."""

    mappings: list[dict[str, Any]] = field(default_factory=list)
    # The image of a local root disk ("" when the root disk is a volume).
    image_ref: str = ""
    # For a volume root disk: the image metadata the volume carries (kernel_id, ...).
    volume_image_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def boot_volume(self) -> dict[str, Any] | None:
        return next((m for m in self.mappings if m["boot_index"] == 0 and m["destination_type"] == "volume"), None)


def _int(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(f"Invalid input for field/attribute {what}: {value!r} is not an integer") from None


class Resolver:
    """Validates the mappings of one create request against the image and volume APIs."""

    def __init__(self, volumes: VolumeClient, images: Any, token: str | None, max_count: int) -> None:
        self.volumes = volumes
        self.images = images
        self.token = token
        self.max_count = max_count

    async def resolve(self, raw: list[dict[str, Any]]) -> BootDevices:
        out = BootDevices()
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                raise Invalid(f"Invalid input for field/attribute block_device_mapping_v2[{index}]: not an object")
            mapping = await self._one(item)
            out.mappings.append(mapping)
        boots = [m for m in out.mappings if m["boot_index"] == 0]
        if len(boots) > 1:
            raise Invalid("Boot sequence for the instance and image/block device mapping combination is not valid.")
        root = boots[0] if boots else None
        if root is not None and root["destination_type"] == "local" and root["source_type"] == "image":
            out.image_ref = root["image_id"]
        if root is not None and root["destination_type"] == "volume":
            out.volume_image_meta = await self._root_image_meta(root)
        self._assign_devices(out.mappings)
        return out

    async def _one(self, item: dict[str, Any]) -> dict[str, Any]:
        source = item.get("source_type") or ("image" if item.get("uuid") else "blank")
        if source not in SOURCES:
            raise Invalid(f"Invalid input for field/attribute source_type: {source!r} is not one of {list(SOURCES)}")
        default_destination = "volume" if source in ("volume", "snapshot") else "local"
        destination = item.get("destination_type") or default_destination
        if destination not in DESTINATIONS:
            raise Invalid(
                f"Invalid input for field/attribute destination_type: {destination!r} is not one of "
                f"{list(DESTINATIONS)}"
            )
        if source in ("volume", "snapshot") and destination != "volume":
            raise Invalid(f"Mapping with source_type {source} must have destination_type volume.")
        boot_index = _int(item.get("boot_index"), "boot_index")
        size = _int(item.get("volume_size"), "volume_size")
        if size is not None and size <= 0 and destination == "volume":
            raise Invalid(f"Invalid input for field/attribute volume_size: {size} is not a positive size")
        uuid = str(item.get("uuid") or "")
        if source != "blank" and not uuid:
            raise Invalid(f"Invalid input: a mapping with source_type {source} needs a uuid.")
        mapping: dict[str, Any] = {
            "source_type": source,
            "destination_type": destination,
            "boot_index": boot_index if boot_index is None or boot_index >= 0 else None,
            "volume_size": size,
            "delete_on_termination": bool(item.get("delete_on_termination") or False),
            "device": item.get("device_name") or None,
            "tag": item.get("tag"),
            "guest_format": item.get("guest_format"),
            "volume_type": item.get("volume_type"),
            "image_id": uuid if source == "image" else None,
            "snapshot_id": uuid if source == "snapshot" else None,
            "volume_id": uuid if source == "volume" else None,
        }
        if destination == "volume":
            await self._check_volume_source(mapping)
        return mapping

    async def _check_volume_source(self, m: dict[str, Any]) -> None:
        source = m["source_type"]
        if source in ("image", "blank") and not m["volume_size"]:
            what = "Images" if source == "image" else "Blank volumes"
            raise Invalid(f"{what} with destination_type 'volume' need to have a non-zero size specified")
        try:
            if source == "image":
                await self._check_image(m)
            elif source == "snapshot":
                snap = await self.volumes.get_snapshot(m["snapshot_id"], self.token)
                if snap.get("status") != "available":
                    raise Invalid(f"Invalid snapshot: snapshot {m['snapshot_id']} is {snap.get('status')}.")
                if m["volume_size"] is None:
                    m["volume_size"] = int(snap.get("size") or 1)
                elif m["volume_size"] < int(snap.get("size") or 0):
                    raise Invalid(
                        f"Volume size {m['volume_size']}GB cannot be smaller than the snapshot size {snap['size']}GB."
                    )
            elif source == "volume":
                vol = await self.volumes.get_volume(m["volume_id"], self.token)
                if vol.get("status") != "available" and not vol.get("multiattach"):
                    raise Invalid(
                        f"Invalid volume: volume {m['volume_id']} status must be 'available', "
                        f"but it is {vol.get('status')!r}."
                    )
                if self.max_count > 1:
                    raise Invalid(f"Cannot attach volume {m['volume_id']} to more than one server (max_count > 1).")
                if m["boot_index"] == 0 and str(vol.get("bootable", "true")).lower() != "true":
                    # Nova boots only from a volume the volume service marks bootable.
                    raise Invalid(f"Block Device {m['volume_id']} is not bootable.")
        except NotFound:
            kind = "Image" if source == "image" else source.capitalize()
            raise Invalid(f"Block Device Mapping is Invalid: {kind} {m[f'{source}_id']} could not be found.") from None
        except Unavailable as exc:
            raise Invalid(f"Block Device Mapping cannot be checked: {exc.message}") from None

    async def _check_image(self, m: dict[str, Any]) -> None:
        image = await self.images.get(m["image_id"], self.token)
        if image.get("status") != "active":
            raise Invalid(f"Image {m['image_id']} is not active.")
        size = m["volume_size"]
        min_disk = int(image.get("min_disk") or 0)
        if size < min_disk:
            raise Invalid(
                f"Volume is smaller than the minimum size specified in image metadata. "
                f"Volume size is {size * GIB} bytes, minimum size is {min_disk * GIB} bytes."
            )
        needed = max(int(image.get("size") or 0), int(image.get("virtual_size") or 0))
        if needed > size * GIB:
            raise Invalid(
                f"Size of specified image {-(-needed // GIB)}GB is larger than the volume size {size}GB "
                f"of block device mapping for image {m['image_id']}."
            )

    async def _root_image_meta(self, root: dict[str, Any]) -> dict[str, Any]:
        """What the root volume will boot (kernel, ramdisk, properties), as far as known now."""
        if root["source_type"] == "image":
            image = await self.images.get(root["image_id"], self.token)
            meta = {k: str(v) for k, v in image.items() if isinstance(v, (str, int, float, bool))}
            meta.update(image_id=image["id"], image_name=image.get("name") or "")
            return image_meta_from_volume({"volume_image_metadata": meta})
        try:
            if root["source_type"] == "volume":
                return image_meta_from_volume(await self.volumes.get_volume(root["volume_id"], self.token))
            if root["source_type"] == "snapshot":
                snap = await self.volumes.get_snapshot(root["snapshot_id"], self.token)
                return image_meta_from_volume(await self.volumes.get_volume(snap["volume_id"], self.token))
        except NotFound:
            return {}
        return {}

    @staticmethod
    def _assign_devices(mappings: list[dict[str, Any]]) -> None:
        """Volumes get /dev/vda (the root) and /dev/vdb... in request order, unless named."""
        used = {m["device"] for m in mappings if m["device"]}
        letters = iter("bcdefghijklmnopqrstuvwxyz")
        for m in mappings:
            if m["destination_type"] != "volume" or m["device"]:
                continue
            if m["boot_index"] == 0:
                m["device"] = "/dev/vda"
            else:
                m["device"] = next(f"/dev/vd{c}" for c in letters if f"/dev/vd{c}" not in used)
            used.add(m["device"])
