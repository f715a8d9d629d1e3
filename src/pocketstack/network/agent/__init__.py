"""The per-host network agent and its data-plane backends (``fake``, ``linuxbridge``)."""

from __future__ import annotations

import os
from typing import Any

from pocketstack.common.config import Config
from pocketstack.network.agent.base import NetworkBackend


def load_backend(name: str, **options: Any) -> NetworkBackend:
    """The backend called ``name``: ``fake`` or ``linuxbridge`` (once it exists)."""
    if name == "fake":
        from pocketstack.network.agent.fake import FakeBackend

        return FakeBackend(**options)
    if name == "linuxbridge":
        from pocketstack.network.agent import linuxbridge  # type: ignore[attr-defined,unused-ignore]

        backend: NetworkBackend = linuxbridge.LinuxBridgeBackend(**options)
        return backend
    raise ValueError(f"unknown network backend {name!r}: use fake or linuxbridge")


def effective_backend(config: Config) -> str:
    """``auto`` resolved: real networking goes with real VMs, when we may make namespaces."""
    name = config.network.backend
    if name == "auto":
        return "linuxbridge" if config.compute.driver == "qemu" and os.geteuid() == 0 else "fake"
    return name


def configured_backend(config: Config, host: str) -> NetworkBackend:
    """The backend ``[network] backend`` names, for the agent of ``host``."""
    name = effective_backend(config)
    if name == "linuxbridge":
        return load_backend(name, host=host, data_dir=config.data_dir)
    return load_backend(name)
