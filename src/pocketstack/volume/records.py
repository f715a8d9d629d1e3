"""Loading volumes with what their views need (type name, attachments), and the
helpers every domain module uses to find a row the caller may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotFound
from pocketstack.volume.api import policy
from pocketstack.volume.models import Attachment, Snapshot, Volume, VolumeType


@dataclass
class VolumeRecord:
    volume: Volume
    type_name: str
    attachments: list[Attachment] = field(default_factory=list)


async def volume_row(s: AsyncSession, ctx: RequestContext, volume_id: str, *, lock: bool = False) -> Volume:
    query = select(Volume).where(Volume.id == volume_id)
    if lock:
        query = query.with_for_update()
    vol = await s.scalar(query)
    if vol is None or not policy.owns(ctx, vol.project_id):
        raise NotFound(f"Volume {volume_id} could not be found.")
    return vol


async def snapshot_row(s: AsyncSession, ctx: RequestContext, snapshot_id: str, *, lock: bool = False) -> Snapshot:
    query = select(Snapshot).where(Snapshot.id == snapshot_id)
    if lock:
        query = query.with_for_update()
    snap = await s.scalar(query)
    if snap is None or not policy.owns(ctx, snap.project_id):
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    return snap


async def records(s: AsyncSession, volumes: list[Volume]) -> list[VolumeRecord]:
    if not volumes:
        return []
    names = {t.id: t.name for t in await s.scalars(select(VolumeType))}
    ids = [v.id for v in volumes]
    by_volume: dict[str, list[Attachment]] = {}
    query = select(Attachment).where(Attachment.volume_id.in_(ids)).order_by(Attachment.created_at)
    for att in await s.scalars(query):
        by_volume.setdefault(att.volume_id, []).append(att)
    return [VolumeRecord(v, names.get(v.volume_type_id, ""), by_volume.get(v.id, [])) for v in volumes]


async def record(s: AsyncSession, volume: Volume) -> VolumeRecord:
    return (await records(s, [volume]))[0]


# One statement for a volume's view (its type name and attachments joined in), built
# once: GET /volumes/{id} is what every client polls, and building a Select per request
# cost as much CPU as running it.
_ONE = (
    select(Volume, VolumeType.name, Attachment)
    .outerjoin(VolumeType, VolumeType.id == Volume.volume_type_id)
    .outerjoin(Attachment, Attachment.volume_id == Volume.id)
    .where(Volume.id == bindparam("volume_id"))
    .order_by(Attachment.created_at)
)


async def load(s: AsyncSession, ctx: RequestContext, volume_id: str) -> VolumeRecord:
    rows = (await s.execute(_ONE, {"volume_id": volume_id})).all()
    if not rows or not policy.owns(ctx, rows[0][0].project_id):
        raise NotFound(f"Volume {volume_id} could not be found.")
    vol, type_name = rows[0][0], rows[0][1]
    return VolumeRecord(vol, type_name or "", [row[2] for row in rows if row[2] is not None])
