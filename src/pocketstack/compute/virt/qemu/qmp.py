"""A QMP session with one QEMU process, over the unix socket in its instance directory.

Built on the pinned ``qemu.qmp`` client. A session is opened per operation: QEMU serves
one monitor client at a time, the driver serializes operations per instance, and a
process the agent re-adopts after a restart needs no state other than the socket path.

Unix socket addresses are limited to 107 bytes, and instance directories under a deep
data directory exceed that; the socket is then reached through ``/proc/self/fd/N/`` of
an open handle on its directory, which is always short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from qemu.qmp import EventListener, ExecuteError, QMPClient, QMPError

from pocketstack.common.errors import PocketError

# Keep qemu.qmp's per-message debug logging out of the cloud's log.
logging.getLogger("qemu.qmp").setLevel(logging.WARNING)

_MAX_SUN_PATH = 107


class QMPFailed(PocketError):
    """QEMU's monitor refused a command or could not be reached."""


class Session:
    def __init__(self, client: QMPClient) -> None:
        self.client = client

    async def execute(self, command: str, arguments: dict[str, Any] | None = None) -> Any:
        try:
            return await self.client.execute(command, arguments)
        except ExecuteError as exc:
            raise QMPFailed(f"QEMU refused {command}: {exc.error.error.desc}") from None
        except QMPError as exc:
            raise QMPFailed(f"QEMU monitor failed during {command}: {exc}") from None

    async def status(self) -> str:
        """The run state (``running``, ``paused``, ``shutdown``, ``inmigrate``, ...)."""
        reply = await self.execute("query-status")
        return str(reply["status"])

    async def execute_then_wait(
        self, command: str, arguments: dict[str, Any], event: str, match: dict[str, Any], timeout: float
    ) -> bool:
        """Run ``command``; True when ``event`` with ``data`` containing ``match`` follows in time.

        The listener is registered before the command so a fast event is not missed.
        """
        return await self.execute_then_event(command, arguments, event, match, timeout) is not None

    async def execute_then_event(
        self, command: str, arguments: dict[str, Any], event: str, match: dict[str, Any], timeout: float
    ) -> dict[str, Any] | None:
        """As ``execute_then_wait``, but the matching event's data (None after ``timeout``)."""
        listener = EventListener((event,))
        with self.client.listen(listener):
            await self.execute(command, arguments)
            try:
                async with asyncio.timeout(timeout):
                    async for received in listener:
                        data = received.get("data")
                        if isinstance(data, dict) and all(data.get(k) == v for k, v in match.items()):
                            return data
            except TimeoutError:
                return None
        return None


@contextlib.asynccontextmanager
async def session(socket_path: Path, timeout: float = 5.0) -> AsyncIterator[Session]:
    client = QMPClient(f"pocketstack-{socket_path.parent.name[:8]}")
    fd = None
    address = str(socket_path)
    if len(address.encode()) > _MAX_SUN_PATH:
        fd = os.open(socket_path.parent, os.O_PATH | os.O_DIRECTORY)
        address = f"/proc/self/fd/{fd}/{socket_path.name}"
    try:
        try:
            await asyncio.wait_for(client.connect(address), timeout)
        except (QMPError, OSError, TimeoutError) as exc:
            raise QMPFailed(f"cannot reach the QEMU monitor at {socket_path}: {exc or type(exc).__name__}") from None
        finally:
            if fd is not None:
                os.close(fd)
        yield Session(client)
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()
