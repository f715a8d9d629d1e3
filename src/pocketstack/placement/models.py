"""Placement's tables (all prefixed ``placement_``).

Two choices made for speed at 10,000 providers:

* ``placement_inventories.used`` keeps the sum of the allocations against that
  inventory, maintained in the same transaction as every allocation write. Candidate
  queries then filter capacity with plain column arithmetic on one indexed table
  instead of aggregating the whole allocations table per request.
* providers carry ``root_provider_id`` so a whole tree is one indexed equality.

Foreign keys carry short explicit names: the naming convention's
``fk_<table>_<column>_<referred table>`` runs past PostgreSQL's 63 and MariaDB's 64
character limits for these long table names. The migration uses the same names.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ResourceClass(Base):
    __tablename__ = "placement_resource_classes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Trait(Base):
    __tablename__ = "placement_traits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class ResourceProvider(Base):
    __tablename__ = "placement_resource_providers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    parent_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement_resource_providers.id", name="fk_placement_rp_parent"), nullable=True, index=True
    )
    root_provider_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Inventory(Base):
    __tablename__ = "placement_inventories"
    __table_args__ = (
        UniqueConstraint("resource_provider_id", "resource_class_id"),
        Index("ix_placement_inventories_rc_rp", "resource_class_id", "resource_provider_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_providers.id", ondelete="CASCADE", name="fk_placement_inv_rp"), nullable=False
    )
    resource_class_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_classes.id", name="fk_placement_inv_rc"), nullable=False
    )
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    min_unit: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_unit: Mapped[int] = mapped_column(Integer, nullable=False)
    step_size: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    allocation_ratio: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    # Sum of allocations against this inventory (see the module docstring).
    used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Consumer(Base):
    __tablename__ = "placement_consumers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    project_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    consumer_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Allocation(Base):
    __tablename__ = "placement_allocations"
    __table_args__ = (Index("ix_placement_allocations_rp_rc", "resource_provider_id", "resource_class_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consumer_id: Mapped[int] = mapped_column(
        ForeignKey("placement_consumers.id", ondelete="CASCADE", name="fk_placement_alloc_consumer"),
        nullable=False,
        index=True,
    )
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_providers.id", name="fk_placement_alloc_rp"), nullable=False
    )
    resource_class_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_classes.id", name="fk_placement_alloc_rc"), nullable=False
    )
    used: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class ProviderTrait(Base):
    __tablename__ = "placement_provider_traits"
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_providers.id", ondelete="CASCADE", name="fk_placement_rp_traits_rp"),
        primary_key=True,
    )
    trait_id: Mapped[int] = mapped_column(
        ForeignKey("placement_traits.id", name="fk_placement_rp_traits_trait"), primary_key=True, index=True
    )


class ProviderAggregate(Base):
    __tablename__ = "placement_provider_aggregates"
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_resource_providers.id", ondelete="CASCADE", name="fk_placement_rp_aggs_rp"),
        primary_key=True,
    )
    aggregate_uuid: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
