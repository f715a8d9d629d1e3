"""Attachments: how a volume gets onto a server.

New style (3.27+, what compute uses): create (reserve; with a connector also connect),
update (connect: the connector in, connection info out), complete (in-use), delete
(disconnect; available once no attachment is left). The older actions map onto the
same rows: os-reserve/os-unreserve, os-initialize_connection, os-attach,
os-begin_detaching/os-roll_detaching, os-detach, os-terminate_connection.

Connection info comes from the backend, which lives with the volume manager: the API
asks it with a bus call (the one place the API waits for the manager).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.volume import states
from pocketstack.volume.api import policy
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.models import Attachment, Volume
from pocketstack.volume.records import volume_row

CONNECT_TIMEOUT = 60.0


async def get(deps: VolumeDeps, ctx: RequestContext, attachment_id: str) -> Attachment:
    async with deps.db.reader() as s:
        return await _row(s, ctx, attachment_id)


async def _row(s: Any, ctx: RequestContext, attachment_id: str, *, lock: bool = False) -> Attachment:
    query = select(Attachment).where(Attachment.id == attachment_id)
    if lock:
        query = query.with_for_update()
    att = await s.scalar(query)
    if att is None or not policy.owns(ctx, att.project_id):
        raise NotFound(f"Volume attachment {attachment_id} could not be found.")
    found: Attachment = att
    return found


async def list_attachments(
    deps: VolumeDeps, ctx: RequestContext, filters: dict[str, str], all_projects: bool
) -> list[Attachment]:
    query = select(Attachment).order_by(Attachment.created_at.desc(), Attachment.id.desc())
    if not (ctx.is_admin and all_projects):
        query = query.where(Attachment.project_id == ctx.project_id)
    if "volume_id" in filters:
        query = query.where(Attachment.volume_id == filters["volume_id"])
    if "instance_id" in filters:
        query = query.where(Attachment.instance_uuid == filters["instance_id"])
    if "status" in filters:
        query = query.where(Attachment.status == filters["status"])
    async with deps.db.reader() as s:
        return list(await s.scalars(query))


def _check_reservable(vol: Volume, others: list[Attachment], instance_uuid: str | None) -> None:
    if vol.status == states.AVAILABLE:
        return
    if vol.multiattach and vol.status in (states.IN_USE, states.RESERVED, states.ATTACHING):
        if instance_uuid and any(a.instance_uuid == instance_uuid for a in others):
            raise Invalid(f"Invalid volume: Volume {vol.id} is already attached to instance {instance_uuid}.")
        return
    raise Invalid(
        f"Invalid volume: Volume {vol.id} status must be available or downloading to reserve, "
        f"but the current status is {vol.status}."
    )


async def create(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    instance_uuid: str | None,
    *,
    connector: dict[str, Any] | None = None,
    mode: str = "rw",
    legacy: bool = False,
) -> Attachment:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        others = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        _check_reservable(vol, others, instance_uuid)
        att = Attachment(
            volume_id=vol.id,
            project_id=vol.project_id,
            instance_uuid=instance_uuid,
            attach_mode=mode,
            status=states.ATTACH_RESERVED,
        )
        s.add(att)
        if vol.status == states.AVAILABLE:
            vol.status = states.ATTACHING if legacy else states.RESERVED
        await s.flush()
    if connector is not None:
        return await update(deps, ctx, att.id, connector)
    return att


async def connection_info(deps: VolumeDeps, ctx: RequestContext, vol: Volume, connector: dict[str, Any]) -> Any:
    return await deps.rpcapi.initialize_connection(
        ctx,
        timeout=CONNECT_TIMEOUT,
        volume_id=vol.id,
        connector=connector,
    )


async def update(deps: VolumeDeps, ctx: RequestContext, attachment_id: str, connector: dict[str, Any]) -> Attachment:
    async with deps.db.reader() as s:
        att = await _row(s, ctx, attachment_id)
        vol = await volume_row(s, ctx, att.volume_id)
    if vol.status not in (states.RESERVED, states.ATTACHING, states.IN_USE, states.AVAILABLE):
        raise Invalid(f"Invalid volume: Volume {vol.id} is {vol.status}; it cannot be connected now.")
    info = await connection_info(deps, ctx, vol, connector)
    info = {**info, "attachment_id": attachment_id, "serial": vol.id}
    async with deps.db.writer() as s:
        att = await _row(s, ctx, attachment_id, lock=True)
        vol = await volume_row(s, ctx, att.volume_id, lock=True)
        att.connector = dict(connector)
        att.connection_info = info
        att.attached_host = connector.get("host")
        att.mountpoint = connector.get("mountpoint") or att.mountpoint
        if att.status == states.ATTACH_RESERVED:
            att.status = states.ATTACH_ATTACHING
        if vol.status in (states.RESERVED, states.AVAILABLE):
            vol.status = states.ATTACHING
        await s.flush()
        return att


async def complete(deps: VolumeDeps, ctx: RequestContext, attachment_id: str) -> None:
    async with deps.db.writer() as s:
        att = await _row(s, ctx, attachment_id, lock=True)
        vol = await volume_row(s, ctx, att.volume_id, lock=True)
        _mark_attached(vol, att)


def _mark_attached(vol: Volume, att: Attachment) -> None:
    att.status = states.ATTACH_ATTACHED
    att.attach_time = att.attach_time or utcnow()
    vol.status = states.IN_USE
    vol.attach_status = states.ATTACH_ATTACHED


async def delete(deps: VolumeDeps, ctx: RequestContext, attachment_id: str) -> list[Attachment]:
    """Remove the attachment; the volume is available again once none is left."""
    async with deps.db.reader() as s:
        att = await _row(s, ctx, attachment_id)
    if att.connector:
        await _terminate(deps, ctx, att.volume_id, att.connector)
    async with deps.db.writer() as s:
        att = await _row(s, ctx, attachment_id, lock=True)
        vol = await volume_row(s, ctx, att.volume_id, lock=True)
        await s.delete(att)
        await s.flush()
        left = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        _settle(vol, left)
        return left


def _settle(vol: Volume, left: list[Attachment]) -> None:
    """The volume's status after an attachment went away."""
    if vol.status in (states.DELETING, states.ERROR_DELETING):
        return
    if any(a.status == states.ATTACH_ATTACHED for a in left):
        vol.status = states.IN_USE
        vol.attach_status = states.ATTACH_ATTACHED
    elif left:
        vol.status = states.RESERVED
        vol.attach_status = states.ATTACH_DETACHED
    else:
        vol.status = states.AVAILABLE
        vol.attach_status = states.ATTACH_DETACHED


