"""Shared pieces of the services' models. Each service declares its own
``class Base(DeclarativeBase)`` with ``MetaData(naming_convention=NAMING)``: its own
metadata, so its own tables and migrations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, String, func, or_
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.common.timeutils import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def new_hex_id() -> str:
    """Keystone-style ids: 32 hex characters."""
    return uuid.uuid4().hex


def id_column(hex_ids: bool = False) -> Mapped[str]:
    return mapped_column(String(64), primary_key=True, default=new_hex_id if hex_ids else new_id)


def created_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime, default=utcnow, nullable=False)


def updated_column() -> Mapped[dt.datetime | None]:
    return mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=True)


def same_name(column: Any, name: str) -> Any:
    """``column`` is ``name``, or is it but for ASCII case (the case-insensitive name
    checks of Cinder's MySQL collation, as far as the database's lower() folds).

    SQLite's lower() folds ASCII only: compared with ``name.lower()`` alone, a name with
    a non-ASCII capital ('Über') never matched even itself, and its exact duplicate
    slipped past the check into the unique index (500)."""
    return or_(column == name, func.lower(column) == name.lower())
