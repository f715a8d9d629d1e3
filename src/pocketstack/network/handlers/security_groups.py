"""/v2.0/security-groups and /v2.0/security-group-rules"""

from __future__ import annotations

from pocketstack.network import policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import security_groups
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty


async def index(deps: Deps, request: Request) -> Response:
    items = await security_groups.listing(deps.db, request.context)
    return many(request, "security_groups", "SecurityGroup", items)


async def show(deps: Deps, request: Request) -> Response:
    sg = await security_groups.get(deps.db, request.context, request.path_params["security_group_id"])
    return one(request, "security_group", sg)


async def create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "security_group", schemas.SECURITY_GROUP_CREATE)
    project = policy.owner_project(ctx, "create_security_group", attrs)
    policy.enforce(ctx, "create_security_group", policy.owned(project))
    return one(request, "security_group", await security_groups.create(deps.db, ctx, project, attrs), 201)


async def update(deps: Deps, request: Request) -> Response:
    ctx = request.context
    attrs = await body_of(request, "security_group", schemas.SECURITY_GROUP_UPDATE)
    sg = await security_groups.update(deps.db, ctx, request.path_params["security_group_id"], attrs)
    return one(request, "security_group", sg)


async def delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    changed = await security_groups.delete_group(deps.db, ctx, request.path_params["security_group_id"])
    for sg_id in changed:
        # Their rules naming the deleted group went with it: the hosts refresh those firewalls.
        await deps.binder.security_group_changed(ctx, sg_id)
    return empty()


async def rule_index(deps: Deps, request: Request) -> Response:
    items = await security_groups.list_rules(deps.db, request.context)
    return many(request, "security_group_rules", "SecurityGroupRule", items)


async def rule_show(deps: Deps, request: Request) -> Response:
    rule = await security_groups.get_rule(deps.db, request.context, request.path_params["rule_id"])
    return one(request, "security_group_rule", rule)


async def rule_create(deps: Deps, request: Request) -> Response:
    ctx = request.context
    # create_security_group_rule is checked against the group's owner (objects.security_groups).
    attrs = await body_of(request, "security_group_rule", schemas.RULE_CREATE)
    project = policy.owner_project(ctx, "create_security_group_rule", attrs)
    rule = await security_groups.create_rule(deps.db, ctx, project, attrs)
    await deps.binder.security_group_changed(ctx, rule["security_group_id"])
    return one(request, "security_group_rule", rule, 201)


async def rule_delete(deps: Deps, request: Request) -> Response:
    ctx = request.context
    sg_id = await security_groups.delete_rule(deps.db, ctx, request.path_params["rule_id"])
    await deps.binder.security_group_changed(ctx, sg_id)
    return empty()
