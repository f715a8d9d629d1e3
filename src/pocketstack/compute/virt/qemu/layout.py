"""Where an instance lives on the host: one directory per instance under the data dir.

Everything the driver knows about an instance is in that directory, so an agent that
restarts re-adopts its VMs by reading it back: ``instance.json`` (the spec, QEMU's
command line and what was attached later), the pidfile and QMP socket of the running
QEMU, the disks, the config drive, the console log, and a saved state while suspended.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class InstanceDir:
    path: Path

    @property
    def uuid(self) -> str:
        return self.path.name

    @property
    def record_file(self) -> Path:
        return self.path / "instance.json"

    @property
    def pidfile(self) -> Path:
        return self.path / "qemu.pid"

    @property
    def qmp(self) -> Path:
        # QEMU is started with this directory as its working directory and binds the
        # relative name, so the path length limit of unix sockets never applies to it.
        return self.path / "qmp.sock"

    @property
    def console(self) -> Path:
        return self.path / "console.log"

    @property
    def console_old(self) -> Path:
        return self.path / "console.log.1"

    @property
    def root(self) -> Path:
        return self.path / "root.qcow2"

    @property
    def ephemeral(self) -> Path:
        return self.path / "ephemeral.img"

    @property
    def swap(self) -> Path:
        return self.path / "swap.img"

    @property
    def config_drive(self) -> Path:
        return self.path / "disk.config"

    @property
    def rescue_disk(self) -> Path:
        """While rescued: the rescue image's overlay QEMU boots from."""
        return self.path / "rescue.qcow2"

    @property
    def resize_root(self) -> Path:
        """The root overlay as it was before a same-host resize (kept for a revert)."""
        return self.path / "root.qcow2.resize"

    @property
    def resize_record(self) -> Path:
        return self.path / "instance.json.resize"

    @property
    def saved_state(self) -> Path:
        return self.path / "suspend.state"


@dataclass
class Record:
    """What ``instance.json`` holds."""

    spec: dict[str, Any]
    argv: list[str]
    namespace: str | None = None
    # Cache keys of the base image, kernel and ramdisk this instance uses.
    images: list[str] = field(default_factory=list)
    # mountpoint -> connection_info; interface id -> vif (re-attached at every start).
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    interfaces: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Record:
        data = json.loads(path.read_text())
        return cls(**data)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True))
        os.replace(tmp, path)
