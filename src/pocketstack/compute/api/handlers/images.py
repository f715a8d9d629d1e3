"""The images proxy (/v2.1/images, until 2.36): the image service's images as Nova
showed them, with their extra properties as "metadata". From 2.36 on these paths are
gone (404), as in Nova."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import iso, parse_iso
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, base_url, body, limit_param, next_link, service
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

# The image service's own attributes; everything else on an image is a property.
CORE_KEYS = frozenset(
    {
        "id",
        "name",
        "status",
        "visibility",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "size",
        "virtual_size",
        "min_ram",
        "min_disk",
        "container_format",
        "disk_format",
        "owner",
        "protected",
        "created_at",
        "updated_at",
        "tags",
        "self",
        "file",
        "schema",
        "locations",
        "direct_url",
        "os_hidden",
        "stores",
    }
)
# Nova's image status and progress for each of the image service's statuses.
STATUS = {"queued": "SAVING", "saving": "SAVING", "importing": "SAVING", "uploading": "SAVING", "active": "ACTIVE"}
STATUS.update({"killed": "ERROR", "deleted": "DELETED", "pending_delete": "DELETED"})
PROGRESS = {"queued": 25, "saving": 50, "uploading": 50, "importing": 50, "active": 100}


def properties(image: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in image.items() if k not in CORE_KEYS}


def _gone(request: Request) -> None:
    if at_least(request, 36):
        raise NotFound("The resource could not be found.")


def _links(request: Request, image_id: str) -> list[dict[str, str]]:
    base = base_url(request)
    return [
        {"rel": "self", "href": f"{base}/v2.1/images/{image_id}"},
        {"rel": "bookmark", "href": f"{base}/images/{image_id}"},
        {"rel": "alternate", "type": "application/vnd.openstack.image", "href": f"{base}/image/images/{image_id}"},
    ]


def _nova_time(value: Any) -> str | None:
    return iso(parse_iso(value)) if value else None


def view(request: Request, image: dict[str, Any]) -> dict[str, Any]:
    meta = properties(image)
    data: dict[str, Any] = {
        "id": image["id"],
        "name": image.get("name"),
        "minRam": int(image.get("min_ram") or 0),
        "minDisk": int(image.get("min_disk") or 0),
        "metadata": meta,
        "created": _nova_time(image.get("created_at")),
        "updated": _nova_time(image.get("updated_at") or image.get("created_at")),
        "status": STATUS.get(str(image.get("status")), "UNKNOWN"),
        "progress": PROGRESS.get(str(image.get("status")), 0),
        "links": _links(request, image["id"]),
        "OS-EXT-IMG-SIZE:size": image.get("size"),
    }
    server = meta.get("instance_uuid")
    if server:
        base = base_url(request)
        data["server"] = {
            "id": server,
            "links": [
                {"rel": "self", "href": f"{base}/v2.1/servers/{server}"},
                {"rel": "bookmark", "href": f"{base}/servers/{server}"},
            ],
        }
    return data


def _query(request: Request) -> tuple[dict[str, str], dict[str, Any]]:
    """The image service's query for Nova's filters, and the filters checked here."""
    params: dict[str, str] = {}
    local: dict[str, Any] = {}
    if request.param("name"):
        params["name"] = request.param("name") or ""
    if request.param("server"):
        params["instance_uuid"] = (request.param("server") or "").rstrip("/").rsplit("/", 1)[-1]
    if request.param("type"):
        params["image_type"] = request.param("type") or ""
    since = request.param("changes-since")
    if since:
        try:
            parse_iso(since)
        except ValueError:
            raise Invalid(f"Invalid changes-since value {since!r}") from None
        params["updated_at"] = f"gte:{since}"
    for nova, mine in (("minRam", "min_ram"), ("minDisk", "min_disk")):
        raw = request.param(nova)
        if raw is not None:
            try:
                local[mine] = int(raw)
            except ValueError:
                raise Invalid(f"Invalid {nova} value {raw!r}") from None
    if request.param("status"):
        local["status"] = (request.param("status") or "").upper()
    limit = limit_param(request)
    if limit is not None:
        params["limit"] = str(limit)
    if request.param("marker"):
        params["marker"] = request.param("marker") or ""
    return params, local


async def _list(request: Request, detail: bool) -> Response:
    policy.reader(request.context, "os_compute_api:image-size")
    _gone(request)
    params, local = _query(request)
    found = await service(request).images.list_for_user(params, request.context.auth_token)
    shown = []
    for image in found:
        if "status" in local and STATUS.get(str(image.get("status")), "UNKNOWN") != local["status"]:
            continue
        if any(int(image.get(k) or 0) < v for k, v in local.items() if k != "status"):
            continue
        view_ = view(request, image)
        shown.append(view_ if detail else {k: view_[k] for k in ("id", "name", "links")})
    result: dict[str, Any] = {"images": shown}
    if params.get("limit") and found and len(found) == int(params["limit"]):
        result["images_links"] = next_link(request, "images", found[-1]["id"])
    return json_response(result)


async def index(request: Request) -> Response:
    return await _list(request, False)


async def detail(request: Request) -> Response:
    return await _list(request, True)


async def _image(request: Request) -> dict[str, Any]:
    _gone(request)
    if not request.path_params["image_id"]:
        raise NotFound("The resource could not be found.")
    return await service(request).images.get(request.path_params["image_id"], request.context.auth_token)


async def show(request: Request) -> Response:
    # The image first (the image service hides another project's, or any from a caller
    # with no role: 404, as through Nova), then the rule.
    image = await _image(request)
    policy.reader(request.context, "os_compute_api:image-size")
    return json_response({"image": view(request, image)})


async def delete(request: Request) -> Response:
    await _image(request)
    policy.member(request.context, "os_compute_api:images:delete")
    await service(request).images.delete_for_user(request.path_params["image_id"], request.context.auth_token)
    return empty(204)


async def _check_count(request: Request, meta: dict[str, Any]) -> None:
    limit = (await service(request).quota_limits(request.context.project_id or ""))["metadata_items"]
    if 0 <= limit < len(meta):
        raise Forbidden("Quota exceeded for metadata_items: the number of metadata items exceeds the limit")


async def _replace(request: Request, image: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """Make the image's properties ``wanted`` (added, replaced, removed); its new properties."""
    current = properties(image)
    ops: list[dict[str, Any]] = [{"op": "remove", "path": f"/{k}"} for k in current if k not in wanted]
    for key, value in wanted.items():
        if key in CORE_KEYS:
            raise Invalid(f"Invalid metadata key: {key} is an attribute of the image")
        ops.append({"op": "replace" if key in current else "add", "path": f"/{key}", "value": str(value)})
    if not ops:
        return current
    updated = await service(request).images.patch_for_user(image["id"], ops, request.context.auth_token)
    return properties(updated)


