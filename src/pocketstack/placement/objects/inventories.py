"""Inventories: what a provider has of each resource class, and how it may be consumed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common import errors as e
from pocketstack.common.timeutils import utcnow
from pocketstack.placement.objects import names, providers
from pocketstack.placement.objects.tables import INV, RC

MAX_INT = 2147483647
FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")
DEFAULTS: dict[str, Any] = {"reserved": 0, "min_unit": 1, "max_unit": MAX_INT, "step_size": 1, "allocation_ratio": 1.0}


@dataclass
class Inventory:
    resource_class: str
    total: int
    reserved: int
    min_unit: int
    max_unit: int
    step_size: int
    allocation_ratio: float
    used: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS}

    @property
    def capacity(self) -> int:
        return int((self.total - self.reserved) * self.allocation_ratio)


def build(resource_class: str, data: dict[str, Any], *, reserved_may_equal_total: bool) -> Inventory:
    """An inventory from request fields (defaults applied), checked for consistency."""
    values = {**DEFAULTS, **{k: v for k, v in data.items() if k in FIELDS}}
    inv = Inventory(resource_class=resource_class, **values)
    if inv.reserved > inv.total or (inv.reserved == inv.total and not reserved_may_equal_total):
        raise e.Invalid(
            f"Unable to update inventory for resource provider: Invalid inventory for '{resource_class}': "
            f"reserved {inv.reserved} must be less than total {inv.total}"
            + (" (or equal to it)" if reserved_may_equal_total else "")
            + "."
        )
    if inv.min_unit > inv.max_unit:
        raise e.Invalid(
            f"Invalid inventory for '{resource_class}': min_unit {inv.min_unit} is larger than max_unit {inv.max_unit}."
        )
    return inv


async def get_all(session: AsyncSession, provider_id: int) -> dict[str, Inventory]:
    rows = await session.execute(
        select(
            RC.c.name,
            INV.c.total,
            INV.c.reserved,
            INV.c.min_unit,
            INV.c.max_unit,
            INV.c.step_size,
            INV.c.allocation_ratio,
            INV.c.used,
        )
        .join(RC, RC.c.id == INV.c.resource_class_id)
        .where(INV.c.resource_provider_id == provider_id)
        .order_by(RC.c.name)
    )
    return {r[0]: Inventory(*r) for r in rows}


async def for_providers(session: AsyncSession, provider_ids: list[int]) -> dict[int, dict[str, Inventory]]:
    out: dict[int, dict[str, Inventory]] = {}
    for start in range(0, len(provider_ids), 5000):
        rows = await session.execute(
            select(
                INV.c.resource_provider_id,
                RC.c.name,
                INV.c.total,
                INV.c.reserved,
                INV.c.min_unit,
                INV.c.max_unit,
                INV.c.step_size,
                INV.c.allocation_ratio,
                INV.c.used,
            )
            .join(RC, RC.c.id == INV.c.resource_class_id)
            .where(INV.c.resource_provider_id.in_(provider_ids[start : start + 5000]))
        )
        for r in rows:
            out.setdefault(r[0], {})[r[1]] = Inventory(*r[1:])
    return out


async def replace_all(
    session: AsyncSession, provider: providers.Provider, generation: int, new: dict[str, Inventory]
) -> None:
    """Make the provider's inventory exactly ``new``; classes still in use cannot go."""
    await providers.bump(session, provider, generation)
    current = await get_all(session, provider.id)
    ids = await names.class_ids(session, new.keys(), what="resource class in inventory")
    gone = [rc for rc in current if rc not in new]
    busy = [rc for rc in gone if current[rc].used > 0]
    if busy:
        raise _in_use(provider.uuid, busy)
    if gone:
        gone_ids = await names.class_ids(session, gone)
        await session.execute(
            delete(INV).where(INV.c.resource_provider_id == provider.id, INV.c.resource_class_id.in_(gone_ids.values()))
        )
    for rc, inv in new.items():
        await _write(session, provider.id, ids[rc], inv, exists=rc in current)


async def set_one(
    session: AsyncSession, provider: providers.Provider, generation: int, inv: Inventory, *, must_exist: bool
) -> None:
    """Create (POST, must not exist) or update (PUT, must exist) one class's inventory."""
    await providers.bump(session, provider, generation)
    class_id = (await names.class_ids(session, [inv.resource_class], what="resource class in inventory"))[
        inv.resource_class
    ]
    current = await get_all(session, provider.id)
    if must_exist and inv.resource_class not in current:
        raise e.NotFound(f"No inventory of class {inv.resource_class} found for resource provider {provider.uuid}.")
    if not must_exist and inv.resource_class in current:
        raise e.Conflict(
            f"Update conflict: Inventory for '{inv.resource_class}' on resource provider "
            f"'{provider.uuid}' already exists."
        )
    await _write(session, provider.id, class_id, inv, exists=must_exist)


async def delete_one(session: AsyncSession, provider: providers.Provider, resource_class: str) -> None:
    current = await get_all(session, provider.id)
    if resource_class not in current:
        raise e.NotFound(f"No inventory of class {resource_class} found for delete.")
    if current[resource_class].used > 0:
        raise _in_use(provider.uuid, [resource_class])
    await providers.bump(session, provider, None)
    class_id = (await names.class_ids(session, [resource_class]))[resource_class]
    await session.execute(
        delete(INV).where(INV.c.resource_provider_id == provider.id, INV.c.resource_class_id == class_id)
    )


async def delete_all(session: AsyncSession, provider: providers.Provider) -> None:
    current = await get_all(session, provider.id)
    busy = [rc for rc, inv in current.items() if inv.used > 0]
    if busy:
        raise _in_use(provider.uuid, busy)
    await providers.bump(session, provider, None)
    await session.execute(delete(INV).where(INV.c.resource_provider_id == provider.id))


async def _write(session: AsyncSession, provider_id: int, class_id: int, inv: Inventory, *, exists: bool) -> None:
    values = {f: getattr(inv, f) for f in FIELDS}
    values["updated_at"] = utcnow()
    if exists:
        await session.execute(
            update(INV)
            .where(INV.c.resource_provider_id == provider_id, INV.c.resource_class_id == class_id)
            .values(values)
        )
    else:
        await session.execute(
            insert(INV).values(
                resource_provider_id=provider_id,
                resource_class_id=class_id,
                used=0,
                created_at=values["updated_at"],
                **values,
            )
        )


def _in_use(uuid: str, classes: list[str]) -> e.Conflict:
    return e.Conflict(
        f"Inventory for '{', '.join(sorted(classes))}' on resource provider '{uuid}' in use.",
        kind="placement.inventory.inuse",
    )
