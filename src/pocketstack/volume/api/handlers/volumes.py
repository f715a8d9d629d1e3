"""Volumes: create, list (summary and detail), show, update, delete, metadata."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.volume import volumes
from pocketstack.volume.api import policy, schemas, views
from pocketstack.volume.api.common import (
    all_projects,
    at_least,
    body,
    context,
    deps,
    metadata_filter,
    next_link,
    page,
    require,
    to_bool,
    to_size,
    version,
)
from pocketstack.volume.listing import parse_time_filter
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

_FILTERS = ("name", "status", "availability_zone", "volume_type", "project_id", "group_id")


async def create(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:create")
    data = (await body(request, schemas.VOLUME_CREATE))["volume"]
    for unsupported in ("backup_id", "consistencygroup_id"):
        if data.get(unsupported):
            raise Invalid(f"Invalid input received: {unsupported} is not supported by this cloud.")
    req = volumes.CreateRequest(
        size=to_size(data.get("size")),
        name=data.get("name", data.get("display_name")),
        description=data.get("description", data.get("display_description")),
        volume_type=data.get("volume_type"),
        availability_zone=data.get("availability_zone"),
        image_ref=data.get("imageRef") or data.get("image_id"),
        snapshot_id=data.get("snapshot_id"),
        source_volid=data.get("source_volid"),
        metadata=data.get("metadata") or {},
        bootable=to_bool(data["bootable"], "bootable") if data.get("bootable") is not None else None,
        multiattach=to_bool(data.get("multiattach") or False, "multiattach"),
        # Before 3.13 Cinder ignores a group.
        group_id=data.get("group_id") if at_least(request, 13) else None,
    )
    rec = await volumes.create(deps(request), ctx, req)
    view = views.volume(rec, request.base_url, ctx, version(request), extended=False)
    return json_response({"volume": view}, 202)


async def _list(request: Request, detail: bool) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_all")
    filters: dict[str, Any] = {k: request.param(k) for k in _FILTERS if request.param(k) is not None}
    if request.param("bootable") is not None:
        filters["bootable"] = to_bool(request.param("bootable"), "bootable")
    if request.param("size") is not None:
        filters["size"] = to_size(request.param("size"))
    if at_least(request, 34):
        # "name~=abc": the inexact (substring) filters.
        filters["like"] = {k: v for k in ("name", "status", "availability_zone") if (v := request.param(k + "~"))}
    if at_least(request, 60):
        for key in ("created_at", "updated_at"):
            if (raw := request.param(key)) is not None:
                filters[key] = parse_time_filter(raw, key)
    filters["metadata"] = metadata_filter(request)
    if at_least(request, 65) and request.param("consumes_quota") is not None:
        # Every volume and snapshot here consumes quota (no temporary ones).
        filters["none"] = not to_bool(request.param("consumes_quota"), "consumes_quota")
    rows, next_marker, count = await volumes.list_volumes(
        deps(request), ctx, filters, page(request, volumes.SORT_KEYS), all_projects(request)
    )
    base = request.base_url
    items = [views.volume(r, base, ctx, version(request)) if detail else views.volume_summary(r, base) for r in rows]
    out: dict[str, Any] = {"volumes": items}
    if next_marker is not None:
        out["volumes_links"] = next_link(request, "volumes/detail" if detail else "volumes", next_marker)
    if (
        at_least(request, 45)
        and request.param("with_count") is not None
        and to_bool(request.param("with_count"), "with_count")
    ):
        out["count"] = count
    return json_response(out)


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def summary(request: Request) -> Response:
    require(request, 12)
    ctx = context(request)
    policy.reader(ctx, "volume:get_all")
    count, size, metadata = await volumes.summary(deps(request), ctx, all_projects(request))
    out: dict[str, Any] = {"total_count": count, "total_size": size}
    if at_least(request, 36):
        out["metadata"] = metadata
    return json_response({"volume-summary": out})


async def show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get")
    rec = await volumes.show(deps(request), ctx, request.path_params["volume_id"])
    return json_response({"volume": views.volume(rec, request.base_url, ctx, version(request))})


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update")
    data = (await body(request, schemas.VOLUME_UPDATE))["volume"]
    changes: dict[str, Any] = {}
    for key, legacy in (("name", "display_name"), ("description", "display_description")):
        if key in data or legacy in data:
            changes[key] = data.get(key, data.get(legacy))
    if "metadata" in data:
        changes["metadata"] = data["metadata"]
    # An empty update is no error in Cinder: the volume is answered as it is.
    rec = await volumes.update(deps(request), ctx, request.path_params["volume_id"], changes)
    return json_response({"volume": views.volume(rec, request.base_url, ctx, version(request), extended=False)})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:delete")
    cascade = to_bool(request.param("cascade", "false"), "cascade")
    force = to_bool(request.param("force", "false"), "force")
    if force:
        policy.admin(ctx, "volume:force_delete")
    await volumes.delete(deps(request), ctx, request.path_params["volume_id"], cascade=cascade, force=force)
    return empty(202)


# --- metadata ---------------------------------------------------------------------------
def _etag(metadata: dict[str, str]) -> str:
    """Cinder's ETag of a volume's metadata (3.15): the MD5 of its JSON."""
    return hashlib.md5(json.dumps({"metadata": metadata}).encode(), usedforsecurity=False).hexdigest()


async def _etag_matches(request: Request, volume_id: str) -> bool:
    """Whether an If-Match (3.15+) names the current ETag of the volume's metadata."""
    raw = request.headers.get("if-match")
    if not raw or not at_least(request, 15):
        return True
    tags = {t.strip().removeprefix("W/").strip('"') for t in raw.split(",")}
    current = await volumes.metadata(deps(request), context(request), volume_id)
    return "*" in tags or _etag(current) in tags


