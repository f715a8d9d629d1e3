"""Where backups keep their data: one file per backup under a directory (Cinder's posix
backup driver's place), written sparse: runs of zeros are holes, and the file ends with
the last data, so restoring a mostly empty volume reads little."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

CHUNK = 1024 * 1024
_ZERO = bytes(CHUNK)


class BackupStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, backup_id: str) -> Path:
        return self.directory / f"backup-{backup_id}"

    async def write(self, backup_id: str, data: AsyncIterator[bytes]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self._path(backup_id)
        part = final.with_name(f".{final.name}.part")
        try:
            with part.open("wb") as fh:
                position = end = 0
                async for chunk in data:
                    if chunk != _ZERO[: len(chunk)]:
                        fh.seek(position)
                        await asyncio.to_thread(fh.write, chunk)
                        end = position + len(chunk)
                    position += len(chunk)
                # The file ends with the last data (zeros after it are implied by the size).
                fh.truncate(end)
            os.replace(part, final)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise

    async def read(self, backup_id: str) -> AsyncIterator[bytes]:
        with self._path(backup_id).open("rb") as fh:
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk

    def exists(self, backup_id: str) -> bool:
        return self._path(backup_id).exists()

    def delete(self, backup_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(backup_id).unlink()
