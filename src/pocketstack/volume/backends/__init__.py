"""Volume backends: where volume data lives (``fake`` in memory, ``file`` on disk)."""

from __future__ import annotations

from pathlib import Path

from pocketstack.common.config import Config
from pocketstack.volume.backends.base import BackendError, Capacity, VolumeBackend


def from_config(config: Config) -> VolumeBackend:
    cfg = config.volume
    if cfg.backend == "fake":
        from pocketstack.volume.backends.fake import FakeBackend

        return FakeBackend(capacity_gb=cfg.capacity_gb)
    if cfg.backend == "file":
        from pocketstack.volume.backends.file import FileBackend

        directory = Path(cfg.backend_dir) if cfg.backend_dir else config.data_dir / "volumes"
        return FileBackend(directory, volume_format=cfg.volume_format, capacity_gb=cfg.capacity_gb)
    raise ValueError(f"[volume] backend = {cfg.backend!r}: expected 'file' or 'fake'")


__all__ = ["BackendError", "Capacity", "VolumeBackend", "from_config"]
