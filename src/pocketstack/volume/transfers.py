"""Volume transfers: a project offers an available volume (it waits in
``awaiting-transfer``); another project that shows the transfer id and the auth key
(given once, at create; only a salted hash is kept) takes the volume over, with its
snapshots unless ``no_snapshots``. Deleting the offer makes the volume available again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import asc, desc, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.volume import quotas, states, types
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.listing import Page, paginate
from pocketstack.volume.models import Snapshot, Transfer, Volume
from pocketstack.volume.records import volume_row

SORT_KEYS = ("id", "name", "created_at", "volume_id")
_KEY_LENGTH = 16


def _hash(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}{key}".encode()).hexdigest()


async def _row(s: AsyncSession, ctx: RequestContext, transfer_id: str, *, any_project: bool = False) -> Transfer:
    row = await s.get(Transfer, transfer_id)
    if row is None or not (any_project or ctx.is_admin or row.source_project_id == ctx.project_id):
        raise NotFound(f"Transfer {transfer_id} could not be found.")
    return row


async def create(
    deps: VolumeDeps, ctx: RequestContext, volume_id: str, name: str | None, no_snapshots: bool
) -> tuple[Transfer, str]:
    """The new transfer and its auth key (shown this once)."""
    async with deps.db.writer() as s:
        vol = await volume_row(s, ctx, volume_id, lock=True)
        if vol.status != states.AVAILABLE:
            raise Invalid(f"Invalid volume: Status of volume {vol.id} must be available, not {vol.status}.")
        if not no_snapshots:
            snaps = await s.scalars(select(Snapshot).where(Snapshot.volume_id == vol.id))
            busy = [x.id for x in snaps if x.status != states.SNAP_AVAILABLE]
            if busy:
                raise Invalid(f"Invalid snapshot: Snapshots {', '.join(busy)} of volume {vol.id} are not available.")
        key = secrets.token_hex(_KEY_LENGTH // 2)
        salt = secrets.token_hex(8)
        transfer = Transfer(
            volume_id=vol.id,
            name=name,
            salt=salt,
            crypt_hash=_hash(salt, key),
            source_project_id=vol.project_id,
            destination_project_id=None,
            accepted=False,
            no_snapshots=no_snapshots,
        )
        s.add(transfer)
        vol.status = states.AWAITING_TRANSFER
        await s.flush()
        return transfer, key


async def get(deps: VolumeDeps, ctx: RequestContext, transfer_id: str) -> Transfer:
    async with deps.db.reader() as s:
        return await _row(s, ctx, transfer_id)


async def list_transfers(
    deps: VolumeDeps, ctx: RequestContext, page: Page, all_projects: bool, filters: dict[str, str]
) -> list[Transfer]:
    query = select(Transfer)
    if not (ctx.is_admin and all_projects):
        query = query.where(Transfer.source_project_id == ctx.project_id)
    for key in ("name", "volume_id", "id"):
        if key in filters:
            query = query.where(getattr(Transfer, key) == filters[key])
    for key, direction in page.sort:
        column = getattr(Transfer, key)
        query = query.order_by(asc(column) if direction == "asc" else desc(column))
    async with deps.db.reader() as s:
        rows = list(await s.scalars(query))
    return paginate(rows, page, "transfers")[0]


async def delete(deps: VolumeDeps, ctx: RequestContext, transfer_id: str) -> None:
    async with deps.db.writer() as s:
        transfer = await _row(s, ctx, transfer_id)
        vol = await s.get(Volume, transfer.volume_id, with_for_update=True)
        if vol is not None and vol.status == states.AWAITING_TRANSFER:
            vol.status = states.AVAILABLE
        await s.delete(transfer)


async def accept(deps: VolumeDeps, ctx: RequestContext, transfer_id: str, auth_key: str) -> Transfer:
    async with deps.db.writer() as s:
        transfer = await _row(s, ctx, transfer_id, any_project=True)
        if not hmac.compare_digest(transfer.crypt_hash, _hash(transfer.salt, auth_key)):
            raise Invalid(f"Invalid auth key: Attempt to transfer {transfer_id} with invalid auth key.")
        vol = await s.get(Volume, transfer.volume_id, with_for_update=True)
        if vol is None:
            raise NotFound(f"Volume {transfer.volume_id} could not be found.")
        if vol.status != states.AWAITING_TRANSFER:
            raise Invalid(f"Invalid volume: Status of volume {vol.id} must be awaiting-transfer, not {vol.status}.")
        project = ctx.project_id or ""
        snaps = (
            [] if transfer.no_snapshots else list(await s.scalars(select(Snapshot).where(Snapshot.volume_id == vol.id)))
        )
        vtype = await types.get(s, RequestContext.internal(), vol.volume_type_id, deps.cfg.default_type)
        delta = quotas.Delta(1, len(snaps), vol.size + sum(x.size for x in snaps), vtype.name)
        await quotas.check(deps.db, s, deps.cfg, project, delta)
        vol.project_id = project
        vol.user_id = ctx.user_id or ""
        vol.status = states.AVAILABLE
        for snap in snaps:
            snap.project_id = project
            snap.user_id = ctx.user_id or ""
        transfer.accepted = True
        transfer.destination_project_id = project
        # Accepted transfers are gone from the lists (Cinder keeps them soft-deleted).
        await s.delete(transfer)
        return transfer
