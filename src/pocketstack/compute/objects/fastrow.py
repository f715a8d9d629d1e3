"""One-row reads on the hottest path (GET /servers/{id}, polled many times per launch)
straight through the SQLite driver.

SQLAlchemy's per-statement work (cache key, compiled-statement lookup, result
processing) costs several times the SQLite query itself. Here the statement is compiled
once, runs as one driver call on a pooled connection, and the row's values are
converted as SQLAlchemy's types would (JSON decoded, 0/1 to booleans, text to
datetimes). Other databases, or a SQLite driver without ``execute_fetchall``, take the
ordinary Core path with the same statement, so both give the same values.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, DateTime, Select
from sqlalchemy.ext.asyncio import AsyncConnection


def _json(value: Any) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # what orjson refuses (NaN, huge integers) json accepts
        return json.loads(value)


def _datetime(value: Any) -> Any:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return _json
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, DateTime):
        return _datetime
    return None


class FastRow:
    """A prebuilt single-parameter ``select`` and the way to read its first row; rows
    are named tuples with the select's labels as attributes (like SQLAlchemy's Row)."""

    def __init__(self, stmt: Select[Any], name: str = "FastRow") -> None:
        self.stmt = stmt
        columns = list(stmt.selected_columns)
        self.converters = [_converter(c.type) for c in columns]
        self.row_type = namedtuple(name, [c.key for c in columns])  # type: ignore[misc]
        self._sql: str | None = None

    async def first(self, conn: AsyncConnection, param: str, value: Any) -> Any | None:
        if conn.dialect.name == "sqlite":
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            if hasattr(driver, "execute_fetchall"):
                if self._sql is None:
                    self._sql = str(self.stmt.compile(dialect=conn.dialect))
                rows = await driver.execute_fetchall(self._sql, (value,))
                if not rows:
                    return None
                values = rows[0]
                return self.row_type(
                    *(v if f is None or v is None else f(v) for f, v in zip(self.converters, values, strict=True))
                )
        return (await conn.execute(self.stmt, {param: value})).first()
