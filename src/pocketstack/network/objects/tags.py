"""Tags on any resource with standard attributes (standard-attr-tag)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults
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

Loader = Callable[[AsyncSession, RequestContext, str], Awaitable[Any]]


async def _network(session: AsyncSession, ctx: RequestContext, ident: str) -> Any:
    return await networks.load_owned(session, ctx, ident, "update_network:tags")


async def _subnet(session: AsyncSession, ctx: RequestContext, ident: str) -> Any:
    sub = await subnets.load(session, ctx, ident)
    if not ctx.is_admin and sub.project_id != ctx.project_id:
        raise faults.forbidden("update_subnet:tags")
    return sub


async def _subnet_pool(session: AsyncSession, ctx: RequestContext, ident: str) -> Any:
    pool = await subnet_pools.load(session, ctx, ident)
    if not ctx.is_admin and pool.project_id != ctx.project_id:
        raise faults.forbidden("update_subnetpool:tags")
    return pool


LOADERS: dict[str, Loader] = {
    "networks": _network,
    "subnets": _subnet,
    "ports": ports.load,
    "security-groups": security_groups.load,
    "routers": routers.load,
    "floatingips": floating_ips.load,
    "subnetpools": _subnet_pool,
}


def check_tag(tag: str) -> None:
    if not tag or len(tag) > 255 or "," in tag or "/" in tag:
        raise faults.bad_input(
            "InvalidInput",
            f"Invalid input for operation: '{tag}' is not a valid tag (1 to 255 characters, no comma or slash).",
        )


async def get(db: Database, ctx: RequestContext, collection: str, ident: str) -> list[str]:
    async with db.reader() as session:
        row = await LOADERS[collection](session, ctx, ident)
        return list(row.tags or [])


async def change(
    db: Database, ctx: RequestContext, collection: str, ident: str, edit: Callable[[list[str]], list[str]]
) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        row = await LOADERS[collection](session, ctx, ident)
        row.tags = edit(list(row.tags or []))
        row.revision_number += 1
        return list(row.tags)

    return await txn.write(db, work)
