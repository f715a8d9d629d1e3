"""Core table handles: the objects work in SQLAlchemy Core for speed and plain SQL shapes."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from pocketstack.placement import models

RP = cast(Table, models.ResourceProvider.__table__)
INV = cast(Table, models.Inventory.__table__)
RC = cast(Table, models.ResourceClass.__table__)
TRAIT = cast(Table, models.Trait.__table__)
RP_TRAIT = cast(Table, models.ProviderTrait.__table__)
RP_AGG = cast(Table, models.ProviderAggregate.__table__)
CONSUMER = cast(Table, models.Consumer.__table__)
ALLOC = cast(Table, models.Allocation.__table__)
