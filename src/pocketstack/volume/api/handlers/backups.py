"""Backups: create (force for an in-use volume, incremental, metadata 3.43), list
(summary and detail), show, update (3.9), delete (force: admin), restore (into a new or
an existing volume), os-reset_status and os-force_delete (admin)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import iso_nozone
from pocketstack.volume import backups
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import all_projects, at_least, body, context, deps, next_link, page, require, to_bool
from pocketstack.volume.models import Backup
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


def _links(request: Request, backup: Backup) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{request.base_url}/v3/backups/{backup.id}"},
        {"rel": "bookmark", "href": f"{request.base_url}/backups/{backup.id}"},
    ]


def _summary(request: Request, backup: Backup) -> dict[str, Any]:
    out: dict[str, Any] = {"id": backup.id, "name": backup.name, "links": _links(request, backup)}
    if at_least(request, 43):
        out["metadata"] = dict(backup.metadata_ or {})
    return out


def _detail(request: Request, backup: Backup, dependents: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": backup.id,
        "status": backup.status,
        "size": backup.size,
        "object_count": 1 if backup.status == backups.AVAILABLE else 0,
        "availability_zone": backup.availability_zone,
        "container": backup.container,
        "created_at": iso_nozone(backup.created_at),
        "updated_at": iso_nozone(backup.updated_at),
        "name": backup.name,
        "description": backup.description,
        "fail_reason": backup.fail_reason,
        "volume_id": backup.volume_id,
        "links": _links(request, backup),
        "is_incremental": backup.is_incremental,
        "has_dependent_backups": dependents,
        "snapshot_id": backup.snapshot_id,
        "data_timestamp": iso_nozone(backup.data_timestamp),
    }
    if at_least(request, 18) and request.context.is_admin:
        out["os-backup-project-attr:project_id"] = backup.project_id
    if at_least(request, 43):
        out["metadata"] = dict(backup.metadata_ or {})
    if at_least(request, 56):
        out["user_id"] = backup.user_id
    return out


async def _view(request: Request, backup: Backup) -> dict[str, Any]:
    async with deps(request).db.reader() as s:
        dependents = await backups.has_dependents(s, backup)
    return _detail(request, backup, dependents)


async def create(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "backup:create")
    data = (await body(request, schemas.BACKUP_CREATE))["backup"]
    backup = await backups.create(
        deps(request),
        ctx,
        data["volume_id"],
        name=data.get("name"),
        description=data.get("description"),
        incremental=to_bool(data.get("incremental") or False, "incremental"),
        force=to_bool(data.get("force") or False, "force"),
        snapshot_id=data.get("snapshot_id"),
        metadata=(data.get("metadata") or {}) if at_least(request, 43) else {},
        container=data.get("container"),
    )
    return json_response({"backup": _summary(request, backup)}, 202)


async def _list(request: Request, detail: bool) -> Response:
    ctx = context(request)
    policy.reader(ctx, "backup:get_all")
    filters = {k: v for k in ("name", "status", "volume_id") if (v := request.param(k)) is not None}
    rows, next_marker, count = await backups.list_backups(
        deps(request), ctx, filters, page(request, backups.SORT_KEYS), all_projects(request)
    )
    if detail:
        items = [await _view(request, b) for b in rows]
    else:
        items = [_summary(request, b) for b in rows]
    out: dict[str, Any] = {"backups": items}
    if next_marker is not None:
        out["backups_links"] = next_link(request, "backups/detail" if detail else "backups", next_marker)
    if at_least(request, 45) and request.param("with_count") is not None:
        out["count"] = count
    return json_response(out)


async def index(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def show(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "backup:get")
    async with deps(request).db.reader() as s:
        backup = await backups.get(s, ctx, request.path_params["backup_id"])
    return json_response({"backup": await _view(request, backup)})


async def update(request: Request) -> Response:
    require(request, 9)
    ctx = context(request)
    policy.writer(ctx, "backup:update")
    data = (await body(request, schemas.BACKUP_UPDATE))["backup"]
    changes = {k: data[k] for k in ("name", "description") if k in data}
    if "metadata" in data and at_least(request, 43):
        changes["metadata"] = data["metadata"]
    backup = await backups.update(deps(request), ctx, request.path_params["backup_id"], changes)
    return json_response({"backup": _summary(request, backup)})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "backup:delete")
    force = to_bool(request.param("force", "false"), "force")
    if force:
        policy.admin(ctx, "volume_extension:backup_admin_actions:force_delete")
    await backups.delete(deps(request), ctx, request.path_params["backup_id"], force=force)
    return empty(202)


async def restore(request: Request) -> Response:
    ctx = context(request)
    policy.writer(ctx, "backup:restore")
    data = (await body(request, schemas.BACKUP_RESTORE))["restore"] or {}
    backup, volume_id, name = await backups.restore(
        deps(request), ctx, request.path_params["backup_id"], data.get("volume_id"), data.get("name")
    )
    return json_response({"restore": {"backup_id": backup.id, "volume_id": volume_id, "volume_name": name or ""}}, 202)


async def action(request: Request) -> Response:
    ctx = context(request)
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: the action body must name exactly one action.")
    name = next(iter(data))
    bid = request.path_params["backup_id"]
    if name == "os-reset_status":
        policy.admin(ctx, "volume_extension:backup_admin_actions:reset_status")
        status = validate(schemas.BACKUP_RESET, data)["os-reset_status"]["status"]
        await backups.reset_status(deps(request), ctx, bid, status)
        return empty(202)
    if name == "os-force_delete":
        policy.admin(ctx, "volume_extension:backup_admin_actions:force_delete")
        await backups.delete(deps(request), ctx, bid, force=True)
        return empty(202)
    raise Invalid(f"Invalid input received: There is no such action: {name}")


async def export_record(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "backup:export-import")
    record = await backups.export_record(deps(request), ctx, request.path_params["backup_id"])
    return json_response({"backup-record": record})


async def import_record(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "backup:backup-import")
    data = (await body(request, schemas.BACKUP_IMPORT))["backup-record"]
    backup = await backups.import_record(deps(request), ctx, data["backup_service"], data["backup_url"])
    return json_response({"backup": _summary(request, backup)}, 201)
