"""Tags on instances, volumes and snapshots, kept by the services themselves: ``Name``
is the resource's name, every other tag a metadata item."""

from __future__ import annotations

import asyncio
from typing import Any

from pocketstack.client import ApiError
from pocketstack.client.base import seg
from pocketstack.ec2.actions.common import image_prefix, matches, not_found, string_tags, uuid_of
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

# EC2 prefix -> (OpenStack kind, EC2 resource type).
TAGGABLE = {
    "i": ("server", "instance"),
    "vol": ("volume", "volume"),
    "snap": ("snapshot", "snapshot"),
    "ami": ("image", "image"),
    "sg": ("security_group", "security-group"),
    "vpc": ("network", "vpc"),
    "subnet": ("subnet", "subnet"),
}
# Kept as KEY=VALUE string tags: Neutron's resources (path under /network/v2.0) and images.
NEUTRON = {"security_group": "security-groups", "network": "networks", "subnet": "subnets"}


async def _string_tags(call: Call, kind: str, uuid: str) -> list[str]:
    if kind == "image":
        return [str(x) for x in (await call.api.image.image(uuid)).get("tags") or []]
    body = await call.api.network.get(f"/{NEUTRON[kind]}/{uuid}/tags")
    return [str(x) for x in body.get("tags") or []]


async def put_string_tags(call: Call, kind: str, uuid: str, set_: dict[str, str], unset: list[str]) -> None:
    """Replace the KEY=VALUE tags of the keys in ``set_`` and drop those in ``unset``."""
    current = await _string_tags(call, kind, uuid)
    keys = set(set_) | set(unset)
    stale = [x for x in current if x.partition("=")[0] in keys and x.partition("=")[1]]
    fresh = [f"{k}={v}" for k, v in set_.items()]
    if any(len(x) > 255 for x in fresh):
        raise Ec2Error("InvalidParameterValue", "A tag's key and value together are at most 254 characters here.")
    if kind == "image":
        for tag in stale:
            if tag not in fresh:
                await call.api.image.delete(f"/images/{uuid}/tags/{seg(tag)}")
        for tag in fresh:
            await call.api.image.put(f"/images/{uuid}/tags/{seg(tag)}", None)
        return
    kept = [x for x in current if x not in stale]
    await call.api.network.put(f"/{NEUTRON[kind]}/{uuid}/tags", {"tags": kept + fresh})


def _kind(ident: str) -> tuple[str, str]:
    prefix = ident.split("-", 1)[0]
    if prefix not in TAGGABLE:
        raise Ec2Error("InvalidID", f"The ID '{ident}' is not a taggable resource here")
    return TAGGABLE[prefix]


async def _set(call: Call, kind: str, uuid: str, tags: dict[str, str]) -> None:
    if kind == "image" or kind in NEUTRON:
        await put_string_tags(call, kind, uuid, tags, [])
        return
    name = tags.pop("Name", None)
    if kind == "server":
        if name is not None:
            await call.api.compute.update_server(uuid, name=name)
        if tags:
            await call.api.compute.set_metadata(uuid, tags)
        return
    if kind == "volume":
        if name is not None:
            await call.api.volume.update_volume(uuid, name=name)
        if tags:
            await call.api.volume.set_volume_metadata(uuid, tags)
        return
    if name is not None:
        await call.api.volume.put(f"/snapshots/{uuid}", {"snapshot": {"name": name}})
    if tags:
        await call.api.volume.post(f"/snapshots/{uuid}/metadata", {"metadata": tags})


async def _unset(call: Call, kind: str, uuid: str, keys: list[str], ident: str) -> None:
    if kind == "image" or kind in NEUTRON:
        await put_string_tags(call, kind, uuid, {}, keys)
        return
    if "Name" in keys:
        if kind == "server":
            # A server must have a name: it falls back to its instance id.
            await call.api.compute.update_server(uuid, name=ident)
        else:
            plural = "volumes" if kind == "volume" else "snapshots"
            await call.api.volume.put(f"/{plural}/{uuid}", {kind: {"name": ""}})
    for key in (k for k in keys if k != "Name"):
        try:
            if kind == "server":
                await call.api.compute.delete_metadata(uuid, key)
            elif kind == "volume":
                await call.api.volume.delete_volume_metadata(uuid, key)
            else:
                await call.api.volume.delete(f"/snapshots/{uuid}/metadata/{seg(key)}")
        except ApiError as exc:
            if exc.status != 404:
                raise


