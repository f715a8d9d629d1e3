"""SQL predicates on a provider, shared by provider listing and allocation candidates.

Each returns a correlated EXISTS (or its negation) so the database probes the
indexes per provider instead of materialising big id lists in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, true

from pocketstack.placement.objects.tables import INV, RP_AGG, RP_TRAIT


@dataclass
class TraitFilter:
    """``required``: all of these; ``any_of``: at least one of each set; ``forbidden``: none."""

    required: set[int] = field(default_factory=set)
    any_of: list[set[int]] = field(default_factory=list)
    forbidden: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.required or self.any_of or self.forbidden)


@dataclass
class AggregateFilter:
    """Each set in ``any_of`` must match at least one aggregate; ``forbidden``: none may."""

    any_of: list[set[str]] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.any_of or self.forbidden)


def has_trait(provider_id: Any, trait_ids: Iterable[int]) -> ColumnElement[bool]:
    ids = list(trait_ids)
    return exists().where(RP_TRAIT.c.resource_provider_id == provider_id, RP_TRAIT.c.trait_id.in_(ids))


def traits_clause(provider_id: Any, f: TraitFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [has_trait(provider_id, [t]) for t in sorted(f.required)]
    clauses += [has_trait(provider_id, group) for group in f.any_of]
    if f.forbidden:
        clauses.append(~has_trait(provider_id, f.forbidden))
    return clauses


def aggregates_clause(provider_id: Any, root_id: Any | None, f: AggregateFilter) -> list[ColumnElement[bool]]:
    """A provider belongs to an aggregate if it, or the root of its tree, is associated."""
    owners = RP_AGG.c.resource_provider_id == provider_id
    if root_id is not None:
        owners = or_(owners, RP_AGG.c.resource_provider_id == root_id)
    clauses: list[ColumnElement[bool]] = []
    for group in f.any_of:
        clauses.append(exists().where(owners, RP_AGG.c.aggregate_uuid.in_(sorted(group))) if group else false())
    if f.forbidden:
        clauses.append(~exists().where(owners, RP_AGG.c.aggregate_uuid.in_(sorted(f.forbidden))))
    return clauses


def capacity_left() -> ColumnElement[Any]:
    """What an inventory can still give: (total - reserved) * allocation_ratio - used."""
    return (INV.c.total - INV.c.reserved) * INV.c.allocation_ratio - INV.c.used


def fits(amount: int) -> ColumnElement[bool]:
    """The inventory row (INV) can take ``amount`` more units in one allocation."""
    return and_(
        capacity_left() >= amount,
        INV.c.min_unit <= amount,
        INV.c.max_unit >= amount,
        (amount % INV.c.step_size) == 0,
    )


def has_capacity(provider_id: Any, class_id: int, amount: int) -> ColumnElement[bool]:
    return exists().where(INV.c.resource_provider_id == provider_id, INV.c.resource_class_id == class_id, fits(amount))


def all_of(clauses: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(*clauses) if clauses else true()
