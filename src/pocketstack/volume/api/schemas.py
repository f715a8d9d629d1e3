"""JSON Schemas of the volume API's request bodies (Cinder's, with its quirks: sizes
and booleans may come as strings, names and descriptions may be null)."""

from __future__ import annotations

from typing import Any

from pocketstack.web.validation import obj

NAME: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
UUID_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
# Cinder takes 1 or "1"; the handler turns strings into integers and checks > 0.
SIZE: dict[str, Any] = {"type": ["integer", "string", "null"]}
BOOLISH: dict[str, Any] = {"type": ["boolean", "string"]}
# openstacksdk sends every unset attribute of a create as null.
NULLABLE_BOOLISH: dict[str, Any] = {"type": ["boolean", "string", "null"]}
METADATA: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"minLength": 1, "maxLength": 255},
    "additionalProperties": {"type": "string", "maxLength": 255},
}

VOLUME_CREATE = obj(
    {
        "volume": {
            "type": "object",
            "properties": {
                "size": SIZE,
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
                "volume_type": UUID_OR_NULL,
                "availability_zone": {"type": ["string", "null"], "maxLength": 255},
                "imageRef": UUID_OR_NULL,
                "image_id": UUID_OR_NULL,
                "snapshot_id": UUID_OR_NULL,
                "source_volid": UUID_OR_NULL,
                "backup_id": UUID_OR_NULL,
                "consistencygroup_id": UUID_OR_NULL,
                "group_id": UUID_OR_NULL,
                "metadata": {**METADATA, "type": ["object", "null"]},
                "bootable": NULLABLE_BOOLISH,
                "multiattach": NULLABLE_BOOLISH,
            },
            "additionalProperties": False,
        },
        "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
    },
    ["volume"],
)

VOLUME_UPDATE = obj(
    {
        "volume": {
            "type": "object",
            "properties": {
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
                "metadata": METADATA,
            },
            "additionalProperties": False,
        }
    },
    ["volume"],
)

METADATA_BODY = obj({"metadata": METADATA}, ["metadata"])
META_ITEM = obj({"meta": METADATA}, ["meta"])

SNAPSHOT_CREATE = obj(
    {
        "snapshot": {
            "type": "object",
            "properties": {
                # Cinder takes null here and answers 404 for the volume it cannot find.
                "volume_id": {"type": ["string", "null"], "maxLength": 255},
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
                "force": NULLABLE_BOOLISH,
                "metadata": {**METADATA, "type": ["object", "null"]},
            },
            "required": ["volume_id"],
            "additionalProperties": False,
        }
    },
    ["snapshot"],
)

SNAPSHOT_UPDATE = obj(
    {
        "snapshot": {
            "type": "object",
            "properties": {
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
            },
            "additionalProperties": False,
        }
    },
    ["snapshot"],
)

TYPE_CREATE = obj(
    {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
                "description": DESCRIPTION,
                "os-volume-type-access:is_public": BOOLISH,
                "is_public": BOOLISH,
                "extra_specs": METADATA,
            },
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    ["volume_type"],
)

TYPE_UPDATE = obj(
    {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
                "description": DESCRIPTION,
                "is_public": BOOLISH,
            },
            "additionalProperties": False,
        }
    },
    ["volume_type"],
)

EXTRA_SPECS = obj({"extra_specs": METADATA}, ["extra_specs"])

ATTACHMENT_CREATE = obj(
    {
        "attachment": {
            "type": "object",
            "properties": {
                "volume_uuid": {"type": "string", "minLength": 1, "maxLength": 255},
                "instance_uuid": {"type": ["string", "null"], "maxLength": 255},
                "connector": {"type": ["object", "null"]},
                "mode": {"type": "string", "enum": ["rw", "ro"]},
            },
            "required": ["volume_uuid"],
            "additionalProperties": False,
        }
    },
    ["attachment"],
)

ATTACHMENT_UPDATE = obj(
    {
        "attachment": {
            "type": "object",
            "properties": {"connector": {"type": "object"}},
            "required": ["connector"],
            "additionalProperties": False,
        }
    },
    ["attachment"],
)

QUOTA_UPDATE = obj(
    {"quota_set": {"type": "object", "additionalProperties": {"type": ["integer", "string"]}}},
    ["quota_set"],
)

