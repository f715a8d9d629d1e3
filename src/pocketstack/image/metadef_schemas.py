"""JSON Schemas of the metadata definitions catalog (Glance's ``/v2/metadefs``).

Each document serves twice, as in Glance: it validates request bodies (namespace,
object, property, tag, resource type association) and it is what clients read at
``/v2/schemas/metadefs/<name>``. A property definition is itself a small JSON Schema
(type, title, enum, limits), so namespaces and objects embed the property document.
"""

from __future__ import annotations

import copy
from typing import Any

NAMESPACE_VISIBILITIES = ("public", "private")
PROPERTY_TYPES = ["array", "boolean", "integer", "number", "object", "string", None]
# Server-set fields: a request body that names one is refused (403, as Glance does).
READ_ONLY = ("created_at", "updated_at", "self", "schema")


def _timestamp(what: str) -> dict[str, Any]:
    return {"type": "string", "readOnly": True, "format": "date-time", "description": what}


def _definitions(*, string_array_min: int | None = None) -> dict[str, Any]:
    string_array: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    if string_array_min is not None:
        string_array["minItems"] = string_array_min
    return {
        "positiveInteger": {"type": "integer", "minimum": 0},
        "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"}, {"default": 0}]},
        "stringArray": string_array,
    }


def _property_fields() -> dict[str, Any]:
    """The fields of one property definition (a JSON-Schema-like description of a value)."""
    return {
        "name": {"type": "string", "maxLength": 255},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "operators": {"type": "array", "items": {"type": "string"}},
        "type": {"type": "string", "enum": list(PROPERTY_TYPES)},
        "required": {"$ref": "#/definitions/stringArray"},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "maxLength": {"$ref": "#/definitions/positiveInteger"},
        "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "pattern": {"type": "string", "format": "regex"},
        "enum": {"type": "array"},
        "readonly": {"type": "boolean"},
        "default": {},
        "items": {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": list(PROPERTY_TYPES)}, "enum": {"type": "array"}},
        },
        "maxItems": {"$ref": "#/definitions/positiveInteger"},
        "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "uniqueItems": {"type": "boolean", "default": False},
        "additionalItems": {"type": "boolean"},
    }


def _property_map_definitions() -> dict[str, Any]:
    """Definitions for documents holding ``{"name": property definition}`` maps."""
    definitions = _definitions()
    definitions["property"] = {
        "type": "object",
        "additionalProperties": {"type": "object", "required": ["title", "type"], "properties": _property_fields()},
    }
    return definitions


def namespace_schema() -> dict[str, Any]:
    return {
        "name": "namespace",
        "properties": {
            "namespace": {"type": "string", "maxLength": 80, "description": "The unique namespace text."},
            "display_name": {
                "type": "string",
                "maxLength": 80,
                "description": "The user friendly name for the namespace. Used by UI if available.",
            },
            "description": {
                "type": "string",
                "maxLength": 500,
                "description": "Provides a user friendly description of the namespace.",
            },
            "visibility": {
                "type": "string",
                "enum": list(NAMESPACE_VISIBILITIES),
                "description": "Scope of namespace accessibility.",
            },
            "protected": {"type": "boolean", "description": "If true, namespace will not be deletable."},
            "owner": {"type": "string", "maxLength": 255, "description": "Owner of the namespace."},
            "created_at": _timestamp("Date and time of namespace creation"),
            "updated_at": _timestamp("Date and time of the last namespace modification"),
            "schema": {"type": "string", "readOnly": True},
            "self": {"type": "string", "readOnly": True},
            "resource_type_associations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "prefix": {"type": "string"},
                        "properties_target": {"type": "string"},
                    },
                },
            },
            "properties": {"$ref": "#/definitions/property"},
            "objects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "required": {"$ref": "#/definitions/stringArray"},
                        "properties": {"$ref": "#/definitions/property"},
                    },
                },
            },
            "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        },
        "additionalProperties": False,
        "definitions": _property_map_definitions(),
        "required": ["namespace"],
    }


