"""JSON Schemas of identity request bodies.

Users, projects and domains accept extra attributes as Keystone does (kept in ``extra``);
the other resources are strict, so a mistyped field is a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from pocketstack.web.validation import BOOLEAN, nullable_string, obj, string

# Keystone's names: at least one non-blank character; projects and domains at most 64
# characters (they share Keystone's project table), users, groups and roles 255.
NAME = string(255, 1, pattern=r"[\S]+")
SHORT_NAME = string(64, 1, pattern=r"[\S]+")
DESC = nullable_string(65535)
TAGS: dict[str, Any] = {
    "type": "array",
    "items": string(255, 1, pattern="^[^,/]*$"),
    "maxItems": 80,
    "uniqueItems": True,
}

# Resource options of projects, domains and roles: only ``immutable`` exists (Keystone).
OPTIONS = obj({"immutable": {"type": ["boolean", "null"]}})

_SCOPE = {"oneOf": [{"type": "string", "enum": ["unscoped"]}, {"type": "object"}]}

AUTH = obj(
    {
        "auth": obj(
            {
                "identity": obj(
                    {
                        "methods": {
                            "type": "array",
                            "items": {
                                "type": "string",
                                "enum": ["password", "token", "application_credential", "oauth1"],
                            },
                        },
                        "password": obj({"user": {"type": "object"}}, ["user"]),
                        "token": obj({"id": string(4096, 1)}, ["id"]),
                        "application_credential": {"type": "object"},
                        "oauth1": {"type": "object"},
                    },
                    ["methods"],
                ),
                "scope": _SCOPE,
            },
            ["identity"],
        )
    },
    ["auth"],
)

DOMAIN_CREATE = obj(
    {
        "domain": obj(
            {
                "name": SHORT_NAME,
                "description": DESC,
                "enabled": BOOLEAN,
                "tags": TAGS,
                "options": OPTIONS,
                "explicit_domain_id": string(64, 1, pattern="^[a-zA-Z0-9-]+$"),
            },
            ["name"],
            extra=True,
        )
    },
    ["domain"],
)
DOMAIN_UPDATE = obj(
    {
        "domain": obj(
            {"name": SHORT_NAME, "description": DESC, "enabled": BOOLEAN, "tags": TAGS, "options": OPTIONS},
            extra=True,
        )
    },
    ["domain"],
)

PROJECT_CREATE = obj(
    {
        "project": obj(
            {
                "name": SHORT_NAME,
                "description": DESC,
                "enabled": BOOLEAN,
                "domain_id": nullable_string(64),
                "parent_id": nullable_string(64),
                "is_domain": BOOLEAN,
                "tags": TAGS,
                "options": OPTIONS,
            },
            ["name"],
            extra=True,
        )
    },
    ["project"],
)
PROJECT_UPDATE = obj(
    {
        "project": obj(
            {"name": SHORT_NAME, "description": DESC, "enabled": BOOLEAN, "tags": TAGS, "options": OPTIONS},
            extra=True,
        )
    },
    ["project"],
)

USER_CREATE = obj(
    {
        "user": obj(
            {
                "name": NAME,
                "password": {"type": ["string", "null"], "maxLength": 4096},
                "domain_id": string(64, 1),
                "enabled": BOOLEAN,
                "default_project_id": nullable_string(64),
                "description": DESC,
                "email": nullable_string(255),
                "options": {"type": "object"},
            },
            ["name"],
            extra=True,
        )
    },
    ["user"],
)
USER_UPDATE = obj(
    {
        "user": obj(
            {
                "name": NAME,
                "password": {"type": ["string", "null"], "maxLength": 4096},
                "enabled": BOOLEAN,
                "default_project_id": nullable_string(64),
                "description": DESC,
                "email": nullable_string(255),
                "options": {"type": "object"},
            },
            extra=True,
        )
    },
    ["user"],
)
USER_PASSWORD = obj(
    {"user": obj({"password": string(4096), "original_password": string(4096)}, ["password", "original_password"])},
    ["user"],
)

# Groups keep extra attributes as Keystone does (Tempest creates them with a project_id).
GROUP_CREATE = obj(
    {"group": obj({"name": NAME, "description": DESC, "domain_id": string(64, 1)}, ["name"], extra=True)}, ["group"]
)
GROUP_UPDATE = obj(
    {"group": obj({"name": NAME, "description": DESC, "domain_id": string(64, 1)}, extra=True)}, ["group"]
)

ROLE_CREATE = obj(
    {
        "role": obj(
            {"name": NAME, "description": DESC, "domain_id": nullable_string(64), "options": OPTIONS},
            ["name"],
        )
    },
    ["role"],
)
ROLE_UPDATE = obj({"role": obj({"name": NAME, "description": DESC, "options": OPTIONS})}, ["role"])

REGION = obj(
    {"region": obj({"id": string(255, 1), "description": DESC, "parent_region_id": nullable_string(255)})}, ["region"]
)
SERVICE_CREATE = obj(
    {"service": obj({"type": string(255, 1), "name": string(255), "description": DESC, "enabled": BOOLEAN}, ["type"])},
    ["service"],
)
SERVICE_UPDATE = obj(
    {"service": obj({"type": string(255, 1), "name": string(255), "description": DESC, "enabled": BOOLEAN})},
    ["service"],
)
_INTERFACE = {"type": "string", "enum": ["public", "internal", "admin"]}
# Keystone's URL check: a scheme, a colon, something after it (any scheme: tcp://, https://).
ENDPOINT_URL = string(2048, 1, pattern="^[a-zA-Z0-9+.-]+:.+")
ENDPOINT_CREATE = obj(
    {
        "endpoint": obj(
            {
                "service_id": string(64, 1),
                "interface": _INTERFACE,
                "url": ENDPOINT_URL,
                "region_id": nullable_string(255),
                "region": nullable_string(255),
                "enabled": BOOLEAN,
            },
            ["service_id", "interface", "url"],
        )
    },
    ["endpoint"],
)
ENDPOINT_UPDATE = obj(
    {
        "endpoint": obj(
            {
                "service_id": string(64, 1),
                "interface": _INTERFACE,
                "url": ENDPOINT_URL,
                "region_id": nullable_string(255),
                "region": nullable_string(255),
                "enabled": BOOLEAN,
            }
        )
    },
    ["endpoint"],
)

# An access rule names an existing rule of the user by id, or gives service, method and path.
ACCESS_RULE = obj(
    {
        "id": string(64, 1),
        "service": string(64, 1, pattern="^[a-z][a-z0-9_-]*$"),
        "method": {"type": "string", "enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]},
        "path": string(225, 1, pattern="^/"),
    }
)
APP_CRED_CREATE = obj(
    {
        "application_credential": obj(
            {
                "name": NAME,
                "description": DESC,
                "secret": nullable_string(4096),
                "expires_at": {"type": ["string", "null"]},
                "unrestricted": {"type": ["boolean", "null"]},
                "roles": {"type": "array", "items": obj({"id": string(64, 1), "name": string(255, 1)})},
                "access_rules": {"type": "array", "items": ACCESS_RULE},
            },
            ["name"],
        )
    },
    ["application_credential"],
)

CREDENTIAL_CREATE = obj(
    {
        "credential": obj(
            {
                "blob": string(65535, 1),
                "type": string(255, 1),
                "user_id": string(64, 1),
                "project_id": nullable_string(64),
            },
            ["blob", "type", "user_id"],
            extra=True,
        )
    },
    ["credential"],
)
CREDENTIAL_UPDATE = obj(
    {
        "credential": obj(
            {
                "blob": string(65535, 1),
                "type": string(255, 1),
                "user_id": string(64, 1),
                "project_id": nullable_string(64),
            },
            extra=True,
        )
    },
    ["credential"],
)
EC2_CREATE = obj({"tenant_id": string(64, 1)}, ["tenant_id"], extra=True)

TRUST_CREATE = obj(
    {
        "trust": obj(
            {
                "trustor_user_id": string(64, 1),
                "trustee_user_id": string(64, 1),
                "project_id": nullable_string(64),
                "impersonation": BOOLEAN,
                "expires_at": {"type": ["string", "null"]},
                "remaining_uses": {"type": ["integer", "null"], "minimum": 1},
                # Each role by id or by name, not both (Keystone).
                "roles": {
                    "type": "array",
                    "items": {
                        **obj({"id": string(64, 1), "name": string(255, 1)}),
                        "minProperties": 1,
                        "maxProperties": 1,
                    },
                },
                "allow_redelegation": {"type": ["boolean", "null"]},
                "redelegation_count": {"type": ["integer", "null"], "minimum": 0},
            },
            ["trustor_user_id", "trustee_user_id", "impersonation"],
        )
    },
    ["trust"],
)

POLICY_CREATE = obj(
    {"policy": obj({"blob": string(65535, 1), "type": string(255, 1)}, ["blob", "type"], extra=True)}, ["policy"]
)
POLICY_UPDATE = obj({"policy": obj({"blob": string(65535, 1), "type": string(255, 1)}, extra=True)}, ["policy"])

# OS-EP-FILTER filters: endpoint attributes an endpoint group selects on.
_EP_FILTERS = obj(
    {"service_id": string(64, 1), "interface": _INTERFACE, "region_id": string(255, 1)},
)
ENDPOINT_GROUP_CREATE = obj(
    {"endpoint_group": obj({"name": NAME, "description": DESC, "filters": _EP_FILTERS}, ["name", "filters"])},
    ["endpoint_group"],
)
ENDPOINT_GROUP_UPDATE = obj(
    {"endpoint_group": obj({"name": NAME, "description": DESC, "filters": _EP_FILTERS})}, ["endpoint_group"]
)

# Domain configuration: groups of options, each option a scalar.
_OPTION = {"type": ["string", "integer", "boolean", "null"]}
_GROUP = {"type": "object", "additionalProperties": _OPTION}
DOMAIN_CONFIG = obj({"config": {"type": "object", "additionalProperties": _GROUP, "minProperties": 1}}, ["config"])
DOMAIN_CONFIG_GROUP = obj({"config": {"type": "object", "additionalProperties": _GROUP}}, ["config"])
DOMAIN_CONFIG_OPTION = obj({"config": {"type": "object", "additionalProperties": _OPTION}}, ["config"])

CONSUMER_CREATE = obj({"consumer": obj({"description": DESC}, extra=True)}, ["consumer"])
CONSUMER_UPDATE = obj({"consumer": obj({"description": DESC}, extra=True)}, ["consumer"])

# Unified limits: -1 is unlimited; at most a signed 32-bit integer, as Keystone.
_LIMIT = {"type": "integer", "minimum": -1, "maximum": 0x7FFFFFFF}
REGISTERED_LIMITS_CREATE = obj(
    {
        "registered_limits": {
            "type": "array",
            "minItems": 1,
            "items": obj(
                {
                    "service_id": string(64, 1),
                    "region_id": nullable_string(255),
                    "resource_name": NAME,
                    "default_limit": _LIMIT,
                    "description": DESC,
                },
                ["service_id", "resource_name", "default_limit"],
            ),
        }
    },
    ["registered_limits"],
)
REGISTERED_LIMIT_UPDATE = obj(
    {
        "registered_limit": obj(
            {
                "service_id": string(64, 1),
                "region_id": nullable_string(255),
                "resource_name": NAME,
                "default_limit": _LIMIT,
                "description": DESC,
            }
        )
    },
    ["registered_limit"],
)
LIMITS_CREATE = obj(
    {
        "limits": {
            "type": "array",
            "minItems": 1,
            "items": obj(
                {
                    "project_id": nullable_string(64),
                    "domain_id": nullable_string(64),
                    "service_id": string(64, 1),
                    "region_id": nullable_string(255),
                    "resource_name": NAME,
                    "resource_limit": _LIMIT,
                    "description": DESC,
                },
                ["service_id", "resource_name", "resource_limit"],
            ),
        }
    },
    ["limits"],
)
LIMIT_UPDATE = obj({"limit": obj({"resource_limit": _LIMIT, "description": DESC})}, ["limit"])
