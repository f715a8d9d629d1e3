"""Snapshots: create, list (summary and detail), show, update, delete, metadata, actions."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import snapshots
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
    to_bool,
    version,
)
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

_FILTERS = ("name", "status", "volume_id", "project_id")


async def create(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:create_snapshot")
    data = (await body(request, schemas.SNAPSHOT_CREATE))["snapshot"]
    force_given = data.get("force") is not None
    force = to_bool(data["force"], "force") if force_given else False
    if at_least(request, 66):
        # From 3.66 an attached volume is snapshotted without force; force=False is refused.
        if force_given and not force:
            raise Invalid("Invalid input received: force=False is not allowed from microversion 3.66.")
        force = True
    snap = await snapshots.create(
        deps(request),
        ctx,
        data["volume_id"] or "",
        data.get("name", data.get("display_name")),
        data.get("description", data.get("display_description")),
        data.get("metadata") or {},
        force=force,
    )
    return json_response({"snapshot": views.snapshot(snap, version(request), extended=False)}, 202)


async def _list(request: Request, detail: bool) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_all_snapshots")
    filters: dict[str, Any] = {k: request.param(k) for k in _FILTERS if request.param(k) is not None}
    filters["metadata"] = metadata_filter(request)
    if at_least(request, 65) and request.param("consumes_quota") is not None:
        # Every volume and snapshot here consumes quota (no temporary ones).
        filters["none"] = not to_bool(request.param("consumes_quota"), "consumes_quota")
    rows, next_marker, count = await snapshots.list_snapshots(
        deps(request), ctx, filters, page(request, snapshots.SORT_KEYS), all_projects(request)
    )
    v = version(request)
    items = [views.snapshot(s, v) if detail else views.snapshot_summary(s) for s in rows]
    out: dict[str, Any] = {"snapshots": items}
    if next_marker is not None:
        out["snapshots_links"] = next_link(request, "snapshots/detail" if detail else "snapshots", next_marker)
    if at_least(request, 45) and request.param("with_count") is not None:
        out["count"] = count
    return json_response(out)


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_snapshot")
    snap = await snapshots.show(deps(request), ctx, request.path_params["snapshot_id"])
    return json_response({"snapshot": views.snapshot(snap, version(request))})


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update_snapshot")
    data = (await body(request, schemas.SNAPSHOT_UPDATE))["snapshot"]
    changes: dict[str, Any] = {}
    for key, legacy in (("name", "display_name"), ("description", "display_description")):
        if key in data or legacy in data:
            changes[key] = data.get(key, data.get(legacy))
    if not changes:
        raise Invalid("Invalid input received: the snapshot update names nothing to change.")
    snap = await snapshots.update(deps(request), ctx, request.path_params["snapshot_id"], changes)
    return json_response({"snapshot": views.snapshot(snap, version(request), extended=False)})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:delete_snapshot")
    await snapshots.delete(deps(request), ctx, request.path_params["snapshot_id"])
    return empty(202)


async def action(request: Request) -> Response:
    ctx = context(request)
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: the action body must name exactly one action.")
    name, args = next(iter(data.items()))
    sid = request.path_params["snapshot_id"]
    if name == "os-reset_status":
        policy.admin(ctx, "volume_extension:snapshot_admin_actions:reset_status")
        if not isinstance(args, dict) or not isinstance(args.get("status"), str):
            raise Invalid("Invalid input received: os-reset_status needs a 'status'.")
        await snapshots.reset_status(deps(request), ctx, sid, args["status"])
        return empty(202)
    if name == "os-update_snapshot_status":
        policy.writer(ctx, "volume:snapshot_update_status")
        if not isinstance(args, dict) or not isinstance(args.get("status"), str):
            raise Invalid("Invalid input received: os-update_snapshot_status needs a 'status'.")
        progress = args.get("progress")
        if progress is not None and not isinstance(progress, str):
            raise Invalid("Invalid input received: progress must be a string such as '80%'.")
        await snapshots.update_status(deps(request), ctx, sid, args["status"], progress)
        return empty(202)
    if name == "os-unmanage":
        policy.admin(ctx, "volume_extension:snapshot_unmanage")
        await snapshots.unmanage(deps(request), ctx, sid)
        return empty(202)
    if name == "os-force_delete":
        policy.admin(ctx, "volume_extension:snapshot_admin_actions:force_delete")
        await snapshots.delete(deps(request), ctx, sid, force=True)
        return empty(202)
    raise Invalid(f"Invalid input received: There is no such action: {name}")


# --- metadata ---------------------------------------------------------------------------
async def metadata_index(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_snapshot_metadata")
    snap = await snapshots.show(deps(request), ctx, request.path_params["snapshot_id"])
    return json_response({"metadata": dict(snap.metadata_ or {})})


async def metadata_create(request: Request) -> Response:
    return await _set(request, replace=False)


async def metadata_replace(request: Request) -> Response:
    return await _set(request, replace=True)


async def _set(request: Request, *, replace: bool) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update_snapshot_metadata")
    items = (await body(request, schemas.METADATA_BODY))["metadata"]
    out = await snapshots.set_metadata(deps(request), ctx, request.path_params["snapshot_id"], items, replace=replace)
    return json_response({"metadata": out})


async def metadata_show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "volume:get_snapshot_metadata")
    key = request.path_params["key"]
    snap = await snapshots.show(deps(request), ctx, request.path_params["snapshot_id"])
    if key not in (snap.metadata_ or {}):
        raise NotFound(f"Snapshot {snap.id} has no metadata with key {key}.")
    return json_response({"meta": {key: snap.metadata_[key]}})


async def metadata_update(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:update_snapshot_metadata")
    key = request.path_params["key"]
    meta = (await body(request, schemas.META_ITEM))["meta"]
    if len(meta) != 1:
        raise Invalid("Invalid input received: Request body contains too many items (exactly one is needed).")
    if key not in meta:
        raise Invalid("Invalid input received: Request body and URI mismatch.")
    await snapshots.set_metadata(deps(request), ctx, request.path_params["snapshot_id"], meta, replace=False)
    return json_response({"meta": meta})


async def metadata_delete(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "volume:delete_snapshot_metadata")
    await snapshots.delete_metadata_key(
        deps(request), ctx, request.path_params["snapshot_id"], request.path_params["key"]
    )
    return empty(200)