_SERVICE_PROPS: dict[str, Any] = {
    "binary": {"type": "string", "minLength": 1, "maxLength": 255},
    "host": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
    "cluster": {"type": ["string", "null"]},
    "service": {"type": "string", "minLength": 1, "maxLength": 255},
}
SERVICE_ENABLE: dict[str, Any] = {
    "type": "object",
    "properties": _SERVICE_PROPS,
    "anyOf": [{"required": ["binary"]}, {"required": ["service"]}],
    "additionalProperties": False,
}
SERVICE_DISABLE: dict[str, Any] = {
    **SERVICE_ENABLE,
    "properties": {**_SERVICE_PROPS, "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
}
SERVICE_FREEZE: dict[str, Any] = {
    "type": "object",
    "properties": {"host": _SERVICE_PROPS["host"], "cluster": _SERVICE_PROPS["cluster"]},
    "additionalProperties": False,
}

SPEC_VALUE: dict[str, Any] = {"type": "string", "maxLength": 255}
QOS_CREATE = obj(
    {
        "qos_specs": {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255}},
            "propertyNames": {"minLength": 1, "maxLength": 255},
            "additionalProperties": SPEC_VALUE,
            "required": ["name"],
        }
    },
    ["qos_specs"],
)
QOS_SET = obj({"qos_specs": METADATA}, ["qos_specs"])
QOS_UNSET = obj(
    {
        "keys": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 255},
            "uniqueItems": True,
        }
    },
    ["keys"],
)

TRANSFER_CREATE = obj(
    {
        "transfer": {
            "type": "object",
            "properties": {
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "name": NAME,
                "no_snapshots": BOOLISH,
            },
            "required": ["volume_id"],
            "additionalProperties": False,
        }
    },
    ["transfer"],
)
TRANSFER_ACCEPT = obj(
    {
        "accept": {
            "type": "object",
            "properties": {"auth_key": {"type": "string", "minLength": 1, "maxLength": 255}},
            "required": ["auth_key"],
            "additionalProperties": False,
        }
    },
    ["accept"],
)

QUOTA_CLASS_UPDATE = obj(
    {"quota_class_set": {"type": "object", "additionalProperties": {"type": ["integer", "string"]}}},
    ["quota_class_set"],
)

GROUP_TYPE_CREATE = obj(
    {
        "group_type": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
                "description": DESCRIPTION,
                "is_public": BOOLISH,
                "group_specs": METADATA,
            },
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    ["group_type"],
)
GROUP_TYPE_UPDATE = obj(
    {
        "group_type": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
                "description": DESCRIPTION,
                "is_public": {"type": ["boolean", "string", "null"]},
            },
            "additionalProperties": False,
        }
    },
    ["group_type"],
)
GROUP_SPECS = obj({"group_specs": METADATA}, ["group_specs"])

_ENCRYPTION_PROPS: dict[str, Any] = {
    # Cinder takes the key size as an integer or a string of one (key_size >= 0).
    "key_size": {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$", "minimum": 0},
    "provider": {"type": "string", "minLength": 0, "maxLength": 255},
    "control_location": {"enum": ["front-end", "back-end"]},
    "cipher": {"type": ["string", "null"], "minLength": 0, "maxLength": 255},
}
ENCRYPTION_CREATE = obj(
    {
        "encryption": {
            "type": "object",
            "properties": _ENCRYPTION_PROPS,
            "required": ["provider", "control_location"],
            "additionalProperties": True,
        }
    },
    ["encryption"],
)
ENCRYPTION_UPDATE = obj(
    {"encryption": {"type": "object", "properties": _ENCRYPTION_PROPS, "additionalProperties": True}},
    ["encryption"],
)

GROUP_CREATE = obj(
    {
        "group": {
            "type": "object",
            "properties": {
                "name": NAME,
                "description": DESCRIPTION,
                "group_type": {"type": "string", "minLength": 1, "maxLength": 255},
                "volume_types": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "maxLength": 255},
                    "uniqueItems": True,
                },
                "availability_zone": {"type": ["string", "null"], "maxLength": 255},
            },
            "required": ["group_type", "volume_types"],
            "additionalProperties": False,
        }
    },
    ["group"],
)
GROUP_UPDATE = obj(
    {
        "group": {
            "type": "object",
            "properties": {
                "name": NAME,
                "description": DESCRIPTION,
                "add_volumes": {"type": ["string", "null"]},
                "remove_volumes": {"type": ["string", "null"]},
            },
            "anyOf": [
                {"required": ["name"]},
                {"required": ["description"]},
                {"required": ["add_volumes"]},
                {"required": ["remove_volumes"]},
            ],
            "additionalProperties": False,
        }
    },
    ["group"],
)
GROUP_DELETE = obj(
    {
        "delete": {
            "type": "object",
            "properties": {"delete-volumes": BOOLISH},
            "additionalProperties": False,
        }
    },
    ["delete"],
)
GROUP_RESET = obj(
    {
        "reset_status": {
            "type": "object",
            "properties": {"status": {"type": "string", "minLength": 1, "maxLength": 255}},
            "required": ["status"],
            "additionalProperties": False,
        }
    },
    ["reset_status"],
)
GROUP_FROM_SRC = obj(
    {
        "create-from-src": {
            "type": "object",
            "properties": {
                "name": NAME,
                "description": DESCRIPTION,
                "source_group_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "group_snapshot_id": {"type": "string", "minLength": 1, "maxLength": 255},
            },
            "oneOf": [{"required": ["group_snapshot_id"]}, {"required": ["source_group_id"]}],
            "additionalProperties": False,
        }
    },
    ["create-from-src"],
)

