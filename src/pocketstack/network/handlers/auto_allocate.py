"""/v2.0/auto-allocated-topology/{project_id}"""

from __future__ import annotations

from pocketstack.network import policy
from pocketstack.network.deps import Deps
from pocketstack.network.objects import auto_allocate
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


async def show(deps: Deps, request: Request) -> Response:
    ctx = request.context
    project_id = request.path_params["project_id"]
    policy.enforce(ctx, "get_auto_allocated_topology", policy.owned(project_id))
    # The first GET builds the topology: that takes the right to create a network there.
    policy.enforce(ctx, "create_network", policy.owned(project_id))
    topology = await auto_allocate.get_or_create(deps.db, ctx, project_id)
    return json_response({"auto_allocated_topology": topology})
