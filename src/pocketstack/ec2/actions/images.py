"""DescribeImages: Glance's images with ami-/aki-/ari- ids."""

from __future__ import annotations

from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import (
    image_prefix,
    matches,
    not_found,
    page,
    string_tags,
    tag_set,
    timestamp,
    uuid_of,
)
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

STATES = {
    "active": "available",
    "queued": "pending",
    "saving": "pending",
    "importing": "pending",
    "uploading": "pending",
}
TYPES = {"ami": "machine", "aki": "kernel", "ari": "ramdisk"}


async def render(call: Call, image: dict[str, Any], ec2_id: str) -> dict[str, Any]:
    state = STATES.get(str(image.get("status")), "failed" if image.get("status") == "killed" else "deregistered")
    owner = str(image.get("owner") or "")
    bdm = image.get("block_device_mapping")
    return {
        "imageId": ec2_id,
        "imageLocation": f"{owner}/{image.get('name') or ''}",
        "imageState": state,
        "imageOwnerId": owner,
        "creationDate": timestamp(image.get("created_at")),
        "isPublic": image.get("visibility") == "public",
        "architecture": str(image.get("architecture") or "x86_64"),
        "imageType": TYPES[ec2_id.split("-", 1)[0]],
        "name": image.get("name") or "",
        "description": image.get("description"),
        "rootDeviceType": "ebs" if bdm else "instance-store",
        "rootDeviceName": str(image.get("root_device_name") or "/dev/vda"),
        "blockDeviceMapping": [],
        "virtualizationType": "hvm",
        "hypervisor": str(image.get("hypervisor_type") or "kvm"),
        "tagSet": tag_set(string_tags(image.get("tags"))),
    }


async def describe_images(call: Call) -> dict[str, Any]:
    wanted = {
        await uuid_of(call, "image", ident, ("ami", "aki", "ari")): ident for ident in call.params.strings("ImageId")
    }
    images = await call.api.image.images(limit=1000)
    by_id = {str(i["id"]): i for i in images}
    for uuid, ident in wanted.items():
        if uuid not in by_id:
            try:
                by_id[uuid] = await call.api.image.image(uuid)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                raise not_found("image", ident) from None
    owners = call.params.strings("Owner")
    filters = call.params.filters()
    chosen = [by_id[u] for u in wanted] if wanted else sorted(images, key=lambda i: str(i.get("created_at")))
    out = []
    for image in chosen:
        owner = str(image.get("owner") or "")
        if owners and not any(o == owner or (o == "self" and owner == call.project_id) for o in owners):
            continue
        ec2_id = await call.ids.ec2_id("image", image_prefix(image), str(image["id"]))
        item = await render(call, image, ec2_id)
        values = {
            "image-id": [ec2_id],
            "name": [item["name"]],
            "state": [item["imageState"]],
            "owner-id": [owner],
            "is-public": ["true" if item["isPublic"] else "false"],
            "architecture": [item["architecture"]],
            "image-type": [item["imageType"]],
            "root-device-type": [item["rootDeviceType"]],
            "virtualization-type": ["hvm"],
            "description": [str(item.get("description") or "")],
        }
        tags = {t["key"]: t["value"] for t in item["tagSet"] or []}
        if matches(filters, values, tags):
            out.append(item)
    shown, token = page(call, out)
    return {"imagesSet": shown, "nextToken": token}


async def _image(call: Call) -> tuple[str, str, dict[str, Any]]:
    ident = call.params.require("ImageId")
    uuid = await uuid_of(call, "image", ident, ("ami", "aki", "ari"))
    try:
        return ident, uuid, await call.api.image.image(uuid)
    except ApiError as exc:
        raise api_error(exc, not_found("image", ident)) from None


async def deregister_image(call: Call) -> dict[str, Any]:
    ident, uuid, image = await _image(call)
    if str(image.get("owner")) != call.project_id:
        raise Ec2Error("AuthFailure", f"Not authorized for image:{ident}", 401)
    try:
        await call.api.image.delete_image(uuid)
    except ApiError as exc:
        raise api_error(exc, not_found("image", ident)) from None
    return {"return": True}


async def describe_image_attribute(call: Call) -> dict[str, Any]:
    ident, _, image = await _image(call)
    attribute = call.params.require("Attribute")
    out: dict[str, Any] = {"imageId": ident}
    if attribute == "description":
        out["description"] = {"value": image.get("description")} if image.get("description") else {}
    elif attribute in ("kernel", "ramdisk"):
        ref = image.get(f"{attribute}_id")
        prefix = "aki" if attribute == "kernel" else "ari"
        key = "kernel" if attribute == "kernel" else "ramdisk"
        out[key] = {"value": await call.ids.ec2_id("image", prefix, str(ref))} if ref else {}
    elif attribute == "launchPermission":
        out["launchPermission"] = [{"group": "all"}] if image.get("visibility") == "public" else []
    elif attribute == "blockDeviceMapping":
        out["blockDeviceMapping"] = []
    elif attribute == "bootMode":
        out["bootMode"] = {"value": "uefi" if image.get("hw_firmware_type") == "uefi" else "legacy-bios"}
    else:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute}) for parameter attribute is invalid.")
    return out
