"""os-simple-tenant-usage: what each project's servers used over a period (``openstack
usage list/show``): hours, and vCPU, memory and local disk hours.

A server counts for the part of its life (launched_at .. terminated_at, or now) inside
the period; deleted servers still count for the time they ran. One query selects the
servers overlapping the period (its filters on launch and termination times); from
2.40 the listing pages over servers (``limit``/``marker``, ``tenant_usages_links``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone, parse_iso, utcnow
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, limit_param, next_link, service
from pocketstack.compute.models import ComputeService, Instance
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


def _when(request: Request, name: str, default: dt.datetime) -> dt.datetime:
    raw = request.param(name)
    if raw is None:
        return default
    try:
        return parse_iso(raw)
    except ValueError:
        raise Invalid(
            f"Invalid {name} time {raw!r}: expected an ISO 8601 timestamp such as 2026-11-01T00:00:00"
        ) from None


def _period(request: Request) -> tuple[dt.datetime, dt.datetime]:
    now = utcnow()
    start, end = _when(request, "start", now), _when(request, "end", now)
    if start > end:
        raise Invalid("Invalid start time. The start time cannot occur after the end time.")
    return start, end


def _server_usage(inst: Instance, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    launched = inst.launched_at or inst.created_at
    stopped = inst.terminated_at or min(end, now)
    seconds = max(0.0, (min(stopped, end) - max(launched, start)).total_seconds())
    flavor = inst.flavor or {}
    local_gb = int(flavor.get("root_gb") or 0) + int(flavor.get("ephemeral_gb") or 0)
    return {
        "instance_id": inst.uuid,
        "name": inst.name,
        "tenant_id": inst.project_id,
        "hours": seconds / 3600.0,
        "vcpus": inst.vcpus,
        "memory_mb": inst.memory_mb,
        "local_gb": local_gb,
        "flavor": flavor.get("name") or inst.flavor_id,
        "started_at": iso_nozone(launched),
        "ended_at": iso_nozone(inst.terminated_at),
        "state": "terminated" if inst.deleted else inst.vm_state,
        "uptime": int(((inst.terminated_at or now) - launched).total_seconds()),
    }


def _tenant(
    project_id: str, usages: list[dict[str, Any]], start: dt.datetime, end: dt.datetime, detailed: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tenant_id": project_id,
        "start": iso_nozone(start),
        "stop": iso_nozone(end),
        "total_hours": sum(u["hours"] for u in usages),
        "total_vcpus_usage": sum(u["hours"] * u["vcpus"] for u in usages),
        "total_memory_mb_usage": sum(u["hours"] * u["memory_mb"] for u in usages),
        "total_local_gb_usage": sum(u["hours"] * u["local_gb"] for u in usages),
    }
    if detailed:
        out["server_usages"] = usages
    return out


async def _instances(
    request: Request, start: dt.datetime, end: dt.datetime, project_id: str | None, limit: int | None
) -> list[Instance]:
    query = select(Instance).where(
        or_(Instance.launched_at <= end, Instance.launched_at.is_(None) & (Instance.created_at <= end)),
        or_(Instance.terminated_at.is_(None), Instance.terminated_at >= start),
    )
    if project_id is not None:
        query = query.where(Instance.project_id == project_id)
    marker = request.param("marker") if at_least(request, 40) else None
    if marker:
        query = query.where(Instance.uuid > marker)
    query = query.order_by(Instance.uuid)
    if limit is not None:
        query = query.limit(limit)
    async with service(request).db.reader() as s:
        return list(await s.scalars(query))


def _limit(request: Request) -> int | None:
    return limit_param(request) if at_least(request, 40) else None


async def index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-simple-tenant-usage:list")
    start, end = _period(request)
    detailed = request.param("detailed") in ("1", "true", "True")
    limit = _limit(request)
    rows = await _instances(request, start, end, None, limit)
    now = utcnow()
    by_project: dict[str, list[dict[str, Any]]] = {}
    for inst in rows:
        by_project.setdefault(inst.project_id, []).append(_server_usage(inst, start, end, now))
    body: dict[str, Any] = {
        "tenant_usages": [_tenant(p, u, start, end, detailed) for p, u in sorted(by_project.items())]
    }
    if limit and len(rows) == limit:
        body["tenant_usages_links"] = next_link(request, "os-simple-tenant-usage", rows[-1].uuid)
    return json_response(body)


async def show(request: Request) -> Response:
    ctx = request.context
    project_id = request.path_params["tenant_id"]
    if not project_id:  # .../os-simple-tenant-usage/ : Nova's routes match no empty id
        raise NotFound("The resource could not be found.")
    policy.reader(ctx, "os_compute_api:os-simple-tenant-usage:show")
    if not ctx.is_admin and ctx.project_id != project_id:
        policy.admin(ctx, "os_compute_api:os-simple-tenant-usage:show")
    start, end = _period(request)
    limit = _limit(request)
    rows = await _instances(request, start, end, project_id, limit)
    now = utcnow()
    usages = [_server_usage(inst, start, end, now) for inst in rows]
    body: dict[str, Any] = {"tenant_usage": _tenant(project_id, usages, start, end, True) if usages else {}}
    if limit and len(rows) == limit:
        body["tenant_usage_links"] = next_link(request, f"os-simple-tenant-usage/{project_id}", rows[-1].uuid)
    return json_response(body)


# os-instance_usage_audit_log: the reports of Nova's periodic instance usage audit. That
# audit is off unless configured (instance_usage_audit) and pocketstack has none, so for
# any period every compute host is reported as not run, with no log, as Nova reports it.


def _audit_period(before: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The last whole month ending at or before ``before`` (Nova's default audit period)."""
    end = before.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    begin = (end - dt.timedelta(days=1)).replace(day=1)
    return begin, end


async def _audit_log(request: Request, before: dt.datetime) -> dict[str, Any]:
    async with service(request).db.reader() as s:
        hosts = sorted(set(await s.scalars(select(ComputeService.host).where(ComputeService.binary == "nova-compute"))))
    begin, end = _audit_period(before)
    return {
        "hosts_not_run": hosts,
        "log": {},
        "num_hosts": len(hosts),
        "num_hosts_done": 0,
        "num_hosts_not_run": len(hosts),
        "num_hosts_running": 0,
        "overall_status": f"0 of {len(hosts)} hosts done. 0 errors.",
        "period_beginning": str(begin),
        "period_ending": str(end),
        "total_errors": 0,
        "total_instances": 0,
    }


async def audit_log_index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-instance-usage-audit-log:list")
    return json_response({"instance_usage_audit_logs": await _audit_log(request, utcnow())})


async def audit_log_show(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-instance-usage-audit-log:show")
    raw = request.path_params["before_timestamp"]
    try:
        before = dt.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S.%f" if "." in raw else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Invalid("Invalid timestamp for date: expected 'YYYY-MM-DD hh:mm:ss[.ffffff]'") from None
    return json_response({"instance_usage_audit_log": await _audit_log(request, before)})
