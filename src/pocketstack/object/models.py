"""The object storage index (tables prefixed ``object_``): what the listings, counts and
metadata come from. The bytes live in the backend (``store/``), named by ``blob``.

Choices made for a million objects in a container:

* an object's key is ``(container_id, name)``: a listing page is one range scan of the
  primary key from the marker, whatever the container's size;
* names compare byte by byte as Swift sorts them (``ObjectName``: SQLite's binary
  collation, PostgreSQL's ``C``, MariaDB's ``VARBINARY``);
* a container keeps its object count and bytes used, changed in the same transaction
  as every object row, so usage is exact without counting; an account's usage is the
  sum over its containers (one indexed query).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from pocketstack.db.models import NAMING

# Swift's constraints (swift/common/constraints.py defaults).
MAX_CONTAINER_NAME = 256
MAX_OBJECT_NAME = 1024


class _Bytes(mysql.VARBINARY):
    """VARBINARY bound as text: MariaDB stores and compares it as its UTF-8 bytes (the
    driver stack here cannot send a bytes parameter: aiomysql's escape of bytes fails
    with this PyMySQL)."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None


class ObjectName(TypeDecorator[str]):
    """A name ordered by its bytes, on every database."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(String(self.length, collation="C"))
        if dialect.name in ("mysql", "mariadb"):
            # Byte order, and an index key short enough for InnoDB (utf8mb4 would be 4x).
            return dialect.type_descriptor(_Bytes(self.length * 4 if self.length < 300 else self.length))
        return dialect.type_descriptor(String(self.length))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, bytes | bytearray):
            return bytes(value).decode()
        return str(value) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    """An account's own metadata; an account with none has no row (it is auto-created)."""

    __tablename__ = "object_accounts"
    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    meta: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    updated_at: Mapped[float] = mapped_column(Float(precision=53), nullable=False)


class Container(Base):
    __tablename__ = "object_containers"
    __table_args__ = (UniqueConstraint("account", "name", name="uq_object_containers_account_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(ObjectName(MAX_CONTAINER_NAME), nullable=False)
    meta: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    object_count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    bytes_used: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    updated_at: Mapped[float] = mapped_column(Float(precision=53), nullable=False)


class Object(Base):
    __tablename__ = "object_objects"
    __table_args__ = (Index("ix_object_objects_delete_at", "delete_at"),)
    container_id: Mapped[int] = mapped_column(
        ForeignKey("object_containers.id", name="fk_object_objects_container", ondelete="CASCADE"),
        primary_key=True,
    )
    name: Mapped[str] = mapped_column(ObjectName(MAX_OBJECT_NAME), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    etag: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(256), nullable=False)
    # The X-Timestamp of the write (seconds, float): Last-Modified and listings.
    created_at: Mapped[float] = mapped_column(Float(precision=53), nullable=False)
    # X-Object-Meta-*, Content-Disposition/-Encoding, X-Object-Manifest, the SLO flag.
    meta: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    # The backend's name for the bytes (never derived from the object's name alone).
    blob: Mapped[str] = mapped_column(String(200), nullable=False)
    delete_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
