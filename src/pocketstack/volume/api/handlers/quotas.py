"""Quota sets (show with or without usage, defaults, update and reset by an admin)
and absolute limits."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.volume import quotas
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import at_least, body, context, deps, to_bool
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _check_project(request: Request) -> str:
    ctx = context(request)
    target = request.path_params["target_id"]
    if target == ctx.project_id:
        policy.reader(ctx, "volume_extension:quotas:show")
    elif not ctx.is_admin:
        policy.admin(ctx, "volume_extension:quotas:show")
    return target


async def show(request: Request) -> Response:
    target = _check_project(request)
    d = deps(request)
    with_usage = to_bool(request.param("usage", "false"), "usage")
    async with d.db.reader() as s:
        limits = await quotas.limits(s, d.cfg, target)
        used = await quotas.usage(s, target) if with_usage else {}
    body_out: dict[str, Any] = {"id": target}
    for key, limit in limits.items():
        body_out[key] = (
            {"limit": limit, "in_use": used.get(key, 0), "reserved": 0, "allocated": 0} if with_usage else limit
        )
    return json_response({"quota_set": body_out})


async def defaults(request: Request) -> Response:
    _check_project(request)
    d = deps(request)
    async with d.db.reader() as s:
        out = await quotas.class_limits(s, d.cfg)
    return json_response({"quota_set": {"id": request.path_params["target_id"], **out}})


MAX_INT = 2**31 - 1


def _int_values(data: dict[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    for key, raw in data.items():
        if key in ("tenant_id", "id", "class_name"):
            continue
        try:
            values[key] = int(raw)
        except (TypeError, ValueError):
            raise Invalid(f"Invalid input received: Quota value {raw!r} for {key} is not an integer.") from None
        if values[key] > MAX_INT:
            # Cinder's validate_integer bound (its integer columns); past it SQLite overflowed (500).
            raise Invalid(f"Invalid input received: {key} must be <= {MAX_INT}")
    return values


async def class_show(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:quota_classes")
    d = deps(request)
    name = request.path_params["class_name"]
    async with d.db.reader() as s:
        out = await quotas.class_limits(s, d.cfg, name)
    return json_response({"quota_class_set": {**out, "id": name}})


async def class_update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:quota_classes:update")
    name = request.path_params["class_name"]
    if not 1 <= len(name) <= 255:
        raise Invalid("Invalid input received: quota_class_name must be 1 to 255 characters long.")
    values = _int_values((await body(request, schemas.QUOTA_CLASS_UPDATE))["quota_class_set"])
    d = deps(request)
    async with d.db.writer() as s:
        await quotas.set_class_limits(s, d.cfg, name, values)
        await s.flush()
        out = await quotas.class_limits(s, d.cfg, name)
    return json_response({"quota_class_set": out})


async def update(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:quotas:update")
    target = request.path_params["target_id"]
    values = _int_values((await body(request, schemas.QUOTA_UPDATE))["quota_set"])
    d = deps(request)
    async with d.db.writer() as s:
        known = set(await quotas.limits(s, d.cfg, target))
        await quotas.set_limits(s, target, values, known)
        await s.flush()
        out = await quotas.limits(s, d.cfg, target)
    return json_response({"quota_set": out})


async def delete(request: Request) -> Response:
    ctx = context(request)
    policy.admin(ctx, "volume_extension:quotas:delete")
    async with deps(request).db.writer() as s:
        await quotas.reset(s, request.path_params["target_id"])
    return empty(200)


async def limits(request: Request) -> Response:
    ctx = context(request)
    policy.reader(ctx, "limits_extension:used_limits")
    d = deps(request)
    project = ctx.project_id or ""
    asked = request.param("project_id")
    if asked and at_least(request, 39) and ctx.is_admin:
        # 3.39: an admin may read another project's limits.
        project = asked
    async with d.db.reader() as s:
        hard = await quotas.limits(s, d.cfg, project)
        used = await quotas.usage(s, project)
    absolute = {
        "maxTotalVolumes": hard["volumes"],
        "maxTotalSnapshots": hard["snapshots"],
        "maxTotalVolumeGigabytes": hard["gigabytes"],
        "maxTotalBackups": hard["backups"],
        "maxTotalBackupGigabytes": hard["backup_gigabytes"],
        "totalVolumesUsed": used["volumes"],
        "totalGigabytesUsed": used["gigabytes"],
        "totalSnapshotsUsed": used["snapshots"],
        "totalBackupsUsed": 0,
        "totalBackupGigabytesUsed": 0,
    }
    return json_response({"limits": {"rate": [], "absolute": absolute}})