async def _targets(call: Call) -> list[tuple[str, str, str]]:
    idents = call.params.strings("ResourceId")
    if not idents:
        raise Ec2Error("MissingParameter", "The request must contain the parameter ResourceId")
    out = []
    for ident in idents:
        kind, _ = _kind(ident)
        uuid = await uuid_of(call, kind, ident, (ident.split("-", 1)[0],))
        if not await _owned(call, kind, uuid):
            raise not_found(kind, ident)
        out.append((ident, kind, uuid))
    return out


async def _owned(call: Call, kind: str, uuid: str) -> bool:
    """Whether the resource is the caller's project's (an admin's key too: the services
    would let an admin tag anyone's)."""
    project = call.project_id
    try:
        if kind == "server":
            return str((await call.api.compute.server(uuid)).get("tenant_id")) == project
        if kind == "volume":
            volume = await call.api.volume.volume(uuid)
            return str(volume.get("os-vol-tenant-attr:tenant_id", project)) == project
        if kind == "snapshot":
            snap = await call.api.volume.snapshot(uuid)
            return str(snap.get("os-extended-snapshot-attributes:project_id", project)) == project
        if kind == "image":
            image = await call.api.image.image(uuid)
            if str(image.get("owner")) != project:
                raise Ec2Error("UnauthorizedOperation", "You are not authorized to tag an image you do not own.", 403)
            return True
        plural = {"security_group": "security_groups", "network": "networks", "subnet": "subnets"}[kind]
        body = await call.api.network.get(f"/{NEUTRON[kind]}", id=uuid, project_id=project)
        return bool(body[plural])
    except ApiError as exc:
        if exc.status == 404:
            return False
        raise


async def create_tags(call: Call) -> dict[str, Any]:
    tags = {t.require("Key"): t.get("Value") or "" for t in call.params.structs("Tag")}
    if not tags:
        raise Ec2Error("MissingParameter", "The request must contain the parameter Tag")
    for key in tags:
        if key.startswith("aws:"):
            raise Ec2Error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
    for ident, kind, uuid in await _targets(call):
        try:
            await _set(call, kind, uuid, dict(tags))
        except ApiError as exc:
            raise api_error(exc, not_found(kind, ident)) from None
    return {"return": True}


async def delete_tags(call: Call) -> dict[str, Any]:
    keys = [t.require("Key") for t in call.params.structs("Tag")]
    for ident, kind, uuid in await _targets(call):
        try:
            if not keys:
                keys = list(await _tags_of(call, kind, uuid))
            await _unset(call, kind, uuid, keys, ident)
        except ApiError as exc:
            raise api_error(exc, not_found(kind, ident)) from None
    return {"return": True}


async def _tags_of(call: Call, kind: str, uuid: str) -> dict[str, str]:
    if kind == "image" or kind in NEUTRON:
        return string_tags(await _string_tags(call, kind, uuid))
    if kind == "server":
        resource = await call.api.compute.server(uuid)
    elif kind == "volume":
        resource = await call.api.volume.volume(uuid)
    else:
        resource = await call.api.volume.snapshot(uuid)
    tags = {str(k): str(v) for k, v in (resource.get("metadata") or {}).items()}
    if resource.get("name"):
        tags["Name"] = str(resource["name"])
    return tags


async def describe_tags(call: Call) -> dict[str, Any]:
    servers, volumes, snapshots, groups, images = await asyncio.gather(
        call.api.compute.servers(),
        call.api.volume.volumes(),
        call.api.volume.snapshots(),
        call.api.network.security_groups(project_id=call.project_id),
        call.api.image.images(owner=call.project_id),
    )
    servers = [s for s in servers if str(s.get("tenant_id")) == call.project_id]
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for kind, prefix, rtype, items in (
        ("server", "i", "instance", servers),
        ("volume", "vol", "volume", volumes),
        ("snapshot", "snap", "snapshot", snapshots),
        ("security_group", "sg", "security-group", groups),
        ("image", "ami", "image", [i for i in images if image_prefix(i) == "ami"]),
    ):
        ids = await call.ids.ec2_ids(kind, prefix, [str(i["id"]) for i in items])
        rows += [(ids[str(i["id"])], rtype, i) for i in items]
    filters = call.params.filters()
    out = []
    for ident, rtype, item in rows:
        if rtype in ("security-group", "image"):
            tags = string_tags(item.get("tags"))
        else:
            tags = {str(k): str(v) for k, v in (item.get("metadata") or {}).items()}
            if item.get("name"):
                tags["Name"] = str(item["name"])
        for key, value in sorted(tags.items()):
            values = {"resource-id": [ident], "resource-type": [rtype], "key": [key], "value": [value]}
            if matches(filters, values, {}):
                out.append({"resourceId": ident, "resourceType": rtype, "key": key, "value": value})
    return {"tagSet": out}