DEFAULT_TYPE = obj(
    {
        "default_type": {
            "type": "object",
            "properties": {"volume_type": {"type": "string", "minLength": 1, "maxLength": 255}},
            "required": ["volume_type"],
            "additionalProperties": False,
        }
    },
    ["default_type"],
)

_BINARY: dict[str, Any] = {"enum": ["*", "cinder-api", "cinder-volume", "cinder-scheduler", "cinder-backup", ""]}
GET_LOG: dict[str, Any] = {
    "type": "object",
    "properties": {
        "binary": _BINARY,
        "server": {"type": ["string", "null"]},
        "prefix": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
SET_LOG: dict[str, Any] = {
    **GET_LOG,
    "properties": {**GET_LOG["properties"], "level": {"type": ["string", "null"]}},
}

GROUP_SNAPSHOT_CREATE = obj(
    {
        "group_snapshot": {
            "type": "object",
            "properties": {
                "group_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "name": NAME,
                "description": DESCRIPTION,
            },
            "required": ["group_id"],
            "additionalProperties": False,
        }
    },
    ["group_snapshot"],
)

VOLUME_MANAGE = obj(
    {
        "volume": {
            "type": "object",
            "properties": {
                "description": DESCRIPTION,
                "availability_zone": {"type": ["string", "null"], "maxLength": 255},
                "bootable": NULLABLE_BOOLISH,
                "volume_type": {"type": ["string", "null"], "maxLength": 255},
                "name": NAME,
                "host": {"type": ["string", "null"], "maxLength": 255},
                "cluster": {"type": ["string", "null"], "maxLength": 255},
                "ref": {"type": ["object", "string"]},
                "metadata": {**METADATA, "type": ["object", "null"]},
            },
            "required": ["ref"],
            "additionalProperties": False,
        }
    },
    ["volume"],
)

SNAPSHOT_MANAGE = obj(
    {
        "snapshot": {
            "type": "object",
            "properties": {
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "ref": {"type": ["object", "string"]},
                "name": NAME,
                "description": DESCRIPTION,
                "metadata": {**METADATA, "type": ["object", "null"]},
            },
            "required": ["volume_id", "ref"],
            "additionalProperties": False,
        }
    },
    ["snapshot"],
)

BACKUP_CREATE = obj(
    {
        "backup": {
            "type": "object",
            "properties": {
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
                "container": {"type": ["string", "null"], "maxLength": 255},
                "name": NAME,
                "description": DESCRIPTION,
                "incremental": NULLABLE_BOOLISH,
                "force": NULLABLE_BOOLISH,
                "snapshot_id": UUID_OR_NULL,
                "metadata": {**METADATA, "type": ["object", "null"]},
                "availability_zone": {"type": ["string", "null"], "maxLength": 255},
            },
            "required": ["volume_id"],
            "additionalProperties": False,
        }
    },
    ["backup"],
)
BACKUP_UPDATE = obj(
    {
        "backup": {
            "type": "object",
            "properties": {"name": NAME, "description": DESCRIPTION, "metadata": METADATA},
            "additionalProperties": False,
        }
    },
    ["backup"],
)
BACKUP_RESTORE = obj(
    {
        "restore": {
            "type": ["object", "null"],
            "properties": {"volume_id": UUID_OR_NULL, "name": NAME},
            "additionalProperties": False,
        }
    },
    ["restore"],
)
BACKUP_RESET = obj(
    {
        "os-reset_status": {
            "type": "object",
            "properties": {"status": {"type": "string", "minLength": 1, "maxLength": 255}},
            "required": ["status"],
            "additionalProperties": False,
        }
    },
    ["os-reset_status"],
)

BACKUP_IMPORT = obj(
    {
        "backup-record": {
            "type": "object",
            "properties": {
                "backup_service": {"type": "string", "minLength": 1, "maxLength": 255},
                "backup_url": {"type": "string", "minLength": 1},
            },
            "required": ["backup_service", "backup_url"],
            "additionalProperties": False,
        }
    },
    ["backup-record"],
)
