"""Which Content-Type each API takes a JSON body under, and how it refuses another.

``Request.json()`` asks the check of its service's error format before it parses a
non-empty body:
- keystone: JSON (``application/json``, ``application/*+json``) or no Content-Type;
  anything else is a 400 ValidationError, as Keystone's json_body hook;
- nova: Nova's supported types, or none/``text/plain`` (what eventlet sends by
  default); anything else is 415 "Unsupported Content-Type";
- cinder: Cinder's supported types or none; anything else is a 400 "Unsupported
  Content-Type" (Cinder's wsgi answers HTTPBadRequest there);
- placement: exactly ``application/json`` (also when the header is absent), else 415
  (Placement's ``require_content``);
- neutron, glance: the body is parsed as JSON whatever the header says (Neutron's pecan
  hooks and Glance's JSON deserializer do not look); Glance's PATCH checks its own
  JSON Patch media types in the handler.
"""

from __future__ import annotations

from collections.abc import Callable

from pocketstack.common.errors import Invalid, UnsupportedMediaType

MediaCheck = Callable[[str | None], None]


def mimetype(content_type: str | None) -> str | None:
    """The media type of a Content-Type header, lower-cased, without parameters."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def _keystone(content_type: str | None) -> None:
    kind = mimetype(content_type)
    if not kind or kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    raise Invalid(
        "Expecting to find application/json in Content-Type header - the server could not comply with the "
        "request since it is either malformed or otherwise incorrect. The client is assumed to be in error."
    )


def _nova(content_type: str | None) -> None:
    kind = mimetype(content_type)
    if kind in (None, "", "text/plain", "application/json", "application/vnd.openstack.compute+json"):
        return
    raise UnsupportedMediaType("Unsupported Content-Type")


def _cinder(content_type: str | None) -> None:
    if mimetype(content_type) in (None, "application/json", "application/vnd.openstack.volume+json"):
        return
    raise Invalid("Unsupported Content-Type")


def _placement(content_type: str | None) -> None:
    kind = mimetype(content_type)
    if kind != "application/json":
        raise UnsupportedMediaType(f"The media type {kind or 'None'} is not supported, use application/json")


CHECKS: dict[str, MediaCheck] = {
    "keystone": _keystone,
    "nova": _nova,
    "cinder": _cinder,
    "placement": _placement,
}
