"""/v2.0/agents (admin only, as Neutron: others list none and find none) and
/v2.0/availability_zones (everyone)."""

from __future__ import annotations

from pocketstack.network import faults, policy, schemas
from pocketstack.network.deps import Deps
from pocketstack.network.handlers.common import body_of, many, one
from pocketstack.network.objects import agents
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty


def _visible(request: Request) -> str:
    """The agent id of the path, if the caller may see agents at all (404 otherwise, as
    Neutron hides what its policy does not let one show)."""
    agent_id = request.path_params["agent_id"]
    if not policy.allowed(request.context, "get_agent"):
        raise faults.not_found("Agent", agent_id)
    return agent_id


async def index(deps: Deps, request: Request) -> Response:
    found = await agents.listing(deps.db) if policy.allowed(request.context, "get_agent") else []
    return many(request, "agents", "Agent", found)


async def show(deps: Deps, request: Request) -> Response:
    return one(request, "agent", await agents.get(deps.db, _visible(request)))


async def update(deps: Deps, request: Request) -> Response:
    agent_id = _visible(request)
    policy.enforce(request.context, "update_agent")
    attrs = await body_of(request, "agent", schemas.AGENT_UPDATE)
    return one(request, "agent", await agents.update(deps.db, agent_id, attrs))


async def delete(deps: Deps, request: Request) -> Response:
    agent_id = _visible(request)
    policy.enforce(request.context, "delete_agent")
    await agents.delete_agent(deps.db, agent_id)
    return empty()


async def zones(deps: Deps, request: Request) -> Response:
    return many(request, "availability_zones", "AvailabilityZone", await agents.zones(deps.db))
