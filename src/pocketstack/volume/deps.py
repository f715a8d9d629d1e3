"""What the volume API handlers and domain functions share: database, config, bus,
the image client, and the client of the volume manager that does the work."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.bus import Bus
from pocketstack.common.config import VolumeConfig
from pocketstack.db import Database
from pocketstack.volume.images import ImageClient
from pocketstack.volume.rpcapi import VolumeAPI, volume_topic


@dataclass
class VolumeDeps:
    db: Database
    cfg: VolumeConfig
    bus: Bus
    images: ImageClient
    # The backend's pool (Cinder's host@backend#pool names where a volume lives).
    pool: str = "default"

    @property
    def host(self) -> str:
        return self.cfg.host

    @property
    def volume_host(self) -> str:
        return f"{self.cfg.host}#{self.pool}"

    @property
    def topic(self) -> str:
        return volume_topic(self.cfg.host)

    @property
    def rpcapi(self) -> VolumeAPI:
        """The only way to the volume manager (typed RPC, ``volume/rpcapi.py``)."""
        return VolumeAPI(self.bus, self.cfg.host)
