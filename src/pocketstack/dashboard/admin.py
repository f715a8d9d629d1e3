"""Admin pages (the admin role): every project's instances, hypervisors with their
usage, compute services and network agents with their up/down state. The API decides
too (a non-admin's token is refused there); the dashboard answers 403 before asking."""

from __future__ import annotations

import asyncio

from pocketstack.client import ApiError
from pocketstack.dashboard.app import PREFIX, Call, Forbidden, redirect
from pocketstack.dashboard.instances import addresses
from pocketstack.web.response import Response


def require_admin(call: Call) -> None:
    if call.session is None or not call.session.token.is_admin:
        raise Forbidden("This page needs the admin role.")


async def overview(call: Call, error: str = "", status: int = 200) -> Response:
    require_admin(call)
    api = call.api
    down: list[str] = []

    async def safely(service: str, work: object) -> list[dict[str, object]]:
        try:
            return await work  # type: ignore[misc,no-any-return]
        except ApiError as exc:
            if exc.unauthorized:
                raise
            down.append(f"{service}: {exc.message}")
            return []

    hypervisors, services, agents, servers, projects, users = await asyncio.gather(
        safely("compute", api.compute.hypervisors()),
        safely("compute", api.compute.services()),
        safely("network", api.network.agents()),
        safely("compute", api.compute.servers(all_tenants=1, limit=200)),
        safely("identity", api.identity.projects()),
        safely("identity", api.identity.users()),
    )
    roles, assignments, groups = await asyncio.gather(
        safely("identity", api.identity.roles()),
        safely("identity", api.identity.role_assignments()),
        safely("identity", api.identity.groups()),
    )
    flavors, aggregates, zones, types = await asyncio.gather(
        safely("compute", api.compute.flavors()),
        safely("compute", api.compute.aggregates()),
        safely("compute", api.compute.availability_zones()),
        safely("volume", api.volume.types()),
    )
    try:
        defaults = await api.compute.default_quotas(api.token.project_id or "")
    except ApiError as exc:
        if exc.unauthorized:
            raise
        defaults = {}
    names = {str(p["id"]): str(p["name"]) for p in projects}
    return call.render(
        "admin.mako",
        status=status,
        error=error,
        active="admin",
        down=down,
        hypervisors=hypervisors,
        services=services,
        agents=agents,
        servers=servers,
        addresses=addresses,
        projects=projects,
        users=users,
        names=names,
        flavors=flavors,
        roles=roles,
        groups=groups,
        assignments=assignments,
        aggregates=aggregates,
        zones=zones,
        volume_types=types,
        defaults={k: v for k, v in defaults.items() if k != "id"},
    )


async def show(call: Call) -> Response:
    return await overview(call)


async def grant(call: Call) -> Response:
    """Give a user a role on a project, or take it away (``revoke``)."""
    require_admin(call)
    project, user, role = call.field("project_id"), call.field("user_id"), call.field("role_id")
    if not (project and user and role):
        return await overview(call, "Choose a project, a user and a role.", 400)
    identity = call.api.identity
    try:
        if call.field("revoke"):
            await identity.revoke_grant(project, user, role)
        else:
            await identity.grant(project, user, role)
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await overview(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/admin")
