"""Placement's schema names fit every database it runs on."""

from __future__ import annotations

from pocketstack.placement import models

# PostgreSQL's identifier limit (MariaDB allows 64).
MAX_IDENTIFIER = 63


def test_every_constraint_and_index_name_fits_postgresql() -> None:
    too_long = [
        str(item.name)
        for table in models.Base.metadata.tables.values()
        for item in [*table.constraints, *table.indexes]
        if item.name is not None and len(str(item.name)) > MAX_IDENTIFIER
    ]
    assert not too_long, f"names longer than {MAX_IDENTIFIER} characters: {too_long}"


def test_foreign_keys_have_explicit_short_names() -> None:
    names = {str(fk.name) for table in models.Base.metadata.tables.values() for fk in table.foreign_key_constraints}
    assert "fk_placement_rp_parent" in names
    assert all(n.startswith("fk_placement_") for n in names), names
