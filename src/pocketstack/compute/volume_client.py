"""Compute's client of the volume API (volumes, snapshots, attachments at 3.44), over
runtime.http().

Calls for a user carry the user's token and the service token (X-Service-Token); with
no user token (cleanup after the token expired) the service token alone.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from pocketstack.common.errors import Conflict, Invalid, NotFound, QuotaExceeded, Unavailable
from pocketstack.runtime import Runtime
from pocketstack.web.paths import segment

log = logging.getLogger(__name__)

VOLUME_VERSION = "volume 3.44"
# volume_image_metadata keys that describe the image record, not its properties.
_IMAGE_FIELDS = {"image_id", "image_name", "checksum", "container_format", "disk_format", "min_disk", "min_ram", "size"}


class VolumeClient:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def _call(
        self, method: str, path: str, token: str | None, json: Any = None, version: str = VOLUME_VERSION
    ) -> Any:
        service_token = await self.runtime.service_token()
        headers = {"X-Auth-Token": token or service_token, "OpenStack-API-Version": version}
        if token:
            headers["X-Service-Token"] = service_token
        try:
            async with self.runtime.http() as http:
                resp = await http.request(method, f"/volume/v3{path}", headers=headers, json=json)
        except httpx.HTTPError as exc:
            raise Unavailable(f"The volume service could not be reached: {exc}") from None
        if resp.status_code < 400:
            return resp.json() if resp.content else None
        message = _message(resp)
        if resp.status_code == 404:
            raise NotFound(message)
        if resp.status_code == 400:
            raise Invalid(message)
        if resp.status_code == 409:
            raise Conflict(message)
        if resp.status_code == 413:
            raise QuotaExceeded(message)
        if resp.status_code in (502, 503):
            raise Unavailable(f"The volume service is not available: {message}")
        raise Unavailable(f"The volume service answered {resp.status_code}: {message}")

    async def for_user(self, method: str, path: str, token: str | None, json: Any = None) -> Any:
        """A call to the volume API on the user's behalf (the os-volumes proxy); its body."""
        return await self._call(method, path, token, json)

    async def get_volume(self, volume_id: str, token: str | None) -> dict[str, Any]:
        data = await self._call("GET", f"/volumes/{segment(volume_id)}", token)
        return data["volume"]  # type: ignore[no-any-return]

    async def get_snapshot(self, snapshot_id: str, token: str | None) -> dict[str, Any]:
        data = await self._call("GET", f"/snapshots/{segment(snapshot_id)}", token)
        return data["snapshot"]  # type: ignore[no-any-return]

    async def create_volume(self, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        data = await self._call("POST", "/volumes", token, {"volume": body})
        return data["volume"]  # type: ignore[no-any-return]

    async def attachment_create(self, volume_id: str, instance_uuid: str, token: str | None) -> dict[str, Any]:
        body = {"attachment": {"volume_uuid": volume_id, "instance_uuid": instance_uuid}}
        return (await self._call("POST", "/attachments", token, body))["attachment"]  # type: ignore[no-any-return]

    async def attachment_update(
        self, attachment_id: str, connector: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        body = {"attachment": {"connector": connector}}
        data = await self._call("PUT", f"/attachments/{segment(attachment_id)}", token, body)
        return data["attachment"]  # type: ignore[no-any-return]

    async def attachment_complete(self, attachment_id: str, token: str | None) -> None:
        await self._call("POST", f"/attachments/{segment(attachment_id)}/action", token, {"os-complete": {}})

    async def attachment_delete(self, attachment_id: str, token: str | None) -> None:
        try:
            await self._call("DELETE", f"/attachments/{segment(attachment_id)}", token)
        except NotFound:
            pass

    async def begin_detaching(self, volume_id: str, token: str | None) -> None:
        """The volume goes ``detaching`` (refused, 400, unless it is in-use)."""
        await self._call("POST", f"/volumes/{segment(volume_id)}/action", token, {"os-begin_detaching": None})

    async def roll_detaching(self, volume_id: str, token: str | None) -> None:
        """A detach that did not happen: a ``detaching`` volume is ``in-use`` again."""
        await self._call("POST", f"/volumes/{segment(volume_id)}/action", token, {"os-roll_detaching": None})

    async def extend_volume_completion(self, volume_id: str, error: bool) -> None:
        """Tell the volume service how growing an attached volume went (Cinder 3.71; service token)."""
        body = {"os-extend_volume_completion": {"error": error}}
        await self._call("POST", f"/volumes/{segment(volume_id)}/action", None, body, version="volume 3.71")

    async def release(self, block_device_mapping: list[dict[str, Any]] | None) -> None:
        """A server is gone: end its attachments, delete its delete_on_termination
        volumes (service token: the user's may have expired). Each failure is logged and
        the others still go."""
        for bdm in block_device_mapping or []:
            if not bdm.get("volume_id"):
                continue
            try:
                if bdm.get("attachment_id"):
                    await self.attachment_delete(bdm["attachment_id"], None)
                if bdm.get("delete_on_termination"):
                    await self.delete_volume(bdm["volume_id"], None)
            except Exception:
                log.exception("releasing volume %s failed", bdm.get("volume_id"))

    async def delete_volume(self, volume_id: str, token: str | None) -> None:
        try:
            await self._call("DELETE", f"/volumes/{segment(volume_id)}", token)
        except NotFound:
            pass


def image_meta_from_volume(volume: dict[str, Any]) -> dict[str, Any]:
    """A volume's ``volume_image_metadata`` in the shape compute keeps image metadata."""
    meta = dict(volume.get("volume_image_metadata") or {})
    if not meta:
        return {}
    return {
        "id": meta.get("image_id", ""),
        "name": meta.get("image_name"),
        "min_ram": int(meta.get("min_ram") or 0),
        "min_disk": int(meta.get("min_disk") or 0),
        "disk_format": meta.get("disk_format"),
        "kernel_id": meta.get("kernel_id", ""),
        "ramdisk_id": meta.get("ramdisk_id", ""),
        "properties": {k: v for k, v in meta.items() if k not in _IMAGE_FIELDS},
    }


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:300]
    if isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return resp.text.strip()[:300]
