"""Get-me-a-network (Nova's ``networks=auto``): the project's auto-allocated network,
created on first request with a subnet and, when the cloud has a default external
network, a router to it."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network.models import Network
from pocketstack.network.objects import networks, routers, subnets

NAME = "auto_allocated_network"
CIDR = "10.10.0.0/24"
# One creation at a time per project in this process, so two first requests make one network.
_locks: dict[str, asyncio.Lock] = {}


async def _existing(db: Database, project_id: str) -> str | None:
    async with db.reader() as session:
        return await session.scalar(
            select(Network.id).where(Network.project_id == project_id, Network.name == NAME).limit(1)
        )


async def get_or_create(db: Database, ctx: RequestContext, project_id: str) -> dict[str, Any]:
    lock = _locks.setdefault(project_id, asyncio.Lock())
    async with lock:
        network_id = await _existing(db, project_id)
        if network_id is None:
            network_id = await _create(db, ctx, project_id)
    return {"id": network_id, "project_id": project_id, "tenant_id": project_id}


async def _create(db: Database, ctx: RequestContext, project_id: str) -> str:
    internal = RequestContext.internal(ctx.request_id)
    net = await networks.create(db, internal, project_id, {"name": NAME, "description": "Auto-allocated network"})
    sub = await subnets.create(
        db,
        internal,
        project_id,
        {"network_id": net["id"], "cidr": CIDR, "ip_version": 4, "name": "auto_allocated_subnet"},
    )
    async with db.reader() as session:
        external = await session.scalar(
            select(Network.id).where(Network.external.is_(True), Network.is_default.is_(True)).limit(1)
        )
    if external is not None:
        router = await routers.create(
            db,
            internal,
            project_id,
            {"name": "auto_allocated_router", "external_gateway_info": {"network_id": external}},
        )
        await routers.add_interface(db, internal, router["id"], {"subnet_id": sub["id"]})
    return str(net["id"])
