"""The volume service (Cinder v3): the API app, and the volume manager for this host
serving ``volume.<host>`` on the bus with the configured backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pocketstack.bus import Subscription
from pocketstack.common import errors as e
from pocketstack.common import policy as policy_engine
from pocketstack.runtime import Runtime, Service
from pocketstack.volume import types
from pocketstack.volume.api import policy
from pocketstack.volume.api.common import MAX_VERSION, MIN_VERSION
from pocketstack.volume.api.openapi import REQUEST_BODIES, RESPONSES
from pocketstack.volume.api.routes import ROUTES
from pocketstack.volume.backends import VolumeBackend, from_config
from pocketstack.volume.backup_store import BackupStore
from pocketstack.volume.deps import VolumeDeps
from pocketstack.volume.images import ImageClient
from pocketstack.volume.manager import VolumeManager
from pocketstack.volume.rpcapi import VolumeManagerEndpoint
from pocketstack.web.app import ServiceApp
from pocketstack.web.microversion import Microversions
from pocketstack.web.response import Response


class CinderApp(ServiceApp):
    """Cinder answers quota errors with 413 overLimit (Nova-style bodies otherwise)."""

    def error_response(self, error: e.PocketError, request_id: str, status: int | None = None) -> Response:
        if status is None and isinstance(error, e.QuotaExceeded):
            status = 413
        return super().error_response(error, request_id, status)


class VolumeService(Service):
    name = "volume"
    service_type = "block-storage"
    prefix = "volume"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime, backend: VolumeBackend | None = None) -> None:
        super().__init__(runtime)
        cfg = runtime.config
        # The operator's policy.yaml, parsed now: a bad rule stops the service here.
        policy_engine.load(policy.ENFORCER, cfg)
        self.backend = backend if backend is not None else from_config(cfg)
        self.images = ImageClient(runtime)
        self.deps = VolumeDeps(runtime.database(self.name), cfg.volume, runtime.bus, self.images, self.backend.name)
        self.manager = VolumeManager(
            cfg.volume.host,
            self.deps.db,
            self.backend,
            runtime.bus,
            self.images,
            BackupStore(cfg.data_dir / "backups"),
        )
        self._subscription: Subscription | None = None
        self._app = CinderApp(
            "volume",
            ROUTES,
            error_format="cinder",
            request_bodies=REQUEST_BODIES,
            responses=RESPONSES,
            authenticator=runtime.authenticator,
            admin_rule=policy.is_admin,
            microversions=Microversions("volume", MIN_VERSION, MAX_VERSION),
            max_body_bytes=cfg.server.max_body_bytes,
            # As Cinder: /v3/volumes/ is a volume with an empty id (404), not the list.
            strict_slashes=True,
        )

    @property
    def app(self) -> Any:
        return self._asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Handlers find the service's dependencies in the scope.
        scope["pocketstack.volume"] = self.deps
        await self._app(scope, receive, send)

    async def start(self) -> None:
        await types.ensure_default(self.deps.db, self.deps.cfg.default_type)
        await self.manager.recover()
        self._subscription = await self.runtime.bus.serve(self.deps.topic, VolumeManagerEndpoint(self.manager))

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None


async def bootstrap(runtime: Runtime) -> None:
    """First-run data for ``pocketstack up``: the default volume type (idempotent)."""
    await types.ensure_default(runtime.database(VolumeService.name), runtime.config.volume.default_type)


def create(runtime: Runtime) -> VolumeService:
    return VolumeService(runtime)
