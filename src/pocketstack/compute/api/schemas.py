"""JSON Schemas of compute request bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.web.validation import obj, string

NAME = string(255, 1, pattern=r"^(?! )[^\x00-\x1f]*(?<! )$")
NON_NEGATIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 0}
POSITIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]*[1-9][0-9]*$", "minimum": 1}
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
                    "type": ["string", "null"],
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
                "os-flavor-access:is_public": {"type": "boolean"},
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
            "additionalProperties": {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "minimum": -1},
        }
    },
    ["quota_set"],
)
