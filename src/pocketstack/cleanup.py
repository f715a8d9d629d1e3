"""Remove what a cloud created at runtime under its data dir: network namespaces,
bridges, taps, dnsmasq, and QEMU processes. Run by ``pocketstack down`` after the server
has stopped (so it also cleans up after a crash) and when a foreground ``up`` ends.
Data (database, images, volumes) stays.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


async def cleanup_runtime(data_dir: Path) -> list[str]:
    """Clean up; return a line per part that failed (empty when all went well)."""
    problems: list[str] = []
    # VMs first: their taps live in the namespaces removed next.
    try:
        from pocketstack.compute.virt.qemu.reaper import stop_all

        problems += [f"qemu: {line}" for line in await stop_all(data_dir / "instances")]
    except Exception as exc:
        log.exception("qemu cleanup failed")
        problems.append(f"qemu: {exc}")
    try:
        from pocketstack.network.agent.linuxbridge import cleanup_all

        await cleanup_all(data_dir)
    except Exception as exc:
        log.exception("network cleanup failed")
        problems.append(f"network: {exc}")
    return problems
