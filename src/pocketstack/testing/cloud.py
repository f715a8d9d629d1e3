"""The whole cloud in-process (real identity, every built service) for API tests.

Requests go through httpx's ASGI transport: no port, no subprocess. Password hashing
uses bcrypt's lowest cost so tests stay fast; everything else is as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pocketstack.cloud import Cloud
from pocketstack.common.config import Config
from pocketstack.web.transport import InProcessTransport

BASE = "http://pocketstack.test"


@dataclass
class CloudClient:
    cloud: Cloud
    http: httpx.AsyncClient

    async def token(
        self, user: str = "admin", password: str | None = None, project: str | None = None, scope: Any = "project"
    ) -> str:
        """Issue a password token; ``scope`` ``"project"`` (default), ``"system"``, ``None`` (unscoped)."""
        auth: dict[str, Any] = {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password or user}},
            }
        }
        if scope == "project":
            auth["scope"] = {"project": {"name": project or user, "domain": {"id": "default"}}}
        elif scope == "system":
            auth["scope"] = {"system": {"all": True}}
        else:
            auth["scope"] = "unscoped"
        answer = await self.http.post("/identity/v3/auth/tokens", json={"auth": auth})
        assert answer.status_code == 201, answer.text
        return answer.headers["x-subject-token"]


def test_config(data_dir: Path) -> Config:
    config = Config(data_dir=data_dir)
    config.identity.password_hash_rounds = 4
    # Known passwords (a real cloud generates them): CloudClient.token logs in as
    # ``user`` with password ``user``.
    config.identity.admin_password = "admin"
    config.identity.demo_password = "demo"
    config.identity.service_password = "service"
    config.server.public_url = BASE
    config.compute.driver = "fake"
    config.image.tiny_guest = False
    return config


@asynccontextmanager
async def in_process_cloud(data_dir: Path, config: Config | None = None) -> AsyncIterator[CloudClient]:
    config = config or test_config(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    cloud = Cloud(config)
    await cloud.start()
    assert cloud.dispatcher is not None
    http = httpx.AsyncClient(transport=InProcessTransport(cloud.dispatcher), base_url=BASE, timeout=30)
    try:
        yield CloudClient(cloud, http)
    finally:
        await http.aclose()
        await cloud.stop()
