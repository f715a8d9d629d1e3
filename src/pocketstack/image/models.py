"""Image tables: image records, their extra properties, tags and members; the metadata
definitions catalog.

Extra properties and tags get rows of their own (as in Glance) so that list filters on
them run in SQL and pagination stays in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _image_fk() -> Mapped[str]:
    return mapped_column(String(36), ForeignKey("image_image.id", ondelete="CASCADE"), primary_key=True)


class Image(Base):
    __tablename__ = "image_image"
    # Only the list order is indexed: with indexes on owner or visibility, SQLite answers
    # the visibility OR by merging them and sorting every visible row, which is several
    # times slower than walking this index and stopping after one page.
    __table_args__ = (Index("ix_image_image_created", "created_at", "id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(30), default="queued")
    visibility: Mapped[str] = mapped_column(String(16), default="shared")
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    os_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str | None] = mapped_column(String(64))
    disk_format: Mapped[str | None] = mapped_column(String(16))
    container_format: Mapped[str | None] = mapped_column(String(16))
    size: Mapped[int | None] = mapped_column(BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(32))
    os_hash_algo: Mapped[str | None] = mapped_column(String(64))
    os_hash_value: Mapped[str | None] = mapped_column(String(128))
    min_disk: Mapped[int] = mapped_column(Integer, default=0)
    min_ram: Mapped[int] = mapped_column(Integer, default=0)
    # Where the store keeps the data (or the staged data while status is "uploading").
    location: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImageProperty(Base):
    __tablename__ = "image_property"
    __table_args__ = (Index("ix_image_property_name_value", "name", "value", mysql_length={"value": 255}),)
    image_id: Mapped[str] = _image_fk()
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ImageTag(Base):
    __tablename__ = "image_tag"
    __table_args__ = (Index("ix_image_tag_value", "value"),)
    image_id: Mapped[str] = _image_fk()
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class ImageMember(Base):
    __tablename__ = "image_member"
    __table_args__ = (Index("ix_image_member_member", "member", "status"),)
    image_id: Mapped[str] = _image_fk()
    member: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# The metadata definitions catalog (/v2/metadefs): namespaces of property, object and
# tag definitions, and which resource types (OS::Glance::Image, ...) they apply to.
# Everything inside a namespace goes with it (ON DELETE CASCADE); names are unique per
# namespace and may change (PUT), so rows have surrogate ids as in Glance.


def _namespace_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("image_metadef_namespace.id", ondelete="CASCADE"), nullable=False)


class MetadefNamespace(Base):
    __tablename__ = "image_metadef_namespace"
    __table_args__ = (UniqueConstraint("namespace"), Index("ix_image_metadef_namespace_owner", "owner"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(32), default="private")
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MetadefObject(Base):
    __tablename__ = "image_metadef_object"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_fk()
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    required: Mapped[list[str] | None] = mapped_column(JSON)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MetadefProperty(Base):
    __tablename__ = "image_metadef_property"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_fk()
    name: Mapped[str] = mapped_column(String(255))
    # The definition without its name: {"type": ..., "title": ..., "enum": [...], ...}.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MetadefTag(Base):
    __tablename__ = "image_metadef_tag"
    __table_args__ = (UniqueConstraint("namespace_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_fk()
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MetadefResourceType(Base):
    __tablename__ = "image_metadef_resource_type"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80))
    # The resource types the cloud's own services have; the others appear when a
    # namespace is first associated with them.
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MetadefAssociation(Base):
    """A namespace applies to a resource type (with a property-name prefix, maybe)."""

    __tablename__ = "image_metadef_association"
    namespace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("image_metadef_namespace.id", ondelete="CASCADE"), primary_key=True
    )
    resource_type_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("image_metadef_resource_type.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[str | None] = mapped_column(String(80))
    properties_target: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImageTask(Base):
    """An asynchronous operation: an image import (``api_image_import``, listed under the
    image) or a task of the legacy tasks API. Kept until ``expires_at``, and kept when
    its image is deleted (Glance's rule), so there is no foreign key to the image."""

    __tablename__ = "image_task"
    __table_args__ = (Index("ix_image_task_image_id", "image_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30), default="pending")
    owner: Mapped[str] = mapped_column(String(255))
    image_id: Mapped[str | None] = mapped_column(String(36))
    request_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    input: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
