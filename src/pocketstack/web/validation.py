"""JSON body validation with JSON Schema; errors name the field that is wrong."""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema import Draft7Validator

from pocketstack.common.errors import Invalid

_validators: dict[int, Draft7Validator] = {}


def validate(schema: dict[str, Any], data: Any) -> Any:
    """Check ``data`` against ``schema``; raise Invalid naming the first bad field."""
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            raise Invalid(f"Invalid input{' for ' + where if where else ''}: {error.message}")
        if where:
            raise Invalid(f"Invalid input for field '{where}': {error.message}")
        raise Invalid(f"Invalid input: {error.message}")
    return data


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
