"""Version discovery, the JSON Schemas clients read, and the import/stores info calls."""

from __future__ import annotations

from typing import Any

from pocketstack.image import quotas
from pocketstack.image.deps import ImageDeps
from pocketstack.image.schemas import CORE_FIELDS, IMPORT_METHODS, MEMBER_STATUSES, STATUSES
from pocketstack.image.tasks import STATUSES as TASK_STATUSES
from pocketstack.web import Request, Response, json_response

CURRENT_MINOR = 16


def _versions(request: Request) -> list[dict[str, Any]]:
    href = f"{request.base_url}/v2/"
    return [
        {
            "id": f"v2.{minor}",
            "status": "CURRENT" if minor == CURRENT_MINOR else "SUPPORTED",
            "links": [{"rel": "self", "href": href}],
        }
        for minor in range(CURRENT_MINOR, -1, -1)
    ]


async def versions(deps: ImageDeps, request: Request) -> Response:
    # Glance answers the root with 300 Multiple Choices; keystoneauth expects that.
    return json_response({"versions": _versions(request)}, 300)


async def versions_list(deps: ImageDeps, request: Request) -> Response:
    return json_response({"versions": _versions(request)})


def image_schema() -> dict[str, Any]:
    read_only: dict[str, Any] = {
        "status": {"type": "string", "readOnly": True, "enum": list(STATUSES), "description": "Status of the image"},
        "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32, "description": "md5 of the data"},
        "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64},
        "os_hash_value": {"type": ["null", "string"], "readOnly": True, "maxLength": 128},
        "size": {"type": ["null", "integer"], "readOnly": True, "description": "Size of image file in bytes"},
        "virtual_size": {"type": ["null", "integer"], "readOnly": True},
        "created_at": {"type": "string", "readOnly": True, "description": "Date and time of image registration"},
        "updated_at": {"type": "string", "readOnly": True, "description": "Date and time of the last modification"},
        "self": {"type": "string", "readOnly": True, "description": "An image self url"},
        "file": {"type": "string", "readOnly": True, "description": "An image file url"},
        "schema": {"type": "string", "readOnly": True, "description": "An image schema url"},
        "direct_url": {"type": "string", "readOnly": True},
        "stores": {"type": "string", "readOnly": True},
        "locations": {"type": "array", "items": {"type": "object"}},
    }
    kernel_ramdisk = {
        "kernel_id": {
            "type": ["null", "string"],
            "pattern": CORE_FIELDS["id"]["pattern"],
            "is_base": False,
            "description": "ID of image stored in Glance that should be used as the kernel",
        },
        "ramdisk_id": {
            "type": ["null", "string"],
            "pattern": CORE_FIELDS["id"]["pattern"],
            "is_base": False,
            "description": "ID of image stored in Glance that should be used as the ramdisk",
        },
    }
    return {
        "name": "image",
        "properties": {**CORE_FIELDS, **read_only, **kernel_ramdisk},
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


def member_schema() -> dict[str, Any]:
    return {
        "name": "member",
        "properties": {
            "image_id": {"type": "string", "description": "An identifier for the image"},
            "member_id": {"type": "string", "description": "An identifier for the image member (project)"},
            "status": {"type": "string", "enum": list(MEMBER_STATUSES), "description": "The status of this member"},
            "created_at": {"type": "string", "description": "Date and time of image member creation"},
            "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
            "schema": {"type": "string", "readOnly": True},
        },
    }


def task_schema(*, stub: bool = False) -> dict[str, Any]:
    string = {"type": "string"}
    properties: dict[str, Any] = {
        "id": {**string, "pattern": CORE_FIELDS["id"]["pattern"], "description": "An identifier for the task"},
        "type": {
            **string,
            "enum": ["import", "api_image_import", "location_import"],
            "description": "The type of task represented by this content",
        },
        "status": {**string, "enum": list(TASK_STATUSES), "description": "The current status of this task"},
        "input": {"type": ["null", "object"], "description": "The parameters required by task, JSON blob"},
        "result": {"type": ["null", "object"], "description": "The result of current task, JSON blob"},
        "owner": {**string, "description": "An identifier for the owner of this task"},
        "message": {**string, "description": "Human-readable informative message (usually on failure)"},
        "image_id": {**string, "description": "Image associated with the task"},
        "request_id": {**string, "description": "Human-readable informative request-id"},
        "user_id": {**string, "description": "User associated with the task"},
        "expires_at": {"type": ["null", "string"], "description": "When this resource is subject to removal"},
        "created_at": {**string, "description": "Datetime when this resource was created"},
        "updated_at": {**string, "description": "Datetime when this resource was updated"},
        "self": {**string, "readOnly": True},
        "schema": {**string, "readOnly": True},
    }
    if stub:
        for name in ("input", "result", "message"):
            del properties[name]
    return {"name": "task", "properties": properties}


def _collection(name: str, item: dict[str, Any], links: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            name: {"type": "array", "items": item},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": links,
    }


async def schema_image(deps: ImageDeps, request: Request) -> Response:
    return json_response(image_schema())


async def schema_images(deps: ImageDeps, request: Request) -> Response:
    return json_response(
        _collection(
            "images",
            image_schema(),
            [
                {"rel": "first", "href": "{first}"},
                {"rel": "next", "href": "{next}"},
                {"rel": "describedby", "href": "{schema}"},
            ],
        )
    )


async def schema_member(deps: ImageDeps, request: Request) -> Response:
    return json_response(member_schema())


async def schema_members(deps: ImageDeps, request: Request) -> Response:
    return json_response(_collection("members", member_schema(), [{"rel": "describedby", "href": "{schema}"}]))


async def schema_task(deps: ImageDeps, request: Request) -> Response:
    return json_response(task_schema())


async def schema_tasks(deps: ImageDeps, request: Request) -> Response:
    links = [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ]
    return json_response(_collection("tasks", task_schema(stub=True), links))


async def info_import(deps: ImageDeps, request: Request) -> Response:
    return json_response(
        {
            "import-methods": {
                "description": "Import methods available.",
                "type": "array",
                "value": list(IMPORT_METHODS),
            }
        }
    )


async def info_stores(deps: ImageDeps, request: Request) -> Response:
    return json_response(
        {
            "stores": [
                {
                    "id": deps.store.name,
                    "description": f"pocketstack {deps.store.name} store",
                    "default": True,
                }
            ]
        }
    )


async def info_usage(deps: ImageDeps, request: Request) -> Response:
    async with deps.db.reader() as session:
        left = await quotas.bytes_left(session, request.context.project_id, deps.limits)
        count = await quotas.image_count(session, request.context.project_id)
    return json_response(
        {
            "usage": {
                "image_size_total": {"limit": deps.limits.quota_bytes, "usage": deps.limits.quota_bytes - left},
                "image_count_total": {"limit": deps.limits.quota_images, "usage": count},
            }
        }
    )
