"""JSON Schemas of image request bodies, and the field lists they are built from.

The same definitions serve validation (create, each JSON-patch value, members, import)
and the documents clients read at ``/v2/schemas/image`` and friends.
"""

from __future__ import annotations

from typing import Any

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
# Disk and container formats are independent in Glance v2 (ami data in a bare container
# is fine; v1's rule that aki/ari/ami must match is gone).
VISIBILITIES = ("public", "private", "shared", "community")
STATUSES = (
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
)
MEMBER_STATUSES = ("pending", "accepted", "rejected")
IMPORT_METHODS = ("glance-direct",)

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

# Fields the server sets: a request that names one is refused (403, as Glance does).
READ_ONLY = (
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
    "stores",
)
# Names that were Glance v1 internals and may not be used as properties.
RESERVED = ("location", "locations", "deleted", "deleted_at")
# Properties under this prefix belong to the service (Glance reserves it the same way).
RESERVED_PREFIX = "os_glance"

# Writable core fields (id only on create, owner only by an admin).
CORE_FIELDS: dict[str, Any] = {
    "id": {"type": "string", "pattern": UUID_PATTERN, "description": "An identifier for the image"},
    "name": {"type": ["null", "string"], "maxLength": 255, "description": "Descriptive name for the image"},
    "visibility": {"type": "string", "enum": list(VISIBILITIES), "description": "Scope of image accessibility"},
    "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
    "os_hidden": {"type": "boolean", "description": "If true, image will not appear in default image list response."},
    "owner": {"type": ["null", "string"], "maxLength": 255, "description": "Owner of the image"},
    "disk_format": {"type": ["null", "string"], "enum": [None, *DISK_FORMATS], "description": "Format of the disk"},
    "container_format": {
        "type": ["null", "string"],
        "enum": [None, *CONTAINER_FORMATS],
        "description": "Format of the container",
    },
    "min_disk": {
        "type": "integer",
        "minimum": 0,
        "maximum": 2**31 - 1,
        "description": "Amount of disk space (in GB) required to boot image.",
    },
    "min_ram": {
        "type": "integer",
        "minimum": 0,
        "maximum": 2**31 - 1,
        "description": "Amount of ram (in MB) required to boot image.",
    },
    "tags": {
        "type": "array",
        "items": {"type": "string", "maxLength": 255},
        "description": "List of strings related to the image",
    },
}

EXTRA_PROPERTY: dict[str, Any] = {"type": "string", "maxLength": 65535}

IMAGE_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": CORE_FIELDS,
    "additionalProperties": EXTRA_PROPERTY,
    "propertyNames": {"maxLength": 255, "minLength": 1},
}

MEMBER_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"member": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["member"],
    "additionalProperties": False,
}

# openstacksdk sends the member id ("member") along with the status; only status counts.
MEMBER_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": list(MEMBER_STATUSES)}},
    "required": ["status"],
}

IMPORT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "method": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "uri": {"type": "string"}},
            "required": ["name"],
        },
        "stores": {"type": "array", "items": {"type": "string"}},
        "all_stores": {"type": "boolean"},
        "all_stores_must_succeed": {"type": "boolean"},
    },
    "required": ["method"],
}

PATCH_OPERATION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "op": {"type": "string", "enum": ["add", "remove", "replace"]},
        "path": {"type": "string", "pattern": "^/"},
        "value": {},
    },
    "required": ["op", "path"],
}
