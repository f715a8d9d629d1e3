"""JSON Schemas of placement request bodies, per microversion where they differ.

The builders are cached: ``web.validation`` compiles a schema once per schema *object*,
so a fresh dict per request would be compiled again on every request (and kept). The
returned schemas are shared: never modify one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

UUID: dict[str, Any] = {
    "type": "string",
    "format": "uuid",
    "pattern": "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
}
NULLABLE_UUID: dict[str, Any] = {"anyOf": [UUID, {"type": "null"}]}
NAME: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200}
CLASS_NAME: dict[str, Any] = {"type": "string", "pattern": "^[A-Z0-9_]+$", "maxLength": 255}
GENERATION: dict[str, Any] = {"type": "integer"}
MAX_INT = 2147483647
POSITIVE: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_INT}


@cache
def provider_create(parent: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"name": NAME, "uuid": UUID}
    if parent:
        props["parent_provider_uuid"] = NULLABLE_UUID
    return {"type": "object", "properties": props, "required": ["name"], "additionalProperties": False}


@cache
def provider_update(parent: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"name": NAME}
    if parent:
        props["parent_provider_uuid"] = NULLABLE_UUID
    return {"type": "object", "properties": props, "required": ["name"], "additionalProperties": False}


INVENTORY_FIELDS: dict[str, Any] = {
    "total": POSITIVE,
    "reserved": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "min_unit": POSITIVE,
    "max_unit": POSITIVE,
    "step_size": POSITIVE,
    "allocation_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 3.40282e38},
}

INVENTORY_IN_MAP: dict[str, Any] = {
    "type": "object",
    "properties": INVENTORY_FIELDS,
    "required": ["total"],
    "additionalProperties": False,
}

INVENTORIES_PUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource_provider_generation": GENERATION,
        "inventories": {
            "type": "object",
            "patternProperties": {"^[A-Z0-9_]+$": INVENTORY_IN_MAP},
            "additionalProperties": False,
        },
    },
    "required": ["resource_provider_generation", "inventories"],
    "additionalProperties": False,
}

INVENTORY_POST: dict[str, Any] = {
    "type": "object",
    "properties": {"resource_provider_generation": GENERATION, "resource_class": CLASS_NAME, **INVENTORY_FIELDS},
    "required": ["resource_provider_generation", "resource_class", "total"],
    "additionalProperties": False,
}

INVENTORY_PUT: dict[str, Any] = {
    "type": "object",
    "properties": {"resource_provider_generation": GENERATION, **INVENTORY_FIELDS},
    "required": ["resource_provider_generation", "total"],
    "additionalProperties": False,
}

RESOURCES: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {"^[A-Z0-9_]+$": POSITIVE},
    "additionalProperties": False,
}

# Allocations before 1.12: a list of {resource_provider: {uuid}, resources}.
ALLOCATION_LIST: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "resource_provider": {
                "type": "object",
                "properties": {"uuid": UUID},
                "required": ["uuid"],
                "additionalProperties": False,
            },
            "resources": RESOURCES,
        },
        "required": ["resource_provider", "resources"],
        "additionalProperties": False,
    },
}


@cache
def allocation_dict(allow_empty: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": 0 if allow_empty else 1,
        "patternProperties": {
            "^[0-9a-fA-F-]{32,36}$": {
                "type": "object",
                "properties": {"resources": RESOURCES, "generation": GENERATION},
                "required": ["resources"],
                "additionalProperties": False,
            }
        },
        "additionalProperties": False,
    }


CONSUMER_TYPE: dict[str, Any] = {"type": "string", "pattern": "^[A-Z0-9_]+$", "minLength": 1, "maxLength": 255}


@cache
def allocations_put(mv_minor: int) -> dict[str, Any]:
    """PUT /allocations/{consumer} body at placement 1.<mv_minor>."""
    if mv_minor < 12:
        props: dict[str, Any] = {"allocations": ALLOCATION_LIST}
        required = ["allocations"]
        if mv_minor >= 8:
            props.update(
                project_id={"type": "string", "minLength": 1, "maxLength": 255},
                user_id={"type": "string", "minLength": 1, "maxLength": 255},
            )
            required += ["project_id", "user_id"]
        return {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    return consumer_allocations(mv_minor)


@cache
def consumer_allocations(mv_minor: int) -> dict[str, Any]:
    props: dict[str, Any] = {
        "allocations": allocation_dict(allow_empty=mv_minor >= 28),
        "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "user_id": {"type": "string", "minLength": 1, "maxLength": 255},
    }
    required = ["allocations", "project_id", "user_id"]
    if mv_minor >= 28:
        props["consumer_generation"] = {"type": ["integer", "null"]}
        required.append("consumer_generation")
    if mv_minor >= 38:
        props["consumer_type"] = CONSUMER_TYPE
        required.append("consumer_type")
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


@cache
def allocations_post(mv_minor: int) -> dict[str, Any]:
    """POST /allocations: several consumers; an empty dict for one removes its allocations."""
    one = consumer_allocations(mv_minor)
    one["properties"]["allocations"] = allocation_dict(allow_empty=True)
    return {
        "type": "object",
        "minProperties": 1,
        "patternProperties": {"^[0-9a-fA-F-]{32,36}$": one},
        "additionalProperties": False,
    }


@cache
def reshaper(mv_minor: int) -> dict[str, Any]:
    """POST /reshaper: every provider's whole inventory, and the consumers' allocations
    (an empty allocation dict for a consumer removes its allocations)."""
    allocations = allocations_post(mv_minor)
    return {
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "minProperties": 1,
                "patternProperties": {"^[0-9a-fA-F-]{32,36}$": INVENTORIES_PUT},
                "additionalProperties": False,
            },
            "allocations": {**allocations, "minProperties": 0},
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    }


RESOURCE_CLASS: dict[str, Any] = {
    "type": "object",
    "properties": {"name": CLASS_NAME},
    "required": ["name"],
    "additionalProperties": False,
}

TRAIT_LIST: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 255},
    "uniqueItems": True,
}

PROVIDER_TRAITS: dict[str, Any] = {
    "type": "object",
    "properties": {"traits": TRAIT_LIST, "resource_provider_generation": GENERATION},
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}

AGGREGATE_LIST: dict[str, Any] = {"type": "array", "items": UUID, "uniqueItems": True}

PROVIDER_AGGREGATES: dict[str, Any] = {
    "type": "object",
    "properties": {"aggregates": AGGREGATE_LIST, "resource_provider_generation": GENERATION},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}
