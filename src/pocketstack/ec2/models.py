"""The EC2 API's one table: EC2 ids and the OpenStack UUIDs they stand for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pocketstack.common.timeutils import utcnow
from pocketstack.db.models import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Ec2Id(Base):
    """``i-0a1b2c3d`` <-> a server's UUID. ``kind`` is the OpenStack noun (``server``,
    ``image``, ``volume``, ...): one UUID has one EC2 id per kind."""

    __tablename__ = "ec2_ids"
    __table_args__ = (UniqueConstraint("kind", "uuid", name="uq_ec2_ids_kind_uuid"),)
    ec2_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    uuid: Mapped[str] = mapped_column(String(64), nullable=False)
    # Servers: the reservation (``r-...``) RunInstances launched them in.
    reservation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
