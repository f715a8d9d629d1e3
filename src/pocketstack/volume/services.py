"""The services this volume service runs, as Cinder's os-services and os-hosts list
them: ``cinder-scheduler`` on the host and ``cinder-volume`` on ``host@backend``.

Both live in this process (the API casts to the manager it serves), so they are up
whenever the API answers; what an admin sets (disabled with a reason, frozen) is kept
in ``volume_service_state``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.config import VolumeConfig
from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.volume.models import ServiceState, Snapshot, Volume

API = "cinder-api"
SCHEDULER = "cinder-scheduler"
VOLUME = "cinder-volume"


@dataclass
class ServiceInfo:
    binary: str
    host: str
    zone: str
    disabled: bool
    disabled_reason: str | None
    frozen: bool
    updated_at: dt.datetime


def _hosts(cfg: VolumeConfig) -> list[tuple[str, str]]:
    return [(SCHEDULER, cfg.host.partition("@")[0]), (VOLUME, cfg.host)]


async def list_services(s: AsyncSession, cfg: VolumeConfig) -> list[ServiceInfo]:
    states = {(row.host, row.binary): row for row in await s.scalars(select(ServiceState))}
    # The services report as they answer: their last heartbeat is now.
    now = utcnow().replace(microsecond=0)
    out = []
    for binary, host in _hosts(cfg):
        state = states.get((host, binary))
        out.append(
            ServiceInfo(
                binary=binary,
                host=host,
                zone=cfg.availability_zone,
                disabled=bool(state and state.disabled),
                disabled_reason=state.disabled_reason if state else None,
                frozen=bool(state and state.frozen),
                updated_at=now,
            )
        )
    return out


async def _state(s: AsyncSession, cfg: VolumeConfig, host: str, binary: str) -> ServiceState:
    if (binary, host) not in _hosts(cfg):
        raise NotFound(f"Service {binary} on host {host} could not be found.")
    row = await s.scalar(select(ServiceState).where(ServiceState.host == host, ServiceState.binary == binary))
    if row is None:
        row = ServiceState(host=host, binary=binary, disabled=False, frozen=False)
        s.add(row)
    return row


async def set_disabled(
    s: AsyncSession, cfg: VolumeConfig, host: str, binary: str, disabled: bool, reason: str | None = None
) -> None:
    row = await _state(s, cfg, host, binary)
    row.disabled = disabled
    row.disabled_reason = reason if disabled else None
    row.updated_at = utcnow()


async def set_frozen(s: AsyncSession, cfg: VolumeConfig, host: str, frozen: bool) -> None:
    """Freeze (or thaw) a volume backend: Cinder refuses the unknown host with 400."""
    if host != cfg.host:
        raise Invalid(f"Invalid input received: Service cinder-volume on host {host} could not be found.")
    row = await _state(s, cfg, host, VOLUME)
    row.frozen = frozen
    row.updated_at = utcnow()


async def host_usage(s: AsyncSession, host: str) -> dict[str, tuple[int, int, int, int]]:
    """Per project (first ``(total)``): volumes, their GiB, snapshots, their GiB on ``host``."""
    on_host = (Volume.host == host) | Volume.host.like(f"{host}#%")
    usage: dict[str, list[int]] = {"(total)": [0, 0, 0, 0]}
    for vol in await s.scalars(select(Volume).where(on_host)):
        for key in ("(total)", vol.project_id):
            row = usage.setdefault(key, [0, 0, 0, 0])
            row[0] += 1
            row[1] += vol.size
    snaps = select(Snapshot).join(Volume, Volume.id == Snapshot.volume_id).where(on_host)
    for snap in await s.scalars(snaps):
        for key in ("(total)", snap.project_id):
            row = usage.setdefault(key, [0, 0, 0, 0])
            row[2] += 1
            row[3] += snap.size
    return {k: (v[0], v[1], v[2], v[3]) for k, v in usage.items()}
