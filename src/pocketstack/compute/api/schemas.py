"""JSON Schemas of compute request bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.web.validation import obj, string

NAME = string(255, 1, pattern=r"^(?! )[^\x00-\x1f]*(?<! )$")
NON_NEGATIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 0}
POSITIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]*[1-9][0-9]*$", "minimum": 1}
# Nova's db.constants.MAX_INT: the largest value its integer columns hold.
MAX_INT = 2**31 - 1


def bounded_int(name: str, value: Any) -> int:
    """A quota or rule value the schema let through (digit strings escape its maximum)
    as an int, or Nova's 400 past MAX_INT instead of an overflow further down."""
    number = int(value)
    if number > MAX_INT:
        raise Invalid(
            f"Invalid input for field/attribute {name}. Value: {value}. "
            f"{number} is greater than the maximum of {MAX_INT}"
        )
    return number


# Nova's parameter_types.boolean: JSON booleans and the strings oslo's bool_from_string knows.
TRUE_STRINGS = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t")
FALSE_STRINGS = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f")
BOOLEAN: dict[str, Any] = {"type": ["boolean", "string"], "enum": [True, *TRUE_STRINGS, False, *FALSE_STRINGS]}


def as_bool(value: Any) -> bool:
    """A value BOOLEAN accepted, as a bool."""
    return value is True or value in TRUE_STRINGS


METADATA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {r"^[a-zA-Z0-9\-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}

FLAVOR_CREATE = obj(
    {
        "flavor": obj(
            {
                "name": NAME,
                "id": {
                    "type": ["string", "number", "null"],
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
                },
                "ram": POSITIVE,
                "vcpus": POSITIVE,
                "disk": NON_NEGATIVE,
                "OS-FLV-EXT-DATA:ephemeral": NON_NEGATIVE,
                "swap": NON_NEGATIVE,
                "rxtx_factor": {
                    "type": ["number", "string"],
                    "pattern": r"^[0-9]+(\.[0-9]+)?$",
                    "minimum": 0,
                    "exclusiveMinimum": 0,
                },
                "os-flavor-access:is_public": BOOLEAN,
                "description": {"type": ["string", "null"], "maxLength": 65535},
            },
            ["name", "ram", "vcpus", "disk"],
        )
    },
    ["flavor"],
)

FLAVOR_UPDATE = obj(
    {"flavor": obj({"description": {"type": ["string", "null"], "maxLength": 65535}}, ["description"])}, ["flavor"]
)

EXTRA_SPECS = obj(
    {
        "extra_specs": {
            "type": "object",
            "patternProperties": {r"^[a-zA-Z0-9\-_:. ]{1,255}$": {"type": ["string", "number", "boolean"]}},
            "additionalProperties": False,
        }
    },
    ["extra_specs"],
)

FLAVOR_ACCESS_ADD = obj({"addTenantAccess": obj({"tenant": string(255, 1)}, ["tenant"])}, ["addTenantAccess"])
FLAVOR_ACCESS_REMOVE = obj({"removeTenantAccess": obj({"tenant": string(255, 1)}, ["tenant"])}, ["removeTenantAccess"])

KEYPAIR_CREATE = obj(
    {
        "keypair": obj(
            {
                "name": string(255, 1, pattern=r"^[a-zA-Z0-9 _.@-]+$"),
                "public_key": {"type": "string"},
                "type": {"type": "string", "enum": ["ssh", "x509"]},
                "user_id": string(255, 1),
            },
            ["name"],
        )
    },
    ["keypair"],
)

QUOTA_UPDATE = obj(
    {
        "quota_set": {
            "type": "object",
            "properties": {"force": {"type": ["boolean", "string"]}},
            "additionalProperties": {
                "type": ["integer", "string"],
                "pattern": r"^-?[0-9]+$",
                "minimum": -1,
                "maximum": MAX_INT,
            },
        }
    },
    ["quota_set"],
)

UUID_OR_EMPTY = {"type": "string", "maxLength": 255}
# Servers named by the same_host / different_host hints: one uuid or a list (Nova's
# schema); other hints are free (each filter reads its own).
_SERVER_UUID = {"type": "string", "pattern": "^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$"}
_SERVER_UUIDS = {"oneOf": [_SERVER_UUID, {"type": "array", "items": _SERVER_UUID, "uniqueItems": True}]}
SCHEDULER_HINTS = {
    "type": "object",
    "properties": {"same_host": _SERVER_UUIDS, "different_host": _SERVER_UUIDS},
}
NETWORK_ITEM = obj(
    {
        "uuid": {"type": "string", "format": "uuid"},
        "port": {"type": ["string", "null"], "format": "uuid"},
        "fixed_ip": {"type": "string", "format": "ipv4"},
        "tag": string(60, 1),
    }
)
SERVER_CREATE = obj(
    {
        "server": obj(
            {
                "name": NAME,
                "imageRef": UUID_OR_EMPTY,
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "networks": {
                    "oneOf": [{"type": "array", "items": NETWORK_ITEM}, {"type": "string", "enum": ["none", "auto"]}]
                },
                "key_name": string(255, 1),
                "user_data": {"type": "string", "format": "base64", "maxLength": 65535},
                "metadata": METADATA,
                "security_groups": {"type": "array", "items": obj({"name": string(255, 1)}, ["name"])},
                "availability_zone": string(255, 1),
                "min_count": POSITIVE,
                "max_count": POSITIVE,
                "return_reservation_id": {
                    "type": ["boolean", "string"],
                    "enum": [True, False, "True", "False", "true", "false"],
                },
                "block_device_mapping_v2": {"type": "array", "items": {"type": "object"}},
                "config_drive": {"type": ["boolean", "string"]},
                "description": {"type": ["string", "null"], "maxLength": 255},
                "tags": {"type": "array", "items": string(60, 1, pattern=r"^[^,/]*$"), "maxItems": 50},
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                "adminPass": {"type": "string"},
                "personality": {"type": "array", "items": {"type": "object"}},
                "hostname": string(255, 1),
                "host": string(255, 1),
                "hypervisor_hostname": string(255, 1),
                "trusted_image_certificates": {"type": ["array", "null"]},
            },
            ["name", "flavorRef"],
        ),
        "os:scheduler_hints": SCHEDULER_HINTS,
        "OS-SCH-HNT:scheduler_hints": SCHEDULER_HINTS,
    },
    ["server"],
)

SERVER_UPDATE = obj(
    {
        "server": obj(
            {
                "name": NAME,
                "description": {"type": ["string", "null"], "maxLength": 255},
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                "hostname": string(255, 1),
            }
        )
    },
    ["server"],
)

METADATA_BODY = obj({"metadata": METADATA}, ["metadata"])
META_ITEM_BODY = obj({"meta": {**METADATA, "minProperties": 1, "maxProperties": 1}}, ["meta"])

SERVER_GROUP_CREATE = obj(
    {
        "server_group": obj(
            {
                "name": NAME,
                "policies": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {
                        "type": "string",
                        "enum": ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"],
                    },
                },
                "policy": {
                    "type": "string",
                    "enum": ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"],
                },
                "rules": obj({"max_server_per_host": POSITIVE}),
            },
            ["name"],
        )
    },
    ["server_group"],
)

