"""What the actions share: EC2 id prefixes, id lookups with EC2's NotFound/Malformed
codes, filters, tags and timestamps."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pocketstack.ec2.call import Call
from pocketstack.ec2.errors import Ec2Error

# OpenStack noun -> (EC2 prefix, EC2's name of the id in error codes).
KINDS: dict[str, tuple[str, str]] = {
    "server": ("i", "InvalidInstanceID"),
    "image": ("ami", "InvalidAMIID"),
    "volume": ("vol", "InvalidVolume"),
    "snapshot": ("snap", "InvalidSnapshot"),
    "security_group": ("sg", "InvalidGroup"),
    "floating_ip": ("eipalloc", "InvalidAllocationID"),
    "network": ("vpc", "InvalidVpcID"),
    "subnet": ("subnet", "InvalidSubnetID"),
    "port": ("eni", "InvalidNetworkInterfaceID"),
}
_SHAPE = re.compile(r"^[a-z]+-[0-9a-f]{8,17}$")


def image_prefix(image: dict[str, Any]) -> str:
    """ami- for machine images, aki- kernels and ari- ramdisks (their container format)."""
    container = str(image.get("container_format") or "")
    return container if container in ("aki", "ari") else "ami"


async def uuid_of(call: Call, kind: str, ec2_id: str, prefixes: tuple[str, ...] = ()) -> str:
    """The UUID behind an EC2 id of ``kind``, or EC2's Malformed / NotFound error."""
    prefix, code = KINDS[kind]
    allowed = prefixes or (prefix,)
    if not _SHAPE.match(ec2_id) or ec2_id.split("-", 1)[0] not in allowed:
        raise Ec2Error(f"{code}.Malformed", f'Invalid id: "{ec2_id}"')
    uuid = await call.ids.uuid(kind, ec2_id)
    if uuid is None:
        raise not_found(kind, ec2_id)
    return uuid


def not_found(kind: str, ec2_id: str) -> Ec2Error:
    code = KINDS[kind][1]
    nouns = {
        "server": "instance ID",
        "image": "image id",
        "volume": "volume",
        "snapshot": "snapshot",
        "security_group": "security group",
        "floating_ip": "allocation ID",
        "network": "vpc ID",
        "subnet": "subnet ID",
        "port": "network interface ID",
    }
    suffix = "NotFound"
    return Ec2Error(f"{code}.{suffix}", f"The {nouns[kind]} '{ec2_id}' does not exist")


def timestamp(value: Any) -> str | None:
    """OpenStack's ISO times as EC2 writes them (UTC, milliseconds, Z)."""
    if not value:
        return None
    text = str(value).replace("+00:00", "").rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:3].ljust(3, '0')}"
    else:
        text += ".000"
    return text + "Z"


def tag_set(tags: dict[str, str]) -> list[dict[str, str]] | None:
    return [{"key": k, "value": v} for k, v in sorted(tags.items())] or None


def requested_tags(call: Call, resource_type: str) -> dict[str, str]:
    """TagSpecification.N's tags for ``resource_type``."""
    out: dict[str, str] = {}
    for spec in call.params.structs("TagSpecification"):
        if spec.get("ResourceType", resource_type) == resource_type:
            for tag in spec.structs("Tag"):
                out[tag.require("Key")] = tag.get("Value") or ""
    return out


def matches(filters: dict[str, list[str]], values: Mapping[str, Iterable[Any]], tags: dict[str, str]) -> bool:
    """EC2's filter semantics: every filter must match, any of its values (``*`` and ``?``
    wildcards); ``tag:KEY``, ``tag-key`` and ``tag-value`` look at ``tags``. A filter the
    resource does not know matches nothing."""
    for name, wanted in filters.items():
        if name.startswith("tag:"):
            have: Iterable[Any] = [tags[name[4:]]] if name[4:] in tags else []
        elif name == "tag-key":
            have = tags.keys()
        elif name == "tag-value":
            have = tags.values()
        elif name in values:
            have = values[name]
        else:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
        have = [str(h) for h in have]
        if not any(fnmatch.fnmatchcase(h, w) for h in have for w in wanted):
            return False
    return True


def page(call: Call, items: list[Any]) -> tuple[list[Any], str | None]:
    """MaxResults / NextToken over a list already filtered: (this page, next token)."""
    limit = call.params.int("MaxResults", None, minimum=5, maximum=1000)
    token = call.params.get("NextToken")
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(items):
            raise Ec2Error("InvalidParameterValue", f"Invalid NextToken: {token}")
        start = int(token)
    if limit is None:
        return items[start:], None
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def string_tags(tags: list[Any] | None) -> dict[str, str]:
    """EC2 tags kept as ``KEY=VALUE`` string tags (Neutron's and Glance's tags)."""
    out: dict[str, str] = {}
    for tag in tags or ():
        key, sep, value = str(tag).partition("=")
        if sep:
            out[key] = value
    return out