async def metadata_index(request: Request) -> Response:
    image = await _image(request)
    policy.reader(request.context, "os_compute_api:image-metadata")
    return json_response({"metadata": properties(image)})


async def metadata_replace(request: Request) -> Response:
    image = await _image(request)
    policy.member(request.context, "os_compute_api:image-metadata")
    meta = validate(schemas.METADATA_BODY, await body(request))["metadata"]
    await _check_count(request, meta)
    return json_response({"metadata": await _replace(request, image, meta)})


async def metadata_merge(request: Request) -> Response:
    image = await _image(request)
    policy.member(request.context, "os_compute_api:image-metadata")
    meta = {**properties(image), **validate(schemas.METADATA_BODY, await body(request))["metadata"]}
    await _check_count(request, meta)
    return json_response({"metadata": await _replace(request, image, meta)})


async def metadata_show(request: Request) -> Response:
    key = request.path_params["key"]
    meta = properties(await _image(request))
    policy.reader(request.context, "os_compute_api:image-metadata")
    if key not in meta:
        raise NotFound(f"Image metadata item {key} could not be found.")
    return json_response({"meta": {key: meta[key]}})


async def metadata_set(request: Request) -> Response:
    key = request.path_params["key"]
    image = await _image(request)
    policy.member(request.context, "os_compute_api:image-metadata")
    item = validate(schemas.META_ITEM_BODY, await body(request))["meta"]
    if key not in item:
        raise Invalid("Request body and URI mismatch")
    meta = {**properties(image), key: item[key]}
    await _check_count(request, meta)
    await _replace(request, image, meta)
    return json_response({"meta": {key: item[key]}})


async def metadata_delete(request: Request) -> Response:
    key = request.path_params["key"]
    image = await _image(request)
    policy.member(request.context, "os_compute_api:image-metadata")
    meta = properties(image)
    if key not in meta:
        raise NotFound(f"Image metadata item {key} could not be found.")
    del meta[key]
    await _replace(request, image, meta)
    return empty(204)
