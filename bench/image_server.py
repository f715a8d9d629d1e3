"""A lone image service on a real uvicorn (127.0.0.1), for the image benchmarks.

Usage: python bench/image_server.py DATA_DIR PORT
Tokens are StaticAuthenticator's (admin, demo, alt, reader). Not part of the cloud.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import uvicorn

from pocketstack.bus.memory import MemoryBus
from pocketstack.common.config import Config
from pocketstack.db import migrate
from pocketstack.image.service import ImageService
from pocketstack.runtime import Runtime
from pocketstack.testing.auth import StaticAuthenticator
from pocketstack.web import Dispatcher


async def main(data_dir: Path, port: int) -> None:
    runtime = Runtime(Config(data_dir=data_dir), MemoryBus(), StaticAuthenticator())
    service = ImageService(runtime)
    assert service.migrations is not None
    await migrate.upgrade(runtime.database("image"), "image", service.migrations)
    config = uvicorn.Config(
        Dispatcher({"image": service.app}),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
        lifespan="off",
    )
    await uvicorn.Server(config).serve()
    await runtime.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
