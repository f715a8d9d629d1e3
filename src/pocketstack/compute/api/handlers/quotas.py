"""Limits (GET /limits) and quota sets (os-quota-sets)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body
from pocketstack.compute.api.common import db as _db
from pocketstack.compute.objects import quotas
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


async def limits(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:limits")
    project_id = ctx.project_id or ""
    wanted = request.param("tenant_id")
    if wanted and wanted != project_id:
        policy.admin(ctx, "os_compute_api:limits:other_project")
        project_id = wanted
    db = _db(request)
    hard = await quotas.limits(db, project_id)
    async with db.reader() as s:
        used = await quotas.usage(s, project_id)
    absolute: dict[str, Any] = {
        "maxServerMeta": hard["metadata_items"],
        "maxTotalKeypairs": hard["key_pairs"],
        "maxServerGroups": hard["server_groups"],
        "maxServerGroupMembers": hard["server_group_members"],
        "maxTotalCores": hard["cores"],
        "maxTotalInstances": hard["instances"],
        "maxTotalRAMSize": hard["ram"],
        "totalCoresUsed": used["cores"],
        "totalInstancesUsed": used["instances"],
        "totalRAMUsed": used["ram"],
        "totalServerGroupsUsed": used["server_groups"],
    }
    if not at_least(request, 57):
        absolute.update(
            {"maxPersonality": hard["injected_files"], "maxPersonalitySize": hard["injected_file_content_bytes"]}
        )
    if not at_least(request, 39):
        absolute["maxImageMeta"] = hard["metadata_items"]
    if not at_least(request, 36):
        legacy = {**quotas.LEGACY_NETWORK, **hard}
        absolute.update(
            {
                "maxSecurityGroups": legacy["security_groups"],
                "maxSecurityGroupRules": legacy["security_group_rules"],
                "maxTotalFloatingIps": legacy["floating_ips"],
                "totalFloatingIpsUsed": 0,
                "totalSecurityGroupsUsed": 0,
            }
        )
    result: dict[str, Any] = {"absolute": absolute}
    if not at_least(request, 39):
        result["rate"] = []
    return json_response({"limits": result})


def _visible(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys the request's microversion no longer shows; add the legacy ones."""
    shown = dict(values)
    if at_least(request, 57):
        for key in quotas.INJECTED:
            shown.pop(key, None)
    for key, default in quotas.LEGACY_NETWORK.items():
        if at_least(request, 36):
            shown.pop(key, None)
        else:
            shown.setdefault(key, default)
    return shown


def _authorize_project(request: Request) -> str:
    ctx = request.context
    project_id = request.path_params["project_id"]
    if project_id != ctx.project_id:
        policy.admin(ctx, "os_compute_api:os-quota-sets:show")
    else:
        policy.reader(ctx, "os_compute_api:os-quota-sets:show")
    return project_id


async def show(request: Request) -> Response:
    project_id = _authorize_project(request)
    hard = await quotas.limits(_db(request), project_id)
    return json_response({"quota_set": {"id": project_id, **_visible(request, hard)}})


async def detail(request: Request) -> Response:
    project_id = _authorize_project(request)
    db = _db(request)
    hard = await quotas.limits(db, project_id)
    async with db.reader() as s:
        used = await quotas.usage(s, project_id, request.context.user_id)
    shown = _visible(request, hard)
    detailed = {k: {"limit": v, "in_use": used.get(k, 0), "reserved": 0} for k, v in shown.items()}
    return json_response({"quota_set": {"id": project_id, **detailed}})


async def defaults(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-quota-sets:defaults")
    hard = await quotas.class_limits(_db(request), "default")
    return json_response({"quota_set": {"id": request.path_params["project_id"], **_visible(request, hard)}})


async def update(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-quota-sets:update")
    data = validate(schemas.QUOTA_UPDATE, await body(request))["quota_set"]
    data.pop("force", None)
    legacy = (set(quotas.LEGACY_NETWORK) if at_least(request, 36) else set()) | (
        set(quotas.INJECTED) if at_least(request, 57) else set()
    )
    known = set(quotas.DEFAULTS) | set(quotas.LEGACY_NETWORK)
    bad = sorted(k for k in data if k in legacy or k not in known)
    if bad:
        raise Invalid(
            f"Invalid input for field/attribute quota_set. Additional properties are not allowed "
            f"({', '.join(repr(b) for b in bad)} {'was' if len(bad) == 1 else 'were'} unexpected)"
        )
    values = {k: schemas.bounded_int(k, v) for k, v in data.items()}
    hard = await quotas.set_limits(_db(request), request.path_params["project_id"], values)
    return json_response({"quota_set": _visible(request, hard)})


async def delete(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-quota-sets:delete")
    await quotas.reset(_db(request), request.path_params["project_id"])
    return empty(202)


def _class_visible(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """A quota class as each microversion shows it: the server group quotas only from
    2.50, which also dropped the nova-network ones; injected files gone from 2.57."""
    shown = _visible(request, values)
    if not at_least(request, 50):
        shown.pop("server_groups", None)
        shown.pop("server_group_members", None)
        shown.update({k: values.get(k, v) for k, v in quotas.LEGACY_NETWORK.items()})
    return shown


async def class_show(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-quota-class-sets:show")
    name = request.path_params["class_name"]
    hard = await quotas.class_limits(_db(request), name)
    return json_response({"quota_class_set": {"id": name, **_class_visible(request, hard)}})


async def class_update(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-quota-class-sets:update")
    name = request.path_params["class_name"]
    data = await body(request, "quota_class_set")
    data = validate(schemas.QUOTA_UPDATE, {"quota_set": data["quota_class_set"]})["quota_set"]
    allowed = set(_class_visible(request, {**quotas.DEFAULTS, **quotas.LEGACY_NETWORK}))
    bad = sorted(k for k in data if k not in allowed)
    if bad:
        raise Invalid(
            f"Invalid input for field/attribute quota_class_set. Additional properties are not allowed "
            f"({', '.join(repr(b) for b in bad)} {'was' if len(bad) == 1 else 'were'} unexpected)"
        )
    hard = await quotas.set_class_limits(_db(request), name, {k: schemas.bounded_int(k, v) for k, v in data.items()})
    return json_response({"quota_class_set": _class_visible(request, hard)})