async def _terminate(deps: VolumeDeps, ctx: RequestContext, volume_id: str, connector: dict[str, Any]) -> None:
    await deps.rpcapi.terminate_connection(
        ctx,
        timeout=CONNECT_TIMEOUT,
        volume_id=volume_id,
        connector=connector,
    )


# --- the older actions ---------------------------------------------------------------------
async def legacy_reserve(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> None:
    await create(deps, ctx, volume_id, None, legacy=True)


async def legacy_unreserve(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        rows = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        for att in rows:
            if att.status != states.ATTACH_ATTACHED:
                await s.delete(att)
        if vol.status in (states.ATTACHING, states.RESERVED):
            _settle(vol, [a for a in rows if a.status == states.ATTACH_ATTACHED])


async def legacy_initialize(
    deps: VolumeDeps, ctx: RequestContext, volume_id: str, connector: dict[str, Any]
) -> dict[str, Any]:
    async with deps.db.reader() as s:
        vol = await volume_row(s, ctx, volume_id)
    if vol.status not in (states.ATTACHING, states.RESERVED, states.IN_USE, states.AVAILABLE, states.DETACHING):
        raise Invalid(f"Invalid volume: Volume {vol.id} is {vol.status}; it cannot be connected now.")
    info: dict[str, Any] = await connection_info(deps, ctx, vol, connector)
    return {**info, "serial": vol.id}


async def legacy_attach(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    instance_uuid: str | None,
    mountpoint: str,
    mode: str,
    host_name: str | None,
) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        rows = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        pending = [a for a in rows if a.status != states.ATTACH_ATTACHED]
        if pending:
            att = pending[0]
        else:
            _check_reservable(vol, rows, instance_uuid)
            att = Attachment(volume_id=vol.id, project_id=vol.project_id, status=states.ATTACH_RESERVED)
            s.add(att)
        att.instance_uuid = instance_uuid
        att.mountpoint = mountpoint
        att.attach_mode = mode
        att.attached_host = host_name
        _mark_attached(vol, att)


async def legacy_begin_detaching(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status != states.IN_USE:
            raise Invalid(
                f"Invalid volume: Volume {vol.id} status must be in-use to begin detaching, not {vol.status}."
            )
        vol.status = states.DETACHING


async def legacy_roll_detaching(deps: VolumeDeps, ctx: RequestContext, volume_id: str) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status == states.DETACHING:
            vol.status = states.IN_USE


async def legacy_detach(deps: VolumeDeps, ctx: RequestContext, volume_id: str, attachment_id: str | None) -> None:
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        rows = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
        if attachment_id:
            chosen = [a for a in rows if a.id == attachment_id]
            if not chosen:
                raise NotFound(f"Volume attachment {attachment_id} could not be found.")
        elif len(rows) > 1:
            raise Invalid(f"Invalid volume: Volume {vol.id} has several attachments; name the attachment_id.")
        else:
            chosen = rows
        if not chosen:
            # As Cinder's manager: detaching a volume attached nowhere just settles it.
            _settle(vol, [])
            return
        await s.delete(chosen[0])
        _settle(vol, [a for a in rows if a.id != chosen[0].id])


async def legacy_terminate(deps: VolumeDeps, ctx: RequestContext, volume_id: str, connector: dict[str, Any]) -> None:
    async with deps.db.reader() as s:
        await volume_row(s, ctx, volume_id)
    await _terminate(deps, ctx, volume_id, connector)


async def force_detach(
    deps: VolumeDeps,
    ctx: RequestContext,
    volume_id: str,
    attachment_id: str | None,
    connector: dict[str, Any] | None,
) -> None:
    """An admin ends an attachment (or, naming none, every one) whatever its state: the
    connection is torn down if a connector is given, the rows go, the volume settles."""
    async with deps.db.reader() as s:
        vol = await volume_row(s, ctx, volume_id)
        rows = list(await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)))
    chosen = [a for a in rows if attachment_id is None or a.id == attachment_id]
    if attachment_id is not None and not chosen:
        raise NotFound(f"Volume attachment {attachment_id} could not be found.")
    if connector is not None:
        await _terminate(deps, ctx, volume_id, connector)
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        ids = {a.id for a in chosen}
        left = []
        for att in await s.scalars(select(Attachment).where(Attachment.volume_id == vol.id)):
            if att.id in ids:
                await s.delete(att)
            else:
                left.append(att)
        _settle(vol, left)
