"""Tags on any resource with standard attributes (standard-attr-tag)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, policy
from pocketstack.network.models import Network
from pocketstack.network.objects import (
    floating_ips,
    networks,
    ports,
    routers,
    security_groups,
    subnet_pools,
    subnets,
    txn,
)

# A loader finds the resource the caller may see (404 otherwise) and its policy target.
Loader = Callable[[AsyncSession, RequestContext, str], Awaitable[tuple[Any, dict[str, Any]]]]


async def _network(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    net = await networks.load(session, ctx, ident)
    return net, networks.target(net)


async def _subnet(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    sub = await subnets.load(session, ctx, ident)
    return sub, policy.on_network(sub.project_id, await session.get(Network, sub.network_id))


async def _port(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    port = await ports.load(session, ctx, ident)
    return port, ports.target(port, await session.get(Network, port.network_id))


async def _security_group(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    sg = await security_groups.load(session, ctx, ident)
    return sg, security_groups.target(sg)


async def _router(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    router = await routers.load(session, ctx, ident)
    return router, policy.owned(router.project_id)


async def _floating_ip(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    fip = await floating_ips.load(session, ctx, ident)
    return fip, policy.owned(fip.project_id)


async def _subnet_pool(session: AsyncSession, ctx: RequestContext, ident: str) -> tuple[Any, dict[str, Any]]:
    pool = await subnet_pools.load(session, ctx, ident)
    return pool, subnet_pools.target(pool)


# Collection -> (the resource's name in its tag rules, e.g. update_network:tags; loader).
LOADERS: dict[str, tuple[str, Loader]] = {
    "networks": ("network", _network),
    "subnets": ("subnet", _subnet),
    "ports": ("port", _port),
    "security-groups": ("security_group", _security_group),
    "routers": ("router", _router),
    "floatingips": ("floatingip", _floating_ip),
    "subnetpools": ("subnetpool", _subnet_pool),
}


def check_tag(tag: str) -> None:
    if not tag or len(tag) > 255 or "," in tag or "/" in tag:
        raise faults.bad_input(
            "InvalidInput",
            f"Invalid input for operation: '{tag}' is not a valid tag (1 to 255 characters, no comma or slash).",
        )


async def _load(session: AsyncSession, ctx: RequestContext, collection: str, ident: str, verb: str) -> Any:
    """The resource, once ``{verb}_{resource}:tags`` (get, update, delete) allows it."""
    name, loader = LOADERS[collection]
    row, target = await loader(session, ctx, ident)
    policy.enforce(ctx, f"{verb}_{name}:tags", target)
    return row


async def get(db: Database, ctx: RequestContext, collection: str, ident: str) -> list[str]:
    async with db.reader() as session:
        row = await _load(session, ctx, collection, ident, "get")
        return list(row.tags or [])


async def change(
    db: Database,
    ctx: RequestContext,
    collection: str,
    ident: str,
    edit: Callable[[list[str]], list[str]],
    verb: str = "update",
) -> list[str]:
    """Edit the tags; ``verb``: update (PUT) or delete (DELETE), as Neutron names the rule."""

    async def work(session: AsyncSession) -> list[str]:
        row = await _load(session, ctx, collection, ident, verb)
        row.tags = edit(list(row.tags or []))
        row.revision_number += 1
        return list(row.tags)

    return await txn.write(db, work)