SERVICE_UPDATE = obj(
    {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": string(255, 1),
        "forced_down": {"type": "boolean"},
    }
)

EXTERNAL_EVENTS = obj(
    {
        "events": {
            "type": "array",
            "minItems": 1,
            "items": obj(
                {
                    "server_uuid": {"type": "string", "format": "uuid"},
                    "name": {
                        "type": "string",
                        "enum": [
                            "network-changed",
                            "network-vif-plugged",
                            "network-vif-unplugged",
                            "network-vif-deleted",
                            "volume-extended",
                            "power-update",
                            "accelerator-request-bound",
                            "volume-reimaged",
                        ],
                    },
                    "status": {"type": "string", "enum": ["failed", "completed", "in-progress"]},
                    "tag": string(255, 1),
                },
                ["server_uuid", "name"],
            ),
        }
    },
    ["events"],
)

# POST /servers/{id}/action {"createImage": ...}
CREATE_IMAGE = obj({"name": NAME, "metadata": METADATA}, ["name"])

# POST /servers/{id}/action {"createBackup": ...}
CREATE_BACKUP = obj(
    # Nova takes any string as backup_type; openstackclient sends "" unless told.
    {"name": NAME, "backup_type": string(255, 0), "rotation": NON_NEGATIVE, "metadata": METADATA},
    ["name", "backup_type", "rotation"],
)

# POST /servers/{id}/action {"rescue": ...}
RESCUE = obj({"adminPass": {"type": "string"}, "rescue_image_ref": string(255, 1)})

# POST /servers/{id}/action {"rebuild": ...}; the microversion gates are the handler's.
REBUILD = obj(
    {
        "imageRef": string(255, 1),
        "name": NAME,
        "metadata": METADATA,
        "adminPass": {"type": "string"},
        "preserve_ephemeral": {"type": "boolean"},
        "accessIPv4": {"type": "string", "format": "ipv4"},
        "accessIPv6": {"type": "string", "format": "ipv6"},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "personality": {"type": "array", "items": {"type": "object"}},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "key_name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "user_data": {"type": ["string", "null"], "format": "base64", "maxLength": 65535},
        "trusted_image_certificates": {"type": ["array", "null"]},
        "hostname": string(255, 1),
    },
    ["imageRef"],
)

# POST /servers/{id}/os-interface
INTERFACE_ATTACH = obj(
    {
        "interfaceAttachment": obj(
            {
                "net_id": string(255, 1),
                "port_id": string(255, 1),
                "fixed_ips": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": obj({"ip_address": {"type": "string"}}, ["ip_address"]),
                },
                "tag": string(60, 1, pattern=r"^[^,/]*$"),
            }
        )
    },
)