async def metadata_index(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_volume_metadata")
    items = await volumes.metadata(deps(request), ctx, request.path_params["volume_id"])
    headers = [("etag", _etag(items))] if at_least(request, 15) else None
    return json_response({"metadata": items}, headers=headers)


async def metadata_create(request: Request) -> Response:
    return await _set_metadata(request, replace=False)


async def metadata_replace(request: Request) -> Response:
    if not await _etag_matches(request, request.path_params["volume_id"]):
        return empty(412)
    return await _set_metadata(request, replace=True)


async def _set_metadata(request: Request, *, replace: bool) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update_volume_metadata")
    items = (await body(request, schemas.METADATA_BODY))["metadata"]
    result = await volumes.set_metadata(deps(request), ctx, request.path_params["volume_id"], items, replace=replace)
    return json_response({"metadata": result})


async def metadata_show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_volume_metadata")
    key = request.path_params["key"]
    items = await volumes.metadata(deps(request), ctx, request.path_params["volume_id"])
    if key not in items:
        from pocketstack.common.errors import NotFound

        raise NotFound(f"Volume {request.path_params['volume_id']} has no metadata with key {key}.")
    return json_response({"meta": {key: items[key]}})


async def metadata_update(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update_volume_metadata")
    if not await _etag_matches(request, request.path_params["volume_id"]):
        return empty(412)
    key = request.path_params["key"]
    meta = (await body(request, schemas.META_ITEM))["meta"]
    if len(meta) != 1:
        raise Invalid("Invalid input received: Request body contains too many items (exactly one is needed).")
    if key not in meta:
        raise Invalid("Invalid input received: Request body and URI mismatch.")
    await volumes.set_metadata(deps(request), ctx, request.path_params["volume_id"], meta, replace=False)
    return json_response({"meta": meta})


async def metadata_delete(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:delete_volume_metadata")
    await volumes.delete_metadata_key(deps(request), ctx, request.path_params["volume_id"], request.path_params["key"])
    return empty(200)
