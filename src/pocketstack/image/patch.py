"""JSON-patch for images (``application/openstack-images-v2.1-json-patch``).

A document is a list of ``{"op": add|remove|replace, "path": "/field", "value": ...}``
(``application/openstack-images-v2.1-json-patch``, JSON-patch as in RFC 6902) or, with
the older ``application/openstack-images-v2.0-json-patch``, of ``{"replace": "/field",
"value": ...}`` (the operation is the member's name; Tempest's client sends this form).
Paths name one top-level field (JSON-pointer escaped); ``/tags/N`` (and ``/tags/-``) is
also accepted because openstacksdk computes list differences that way. Semantics follow
Glance: ``add`` sets a field (replacing an existing extra property), ``replace`` and
``remove`` need the extra property to exist (409 otherwise), core fields cannot be
removed, read-only fields cannot be touched (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pocketstack.common.errors import Conflict, Forbidden, Invalid
from pocketstack.image.schemas import (
    EXTRA_PROPERTY,
    IMAGE_CREATE,
    PATCH_OPERATION,
    READ_ONLY,
    RESERVED,
    RESERVED_PREFIX,
)
from pocketstack.web.validation import validate

MEDIA_TYPE_V21 = "application/openstack-images-v2.1-json-patch"
MEDIA_TYPE_V20 = "application/openstack-images-v2.0-json-patch"
MEDIA_TYPES = (MEDIA_TYPE_V21, MEDIA_TYPE_V20)
_OPERATIONS = ("add", "remove", "replace")
_FIELD_SCHEMAS = {
    name: {"type": "object", "properties": {name: schema}} for name, schema in IMAGE_CREATE["properties"].items()
}
_EXTRA_SCHEMA = {"type": "object", "additionalProperties": EXTRA_PROPERTY}
# Formats describe the data, so they are frozen once data exists (as in Glance).
_QUEUED_ONLY = ("disk_format", "container_format")


@dataclass(frozen=True, slots=True)
class Change:
    op: str
    path: tuple[str, ...]
    value: Any = None


def check_attribute_name(name: str) -> None:
    """Refuse names the server owns (read-only fields, reserved names)."""
    if name in READ_ONLY:
        raise Forbidden(f"Attribute '{name}' is read-only.")
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{name}' is reserved.")


def parse(document: Any, media_type: str = MEDIA_TYPE_V21) -> list[Change]:
    if not isinstance(document, list):
        raise Invalid("Request body must be a JSON array of operation objects (a JSON-patch document).")
    changes = []
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise Invalid(f"Operations must be JSON objects; item {index} is not.")
        if media_type == MEDIA_TYPE_V20:
            item = _from_v20(item)
        if "op" in item and item["op"] not in ("add", "remove", "replace"):
            raise Invalid(f"Operation {item['op']!r} is not supported: use add, remove or replace.")
        validate(PATCH_OPERATION, item)
        if item["op"] != "remove" and "value" not in item:
            raise Invalid(f"Operation '{item['op']}' on {item['path']} needs a 'value'.")
        changes.append(Change(item["op"], _decode_pointer(item["path"]), item.get("value")))
    return changes


def _from_v20(item: dict[str, Any]) -> dict[str, Any]:
    """``{"replace": "/name", "value": "x"}`` -> ``{"op": "replace", "path": "/name", "value": "x"}``."""
    named = [op for op in _OPERATIONS if op in item]
    if len(named) != 1:
        raise Invalid('Operation objects must contain exactly one member named "add", "remove", or "replace".')
    op = named[0]
    converted = {k: v for k, v in item.items() if k != op}
    converted.update(op=op, path=item[op])
    return converted


def _decode_pointer(pointer: str) -> tuple[str, ...]:
    parts = pointer[1:].split("/")
    if any(not p for p in parts):
        raise Invalid(f"Invalid JSON pointer {pointer!r}: empty path segment.")
    for part in parts:
        rest = part.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise Invalid(f"Invalid JSON pointer {pointer!r}: '~' must be followed by 0 or 1.")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


def apply_changes(changes: list[Change], core: dict[str, Any], properties: dict[str, str], status: str) -> None:
    """Apply ``changes`` in order to ``core`` (writable core fields and tags) and extras."""
    for change in changes:
        name = change.path[0]
        if name == "id":
            raise Forbidden("Attribute 'id' is read-only.")
        check_attribute_name(name)
        if name == "tags" and len(change.path) == 2:
            _apply_tag_item(change, core)
        elif len(change.path) != 1:
            raise Invalid(f"Invalid JSON pointer for this resource: '/{'/'.join(change.path)}'")
        elif name in core:
            _apply_core(change, core, status)
        else:
            _apply_extra(change, properties)


def _apply_core(change: Change, core: dict[str, Any], status: str) -> None:
    name = change.path[0]
    if change.op == "remove":
        raise Forbidden(f"Attribute '{name}' is a core property and cannot be removed.")
    validate(_FIELD_SCHEMAS[name], {name: change.value})
    if name in _QUEUED_ONLY and status != "queued" and change.value != core[name]:
        raise Forbidden(f"Attribute {name} can be only replaced for a queued image (this one is {status}).")
    core[name] = list(change.value) if name == "tags" else change.value


def _apply_extra(change: Change, properties: dict[str, str]) -> None:
    name = change.path[0]
    if change.op in ("replace", "remove") and name not in properties:
        raise Conflict(f"Property {name} does not exist.")
    if change.op == "remove":
        del properties[name]
        return
    validate(_EXTRA_SCHEMA, {name: change.value})
    properties[name] = change.value


def _apply_tag_item(change: Change, core: dict[str, Any]) -> None:
    tags: list[str] = core["tags"]
    where = change.path[1]
    if where == "-" and change.op == "add":
        index = len(tags)
    elif where.isdigit() and int(where) <= len(tags) - (0 if change.op == "add" else 1):
        index = int(where)
    else:
        raise Invalid(f"Invalid JSON pointer for this resource: '/tags/{where}'")
    if change.op != "remove":
        validate(_FIELD_SCHEMAS["tags"], {"tags": [change.value]})
    if change.op == "add":
        tags.insert(index, change.value)
    elif change.op == "replace":
        tags[index] = change.value
    else:
        del tags[index]
