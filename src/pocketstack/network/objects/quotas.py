"""Per-project quotas with Neutron's defaults; -1 means unlimited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.network import faults
from pocketstack.network.models import (
    FloatingIp,
    Network,
    Port,
    Quota,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)

DEFAULTS: dict[str, int] = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "subnetpool": -1,
    "rbac_policy": 10,
    "trunk": -1,
}

_COUNTED: dict[str, Any] = {
    "network": Network,
    "subnet": Subnet,
    "port": Port,
    "router": Router,
    "floatingip": FloatingIp,
    "security_group": SecurityGroup,
    "security_group_rule": SecurityGroupRule,
}


async def limits(session: AsyncSession, project_id: str) -> dict[str, int]:
    result = dict(DEFAULTS)
    rows = await session.scalars(select(Quota).where(Quota.project_id == project_id))
    for row in rows:
        result[row.resource] = row.hard_limit
    return result


async def usage(session: AsyncSession, project_id: str, resource: str) -> int:
    if resource not in _COUNTED:
        return 0
    return int(await session.scalar(select(_usage_query(project_id, resource))) or 0)


def _usage_query(project_id: str, resource: str) -> Any:
    model = _COUNTED[resource]
    stmt = select(func.count()).select_from(model).where(model.project_id == project_id)
    if model is Port:
        # The network's own DHCP port is the cloud's, not the user's.
        stmt = stmt.where(Port.device_owner != "network:dhcp")
    return stmt.scalar_subquery()


def check_columns(project_id: str, resource: str) -> list[Any]:
    """Scalar subqueries (limit, usage) to select along with other data; see ``verdict``."""
    limit_q = select(Quota.hard_limit).where(Quota.project_id == project_id, Quota.resource == resource)
    return [limit_q.scalar_subquery(), _usage_query(project_id, resource)]


def verdict(resource: str, values: Any, adding: int = 1) -> None:
    """Raise OverQuota if ``adding`` more would pass the limit; ``values`` = (limit, usage)."""
    limit = DEFAULTS[resource] if values[0] is None else int(values[0])
    if limit >= 0 and int(values[1] or 0) + adding > limit:
        raise faults.over_quota(resource)


async def check(session: AsyncSession, project_id: str, resource: str, adding: int = 1) -> None:
    """Raise OverQuota if ``adding`` more of ``resource`` would pass the project's limit."""
    # Limit and usage in one statement: this runs inside every create's write transaction.
    row = (await session.execute(select(*check_columns(project_id, resource)))).one()
    verdict(resource, row, adding)


async def details(session: AsyncSession, project_id: str) -> dict[str, dict[str, int]]:
    lim = await limits(session, project_id)
    return {r: {"limit": v, "used": await usage(session, project_id, r), "reserved": 0} for r, v in lim.items()}


async def set_limits(session: AsyncSession, project_id: str, values: dict[str, int]) -> dict[str, int]:
    for resource, value in values.items():
        row = await session.scalar(select(Quota).where(Quota.project_id == project_id, Quota.resource == resource))
        if row is None:
            session.add(Quota(project_id=project_id, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value
    await session.flush()
    return await limits(session, project_id)


async def reset(session: AsyncSession, project_id: str) -> None:
    await session.execute(delete(Quota).where(Quota.project_id == project_id))


async def projects_with_quotas(session: AsyncSession) -> list[str]:
    return sorted(set(await session.scalars(select(Quota.project_id))))