def object_schema() -> dict[str, Any]:
    return {
        "name": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 255},
            "description": {"type": "string"},
            "required": {"$ref": "#/definitions/stringArray"},
            "properties": {"$ref": "#/definitions/property"},
            "schema": {"type": "string", "readOnly": True},
            "self": {"type": "string", "readOnly": True},
            "created_at": _timestamp("Date and time of object creation"),
            "updated_at": _timestamp("Date and time of the last object modification"),
        },
        "additionalProperties": False,
        "definitions": _property_map_definitions(),
        "required": ["name"],
    }


def property_schema() -> dict[str, Any]:
    return {
        "name": "property",
        "properties": _property_fields(),
        "additionalProperties": False,
        "definitions": _definitions(string_array_min=1),
        "required": ["type", "title", "name"],
    }


def tag_schema() -> dict[str, Any]:
    return {
        "name": "tag",
        "properties": {
            "name": {"type": "string", "maxLength": 255},
            "created_at": _timestamp("Date and time of tag creation"),
            "updated_at": _timestamp("Date and time of the last tag modification"),
        },
        "additionalProperties": False,
        "required": ["name"],
    }


def resource_type_schema() -> dict[str, Any]:
    return {
        "name": "resource_type_association",
        "properties": {
            "name": {
                "type": "string",
                "maxLength": 80,
                "description": "Resource type names should be aligned with Heat resource types whenever possible.",
            },
            "prefix": {
                "type": "string",
                "maxLength": 80,
                "description": "The prefix the namespace's properties take when applied to this resource type "
                "(it includes its separator, e.g. 'hw_' or 'hw:').",
            },
            "properties_target": {
                "type": "string",
                "maxLength": 80,
                "description": "Which of the resource's key/value sets the properties apply to, where it has "
                "several (e.g. 'image' for a volume's image metadata).",
            },
            "created_at": _timestamp("Date and time of resource type association"),
            "updated_at": _timestamp("Date and time of the last resource type association modification"),
        },
        "additionalProperties": False,
        "required": ["name"],
    }


def collection(name: str, item: dict[str, Any], *, paged: bool = True) -> dict[str, Any]:
    """A list document: ``{name: [item...], schema, first, next}`` with its links."""
    links = [{"rel": "describedby", "href": "{schema}"}]
    if paged:
        links = [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"}, *links]
    item = copy.deepcopy(item)
    properties: dict[str, Any] = {
        name: {"type": "array", "items": item},
        "schema": {"type": "string"},
        "first": {"type": "string"},
        "next": {"type": "string"},
    }
    document: dict[str, Any] = {"name": name, "properties": properties, "links": links}
    # The items' $refs point at the collection's root once embedded, so it carries them.
    if "definitions" in item:
        document["definitions"] = item.pop("definitions")
    return document


def properties_collection() -> dict[str, Any]:
    """``{"properties": {name: definition}}``: a map, not a list, as Glance answers it."""
    return {
        "name": "properties",
        "properties": {
            "properties": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["title", "type"],
                    "properties": _property_fields(),
                },
            },
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "definitions": _definitions(),
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


NAMESPACE = namespace_schema()
OBJECT = object_schema()
PROPERTY = property_schema()
TAG = tag_schema()
RESOURCE_TYPE_ASSOCIATION = resource_type_schema()
# POST /v2/metadefs/namespaces/{ns}/tags: {"tags": [{"name": ...}, ...]}.
TAGS_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tags": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255}},
                "required": ["name"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["tags"],
}

DOCUMENTS: dict[str, Any] = {
    "namespace": NAMESPACE,
    "namespaces": collection("namespaces", NAMESPACE),
    "object": OBJECT,
    "objects": collection("objects", OBJECT),
    "property": PROPERTY,
    "properties": properties_collection(),
    "tag": TAG,
    "tags": collection("tags", TAG),
    "resource_type": RESOURCE_TYPE_ASSOCIATION,
    "resource_types": collection("resource_type_associations", RESOURCE_TYPE_ASSOCIATION, paged=False),
}
