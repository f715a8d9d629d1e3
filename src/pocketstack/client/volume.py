"""Cinder v3: volumes, snapshots, limits (paths under the token's project)."""

from __future__ import annotations

from typing import Any

import httpx

from pocketstack.client.base import Resource, ServiceClient, seg


class VolumeClient(ServiceClient):
    service = "volume"

    def __init__(self, http: httpx.AsyncClient, token: str, project_id: str) -> None:
        super().__init__(http, token)
        self.prefix = f"/volume/v3/{seg(project_id)}"

    async def volumes(self, **filters: Any) -> list[Resource]:
        return list((await self.get("/volumes/detail", **filters))["volumes"])

    async def snapshots(self, **filters: Any) -> list[Resource]:
        return list((await self.get("/snapshots/detail", **filters))["snapshots"])

    async def create_volume(self, size: int, name: str = "", **attrs: Any) -> Resource:
        """A new volume (``snapshot_id``, ``imageRef``, ``source_volid``... in ``attrs``)."""
        body = {"size": size, "name": name, **{k: v for k, v in attrs.items() if v is not None}}
        return dict((await self.post("/volumes", {"volume": body}))["volume"])

    async def delete_volume(self, volume_id: str) -> None:
        await self.delete(f"/volumes/{seg(volume_id)}")

    async def limits(self) -> Resource:
        """Cinder's absolute limits and usage (maxTotalVolumes, totalVolumesUsed, ...)."""
        return dict((await self.get("/limits"))["limits"]["absolute"])

    async def volume(self, volume_id: str) -> Resource:
        return dict((await self.get(f"/volumes/{seg(volume_id)}"))["volume"])

    async def extend(self, volume_id: str, new_size: int) -> None:
        await self.post(f"/volumes/{seg(volume_id)}/action", {"os-extend": {"new_size": new_size}})

    async def create_snapshot(self, volume_id: str, name: str = "", force: bool = False) -> Resource:
        body = {"snapshot": {"volume_id": volume_id, "name": name, "force": force}}
        return dict((await self.post("/snapshots", body))["snapshot"])

    async def delete_snapshot(self, snapshot_id: str) -> None:
        await self.delete(f"/snapshots/{seg(snapshot_id)}")

    async def snapshot(self, snapshot_id: str) -> Resource:
        return dict((await self.get(f"/snapshots/{seg(snapshot_id)}"))["snapshot"])

    async def update_volume(self, volume_id: str, **attrs: Any) -> Resource:
        """``PUT /volumes/{id}``: ``name``, ``description``."""
        return dict((await self.put(f"/volumes/{seg(volume_id)}", {"volume": attrs}))["volume"])

    async def set_volume_metadata(self, volume_id: str, items: dict[str, str]) -> dict[str, str]:
        """Add or change metadata items (the others stay)."""
        return dict((await self.post(f"/volumes/{seg(volume_id)}/metadata", {"metadata": items}))["metadata"])

    async def delete_volume_metadata(self, volume_id: str, key: str) -> None:
        await self.delete(f"/volumes/{seg(volume_id)}/metadata/{seg(key)}")

    async def upload_to_image(self, volume_id: str, image_name: str, disk_format: str = "raw") -> Resource:
        """``os-volume_upload_image``: a new image holding the volume's data."""
        body = {"os-volume_upload_image": {"image_name": image_name, "disk_format": disk_format}}
        return dict((await self.post(f"/volumes/{seg(volume_id)}/action", body))["os-volume_upload_image"])

    async def types(self) -> list[Resource]:
        return list((await self.get("/types"))["volume_types"])
