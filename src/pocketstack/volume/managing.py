"""Volumes adopted from and given back to the backend (os-volume-manage, 3.8
manageable_volumes): a manage writes a ``managing`` row and casts the adoption to the
volume manager; an unmanage checks the volume may go and casts its release."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound, Unavailable
from pocketstack.volume import states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.models import Attachment, Snapshot, Volume
from pocketstack.volume.records import VolumeRecord, volume_row
from pocketstack.volume.volumes import CreateRequest


def check_host(deps: VolumeDeps, host: str) -> None:
    """The backend a manage names must be this one (``host@backend`` with or without ``#pool``)."""
    if host.partition("#")[0] != deps.host:
        raise Unavailable(f"Host '{host}' not found")


async def manage(
    deps: VolumeDeps,
    ctx: RequestContext,
    host: str,
    source_name: str,
    req: CreateRequest,
) -> VolumeRecord:
    """Adopt what ``source_name`` names on the backend as a new volume (the manager
    finds it, learns its size and makes it available, or error)."""
    check_host(deps, host)
    zone = req.availability_zone or deps.cfg.availability_zone
    if zone != deps.cfg.availability_zone:
        raise Invalid(f"Invalid input received: Availability zone '{zone}' is invalid.")
    async with deps.db.writer() as s:
        if req.volume_type:
            try:
                vtype = await types.find(s, ctx, req.volume_type)
            except NotFound:
                raise Invalid(f"Invalid volume type: Cannot find requested '{req.volume_type}' volume type") from None
        else:
            vtype = await types.default(s, deps.cfg.default_type, ctx.project_id)
        vol = Volume(
            project_id=ctx.project_id or "",
            user_id=ctx.user_id or "",
            name=req.name,
            description=req.description,
            size=0,
            status=states.MANAGING,
            attach_status=states.ATTACH_DETACHED,
            volume_type_id=vtype.id,
            availability_zone=zone,
            bootable=bool(req.bootable),
            multiattach=(vtype.extra_specs or {}).get("multiattach") == "<is> True",
            metadata_=dict(req.metadata),
            image_metadata={},
            host=deps.volume_host,
            provider_location={},
        )
        s.add(vol)
        await s.flush()
        rec = VolumeRecord(vol, vtype.name, [])
    await deps.rpcapi.manage_existing(ctx, volume_id=vol.id, name=source_name)
    return rec


async def manageable(deps: VolumeDeps, host: str) -> list[dict[str, Any]]:
    """What the backend holds that is no volume here: name, size, and whether a manage
    may take it (a file some volume row still points at is not safe)."""
    check_host(deps, host)
    async with deps.db.reader() as s:
        known = {v.id for v in await s.scalars(select(Volume))}
    found: list[dict[str, Any]] = await deps.rpcapi.get_manageable(
        RequestContext.internal(), timeout=30, managed=sorted(known)
    )
    return found


async def unmanage(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        attached = await s.scalar(select(Attachment.id).where(Attachment.volume_id == vol.id).limit(1))
        if vol.status not in states.DELETABLE or attached:
            raise Invalid(f"Invalid volume: Volume {vol.id} status must be available or error, and not attached.")
        if await s.scalar(select(Snapshot.id).where(Snapshot.volume_id == vol.id).limit(1)):
            raise Invalid(f"Invalid volume: Volume {vol.id} has snapshots; delete them before unmanaging it.")
        if vol.group_id:
            raise Invalid(f"Invalid volume: Volume {vol.id} is in group {vol.group_id}.")
        vol.status = states.UNMANAGING
    await deps.rpcapi.unmanage_volume(ctx, volume_id=volume_id)
