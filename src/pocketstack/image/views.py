"""Images, members and tasks as the Glance v2 API prints them."""

from __future__ import annotations

from typing import Any

from pocketstack.common.timeutils import iso, iso_nozone
from pocketstack.image.models import ImageMember, ImageTask
from pocketstack.image.records import ImageRecord


def image(rec: ImageRecord, store: str) -> dict[str, Any]:
    """``store``: the id of the store holding image data (as /v2/info/stores lists it)."""
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
    # The stores holding the data (Glance with multiple stores): a deactivated image keeps
    # its data; staged data is in no store yet.
    if img.status in ("active", "deactivated") and img.location:
        body["stores"] = store
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


def task_stub(row: ImageTask) -> dict[str, Any]:
    """A task in GET /v2/tasks: without its input, result and message."""
    body: dict[str, Any] = {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "owner": row.owner,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "self": f"/v2/tasks/{row.id}",
        "schema": "/v2/schemas/task",
    }
    if row.expires_at is not None:
        body["expires_at"] = iso(row.expires_at)
    return body


def task(row: ImageTask) -> dict[str, Any]:
    body = task_stub(row)
    body.update(input=row.input, result=row.result, message=row.message)
    for name in ("image_id", "request_id", "user_id"):
        if getattr(row, name):
            body[name] = getattr(row, name)
    return body


def image_task(row: ImageTask) -> dict[str, Any]:
    """A task in GET /v2/images/{id}/tasks, which Glance prints as its database record."""
    return {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "owner": row.owner,
        "expires_at": iso_nozone(row.expires_at),
        "created_at": iso_nozone(row.created_at),
        "updated_at": iso_nozone(row.updated_at),
        "deleted_at": None,
        "deleted": False,
        "image_id": row.image_id,
        "request_id": row.request_id,
        "user_id": row.user_id,
        "input": row.input,
        "result": row.result,
        "message": row.message,
    }
