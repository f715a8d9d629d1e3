"""Clusters (3.7+, admin): this cloud runs no clustered services (every service's
``cluster`` is null), so the lists are empty and a named cluster is not found."""

from __future__ import annotations

from pocketstack.common.errors import NotFound
from pocketstack.volume.api import policy
from pocketstack.volume.api.common import context, require
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response


async def index(request: Request) -> Response:
    require(request, 7)
    policy.admin(context(request), "clusters:get_all")
    return json_response({"clusters": []})


async def show(request: Request) -> Response:
    require(request, 7)
    policy.admin(context(request), "clusters:get")
    raise NotFound(f"Cluster {request.path_params['cluster']} could not be found.")


async def update(request: Request) -> Response:
    require(request, 7)
    policy.admin(context(request), "clusters:update")
    data = await request.json()
    name = data.get("name") if isinstance(data, dict) else None
    raise NotFound(f"Cluster {name} could not be found.")
