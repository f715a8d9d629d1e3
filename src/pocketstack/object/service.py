"""The object storage service (Swift v1): its ASGI app under /object (and /info at the
endpoint's root, where Swift clients look for the capabilities), the index in the
cloud's database, the bytes in the file backend, and the expirer of X-Delete-At."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from pocketstack.common import policy as policy_engine
from pocketstack.object import objects, policy
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.openapi import REQUEST_BODIES
from pocketstack.object.routes import routes
from pocketstack.object.store import FileBackend, ObjectBackend
from pocketstack.runtime import Runtime, Service
from pocketstack.web import ServiceApp

log = logging.getLogger(__name__)


class ObjectService(Service):
    name = "object"
    service_type = "object-store"
    prefix = "object"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime, store: ObjectBackend | None = None) -> None:
        super().__init__(runtime)
        cfg = runtime.config
        if store is None:
            store = FileBackend(Path(cfg.object.store_dir) if cfg.object.store_dir else cfg.data_dir / "objects")
        self.store = store
        policy_engine.load(policy.ENFORCER, cfg)
        self.deps = ObjectDeps(runtime.database(self.name), store, cfg.object, runtime.authenticator)
        self._app = ServiceApp(
            "object",
            routes(self.deps),
            error_format="swift",
            request_bodies=REQUEST_BODIES,
            authenticator=runtime.authenticator,
            max_body_bytes=cfg.server.max_body_bytes,
        )
        self._expirer: asyncio.Task[None] | None = None

    @property
    def app(self) -> Any:
        return self._asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_trans_id(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-trans-id", _trans_id(message["headers"]))]
            await send(message)

        await self._app(scope, receive, send_with_trans_id)

    @property
    def root_mounts(self) -> dict[str, Any]:
        return {"info": self.root_app, "healthcheck": self.root_app, "crossdomain.xml": self.root_app}

    async def root_app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """``/info``, ``/healthcheck`` and ``/crossdomain.xml`` at the endpoint's root
        (mounted there by the cloud), where Swift clients look for them."""
        if scope["type"] == "http":
            scope = {**scope, "path": "/object" + scope["path"], "root_path": "/object"}
        await self._asgi(scope, receive, send)

    async def start(self) -> None:
        removed = await self.store.recover()
        if removed:
            log.info("object store: removed %d partial writes of dead processes", removed)
        if self.runtime.config.object.expirer_interval > 0:
            self._expirer = asyncio.create_task(self._expire_loop())

    async def _expire_loop(self) -> None:
        interval = self.runtime.config.object.expirer_interval
        while True:
            await asyncio.sleep(interval)
            try:
                removed = await objects.expire_due(self.deps)
                if removed:
                    log.info("object expirer: removed %d expired objects", removed)
            except Exception:
                log.exception("object expirer failed; retrying in %ss", interval)

    async def stop(self) -> None:
        if self._expirer is not None:
            self._expirer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expirer


def _trans_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    """Swift's transaction id (``tx`` + 21 hex digits + ``-`` + the time in hex, which
    clients check), made from the request id so the two name the same request."""
    request_id = next((v for k, v in headers if k == b"x-openstack-request-id"), b"")
    digits = request_id.decode().removeprefix("req-").replace("-", "") or uuid.uuid4().hex
    return f"tx{digits[:21]}-{int(time.time()):010x}".encode()


def create(runtime: Runtime) -> ObjectService:
    return ObjectService(runtime)
