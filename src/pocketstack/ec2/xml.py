"""EC2's XML answers from plain data: a dict is elements in order, a list is ``<item>``
elements, True/False are ``true``/``false``, None leaves the element out."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _value(out: list[str], value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _element(out, key, child)
    elif isinstance(value, list):
        for child in value:
            _element(out, "item", child)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    else:
        out.append(escape(str(value)))


def _element(out: list[str], name: str, value: Any) -> None:
    if value is None:
        return
    out.append(f"<{name}>")
    _value(out, value)
    out.append(f"</{name}>")


def render(action: str, request_id: str, data: dict[str, Any]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<{action}Response xmlns="{NAMESPACE}">']
    _element(out, "requestId", request_id)
    _value(out, data)
    out.append(f"</{action}Response>")
    return "".join(out).encode()
