"""The image service (Glance v2): image records in the database, data in an image store."""

from __future__ import annotations

from pathlib import Path

from pocketstack.common import policy as policy_engine
from pocketstack.image import data, policy
from pocketstack.image.deps import ImageDeps
from pocketstack.image.openapi import REQUEST_BODIES
from pocketstack.image.routes import routes
from pocketstack.image.store import ImageStore
from pocketstack.image.store.filesystem import FilesystemStore
from pocketstack.runtime import Runtime, Service
from pocketstack.web import ServiceApp


class ImageService(Service):
    name = "image"
    service_type = "image"
    prefix = "image"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime, store: ImageStore | None = None) -> None:
        super().__init__(runtime)
        cfg = runtime.config
        if store is None and cfg.image.store == "swift":
            from pocketstack.image.store.swift import SwiftStore

            store = SwiftStore(runtime, cfg.image.swift_container, cfg.image.swift_segment_mb)
        elif store is None:
            if cfg.image.store != "file":
                raise ValueError(f"[image] store must be file or swift, not {cfg.image.store!r}")
            store = FilesystemStore(Path(cfg.image.store_dir) if cfg.image.store_dir else cfg.data_dir / "images")
        self.store = store
        # The operator's policy.yaml, parsed now: a bad rule stops the service here.
        policy_engine.load(policy.ENFORCER, cfg)
        self.deps = ImageDeps(runtime.database(self.name), store, cfg.image, runtime.bus)
        self._app = ServiceApp(
            "image",
            routes(self.deps),
            error_format="glance",
            request_bodies=REQUEST_BODIES,
            authenticator=runtime.authenticator,
            admin_rule=policy.is_admin,
            max_body_bytes=cfg.server.max_body_bytes,
            # As Glance: /v2/images/ is an image with an empty id (404), not the list.
            strict_slashes=True,
        )

    @property
    def app(self) -> ServiceApp:
        return self._app

    async def start(self) -> None:
        # Uploads a killed process left half-done go back to queued, their files away.
        await data.reset_abandoned(self.deps.db, self.store)


def create(runtime: Runtime) -> ImageService:
    return ImageService(runtime)
