"""Read-through cache of identity rows by primary key.

Token re-scoping and rendering look up the same few users, projects and domains on every
request; serving them from memory keeps those paths free of database round-trips. Any
identity write calls ``IdentityService.changed()``, which drops the whole cache. (When
identity runs as several processes, that invalidation will have to travel over the bus.)
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from pocketstack.db import Database

T = TypeVar("T")
MAX_ROWS = 50_000


class EntityCache:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._rows: dict[tuple[type, str], Any] = {}

    def clear(self) -> None:
        self._rows.clear()

    async def get(self, model: type[T], ident: str | None) -> T | None:
        if ident is None:
            return None
        key = (model, ident)
        if key in self._rows:
            return self._rows[key]  # type: ignore[no-any-return]
        async with self.db.reader() as s:
            row = await s.get(model, ident)
        if len(self._rows) >= MAX_ROWS:
            self._rows.clear()
        self._rows[key] = row
        return row

    async def by_name(self, model: type[T], name: str, domain_id: str | None = None) -> T | None:
        """The row named ``name`` (within ``domain_id`` for models that live in a domain)."""
        key = (model, f"name:{domain_id}:{name}")
        if key in self._rows:
            return self._rows[key]  # type: ignore[no-any-return]
        query = select(model).where(model.name == name)  # type: ignore[attr-defined]
        if domain_id is not None:
            query = query.where(model.domain_id == domain_id)  # type: ignore[attr-defined]
        async with self.db.reader() as s:
            row = (await s.scalars(query)).first()
        if len(self._rows) >= MAX_ROWS:
            self._rows.clear()
        self._rows[key] = row
        return row
