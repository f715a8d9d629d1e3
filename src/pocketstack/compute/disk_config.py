"""``OS-DCF:diskConfig``: whether the guest's root partition is to be grown to the disk
(``AUTO``) or left as the image has it (``MANUAL``), as Nova keeps it per instance.

Nova stores ``auto_disk_config`` on the instance: on create from the request, else from
the image's ``auto_disk_config`` property (false when it has none); on rebuild and
server update when the request names it; on resize and cold migration the requested
value or MANUAL. An image whose property is ``disabled`` refuses AUTO (400). pocketstack
keeps the choice in the instance's system metadata; nothing repartitions a guest (the
tiny guests grow nothing either way), the choice is recorded and shown as the API does.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid

FIELD = "OS-DCF:diskConfig"
KEY = "auto_disk_config"
_TRUE = ("1", "t", "true", "on", "y", "yes")


def requested(data: dict[str, Any]) -> bool | None:
    """The request's choice: True for AUTO, False for MANUAL, None when not given (the
    schemas allow only those two values)."""
    value = data.get(FIELD)
    if value is None:
        return None
    return bool(value == "AUTO")


def _image_setting(image_meta: dict[str, Any] | None) -> str:
    props = (image_meta or {}).get("properties") or {}
    return str(props.get(KEY, "")).strip().lower()


def check(wanted: bool | None, image_meta: dict[str, Any] | None, image_id: str) -> None:
    """AUTO on an image that disables it is refused, as Nova's AutoDiskConfigDisabledByImage."""
    if wanted and _image_setting(image_meta) == "disabled":
        raise Invalid(f"Requested image {image_id} has automatic disk resize disabled.")


def for_create(wanted: bool | None, image_meta: dict[str, Any] | None, image_id: str) -> bool:
    """The value a new instance gets: the request's, else the image's property."""
    check(wanted, image_meta, image_id)
    if wanted is None:
        return _image_setting(image_meta) in _TRUE
    return wanted


def stored(system_metadata: dict[str, Any] | None, value: bool) -> dict[str, Any]:
    """The instance's system metadata with the choice recorded (a new dict: JSON columns
    are only saved when reassigned)."""
    return {**(system_metadata or {}), KEY: bool(value)}


def shown(system_metadata: dict[str, Any] | None) -> str:
    return "AUTO" if (system_metadata or {}).get(KEY) else "MANUAL"
