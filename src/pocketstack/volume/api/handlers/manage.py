"""Manage and unmanage (admin): adopt data already on the backend as a volume or a
snapshot (POST /os-volume-manage and /os-snapshot-manage, and /manageable_volumes and
/manageable_snapshots from 3.8), list what could be adopted (GET /manageable_*, 3.8:
summary and detail); the os-unmanage actions are with the volume and snapshot actions."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.volume import managing, snapshots, volumes
from pocketstack.volume.api import policy, schemas, views
from pocketstack.volume.api.common import body, context, deps, require, to_bool
from pocketstack.web.microversion import Version
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


def _source_name(ref: Any) -> str:
    """Cinder's reference: ``{"source-name": ...}`` (or ``source-id``), or a bare string."""
    if isinstance(ref, str) and ref:
        return ref
    if isinstance(ref, dict):
        for key in ("source-name", "source-id"):
            if isinstance(ref.get(key), str) and ref[key]:
                return str(ref[key])
    raise Invalid("Invalid input received: ref must name the backend object (source-name).")


async def create(request: Request) -> Response:
    if request.path.endswith("/manageable_volumes"):
        require(request, 8)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:volume_manage")
    data = (await body(request, schemas.VOLUME_MANAGE))["volume"]
    if not data.get("host"):
        raise Invalid("Invalid input received: Host field is missing.")
    req = volumes.CreateRequest(
        name=(data.get("name") or "").strip() or None,
        description=(data.get("description") or "").strip() or None,
        volume_type=data.get("volume_type") or None,
        availability_zone=data.get("availability_zone") or None,
        metadata=data.get("metadata") or {},
        bootable=to_bool(data.get("bootable", False), "bootable"),
    )
    rec = await managing.manage(deps(request), ctx, data["host"], _source_name(data["ref"]), req)
    # Cinder answers with the volume's legacy (3.0) detail.
    view = views.volume(rec, request.base_url, ctx, Version(3, 0), extended=False)
    return json_response({"volume": view}, 202)


async def _list(request: Request, detail: bool) -> Response:
    require(request, 8)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:list_manageable")
    host = request.param("host")
    if not host:
        raise Invalid("Invalid input received: host or cluster is required.")
    found = await managing.manageable(deps(request), host)
    items = []
    for item in found:
        out: dict[str, Any] = {"reference": {"source-name": item["name"]}, "size": item["size"], "safe_to_manage": True}
        if detail:
            out.update(reason_not_safe=None, cinder_id=None, extra_info=None)
        items.append(out)
    return json_response({"manageable-volumes": items})


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def snapshot_create(request: Request) -> Response:
    if request.path.endswith("/manageable_snapshots"):
        require(request, 8)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:snapshot_manage")
    data = (await body(request, schemas.SNAPSHOT_MANAGE))["snapshot"]
    snap = await snapshots.manage(
        deps(request),
        ctx,
        data["volume_id"],
        _source_name(data["ref"]),
        (data.get("name") or "").strip() or None,
        (data.get("description") or "").strip() or None,
        data.get("metadata") or {},
    )
    return json_response({"snapshot": views.snapshot(snap, Version(3, 0), extended=False)}, 202)


async def _snapshot_list(request: Request, detail: bool) -> Response:
    require(request, 8)
    ctx = context(request)
    policy.admin(ctx, "volume_extension:list_manageable")
    host = request.param("host")
    if not host:
        raise Invalid("Invalid input received: host or cluster is required.")
    managing.check_host(deps(request), host)
    items = []
    for item in await snapshots.manageable(deps(request)):
        out: dict[str, Any] = {
            "reference": {"source-name": item["name"]},
            "size": item["size"],
            "safe_to_manage": True,
            "source_reference": {"source-name": item["volume"]} if item.get("volume") else None,
        }
        if detail:
            out.update(reason_not_safe=None, cinder_id=None, extra_info=None)
        items.append(out)
    return json_response({"manageable-snapshots": items})


async def snapshot_index(request: Request) -> Response:
    return await _snapshot_list(request, detail=False)


async def snapshot_detail(request: Request) -> Response:
    return await _snapshot_list(request, detail=True)
