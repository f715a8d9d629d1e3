"""Images and members as the Glance v2 API prints them."""

from __future__ import annotations

from typing import Any

from pocketstack.common.timeutils import iso
from pocketstack.image.models import ImageMember
from pocketstack.image.records import ImageRecord


def image(rec: ImageRecord) -> dict[str, Any]:
    img = rec.image
    body: dict[str, Any] = dict(rec.properties)
    body.update(
        {
            "id": img.id,
            "name": img.name,
            "status": img.status,
            "visibility": img.visibility,
            "protected": img.protected,
            "os_hidden": img.os_hidden,
            "owner": img.owner,
            "disk_format": img.disk_format,
            "container_format": img.container_format,
            "size": img.size,
            "virtual_size": img.virtual_size,
            "checksum": img.checksum,
            "os_hash_algo": img.os_hash_algo,
            "os_hash_value": img.os_hash_value,
            "min_disk": img.min_disk,
            "min_ram": img.min_ram,
            "tags": list(rec.tags),
            "created_at": iso(img.created_at),
            "updated_at": iso(img.updated_at),
            "self": f"/v2/images/{img.id}",
            "file": f"/v2/images/{img.id}/file",
            "schema": "/v2/schemas/image",
        }
    )
    if img.status == "active":
        body["stores"] = "file"
    return body


def member(row: ImageMember) -> dict[str, Any]:
    return {
        "image_id": row.image_id,
        "member_id": row.member,
        "status": row.status,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "schema": "/v2/schemas/member",
    }
