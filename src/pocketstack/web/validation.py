"""JSON body validation with JSON Schema; errors name the field that is wrong.

Valid bodies (the hot path) are checked by code that fastjsonschema compiles once per
schema; only a body that fails is walked again by jsonschema, whose ``best_match``
gives the clearest message about which field is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema import Draft7Validator

from pocketstack.common.errors import Invalid

MAX_COMPILED = 1024
_compiled: dict[int, tuple[dict[str, Any], Callable[[Any], Any], Draft7Validator]] = {}


def _checkers(schema: dict[str, Any]) -> tuple[Callable[[Any], Any], Draft7Validator]:
    entry = _compiled.get(id(schema))
    # Keep the schema itself in the entry so its id() can never be reused by another one.
    if entry is None or entry[0] is not schema:
        if len(_compiled) >= MAX_COMPILED:
            # Schemas built per request would otherwise pile up here forever.
            _compiled.clear()
        fast = fastjsonschema.compile(schema, formats={}, use_default=False)
        slow = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
        entry = _compiled[id(schema)] = (schema, fast, slow)
    return entry[1], entry[2]


def validate(schema: dict[str, Any], data: Any) -> Any:
    """Check ``data`` against ``schema``; raise Invalid naming the first bad field."""
    fast, validator = _checkers(schema)
    try:
        fast(data)
        return data
    except fastjsonschema.JsonSchemaException:
        pass
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            raise Invalid(f"Invalid input{' for ' + where if where else ''}: {error.message}")
        if where:
            raise Invalid(f"Invalid input for field '{where}': {error.message}")
        raise Invalid(f"Invalid input: {error.message}")
    return data  # fastjsonschema and jsonschema disagree (formats): jsonschema decides


# Reusable schema fragments.
def string(max_length: int = 255, min_length: int = 0, **kw: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **kw}


def nullable_string(max_length: int = 255) -> dict[str, Any]:
    return {"type": ["string", "null"], "maxLength": max_length}


BOOLEAN: dict[str, Any] = {"type": "boolean"}
ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 64}


def obj(properties: dict[str, Any], required: list[str] | None = None, *, extra: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        schema["required"] = required
    return schema
