"""The identity service: its app, its caches, token issue/validation and revocation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pocketstack.common import policy as policy_engine
from pocketstack.identity import models as m
from pocketstack.identity import policy
from pocketstack.identity.cache import EntityCache
from pocketstack.identity.openapi import REQUEST_BODIES, RESPONSES
from pocketstack.identity.revocation import Event, RevocationList
from pocketstack.identity.roles import RoleResolver
from pocketstack.identity.rpcapi import (
    IDENTITY_TOPIC,
    REVOCATION_TOPIC,
    IdentityAPI,
    IdentityEndpoint,
    RevocationEndpoint,
)
from pocketstack.identity.sealing import Sealer
from pocketstack.identity.tokens import KeyRepository, TokenData
from pocketstack.identity.tokens import encode as encode_token
from pocketstack.identity.validator import TokenValidator
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp

log = logging.getLogger(__name__)


class IdentityService(Service):
    name = "identity"
    service_type = "identity"
    prefix = "identity"
    migrations = Path(__file__).parent / "migrations"

    def __init__(
        self, runtime: Runtime, keys: KeyRepository | None = None, revocations: RevocationList | None = None
    ) -> None:
        super().__init__(runtime)
        self.config = runtime.config
        # The operator's policy.yaml, parsed now: a bad rule stops the service here.
        policy_engine.load(policy.ENFORCER, self.config)
        self.db = runtime.database(self.name)
        self.keys = keys or KeyRepository(self.config.fernet_key_dir)
        # Credential blobs are sealed with keys of their own (never rotated away).
        self.sealer = Sealer(KeyRepository(self.config.data_dir / "credential-keys"))
        self.revocations = revocations or RevocationList(self.config.identity.token_expiration)
        self.validator = TokenValidator(self.keys, self.revocations, self.config.identity.token_cache_seconds)
        self.roles = RoleResolver(self.db)
        self.entities = EntityCache(self.db)
        self._catalog: list[dict[str, Any]] | None = None
        # OS-EP-FILTER: project id -> the endpoint ids its catalog is narrowed to.
        self._ep_filters: dict[str, set[str]] | None = None
        # Rendered GET /v3/auth/tokens bodies; dropped on any identity write or revocation.
        self.render_cache: dict[tuple[str, bool], tuple[float, bytes]] = {}
        self._subscriptions: list[Any] = []
        self._prune_task: asyncio.Task[None] | None = None
        self._service_token: tuple[float, str] | None = None
        from pocketstack.identity.routes import routes

        self._app = ServiceApp(
            "identity",
            routes(self),
            error_format="keystone",
            request_bodies=REQUEST_BODIES,
            responses=RESPONSES,
            authenticator=self.validator,
            admin_rule=policy.is_admin,
            max_body_bytes=self.config.server.max_body_bytes,
        )

    @property
    def app(self) -> ServiceApp:
        return self._app

    async def start(self) -> None:
        self.keys.setup()
        self.sealer.keys.setup()
        async with self.db.reader() as s:
            rows = (
                await s.scalars(
                    select(m.RevocationEvent).where(
                        m.RevocationEvent.issued_before > time.time() - self.config.identity.token_expiration - 60
                    )
                )
            ).all()
        for row in rows:
            self.revocations.add(
                Event(
                    row.issued_before,
                    row.user_id,
                    row.project_id,
                    row.domain_id,
                    row.audit_id,
                    row.audit_chain_id,
                    row.app_cred_id,
                    row.trust_id,
                    row.access_token_id,
                )
            )
        bus = self.runtime.bus
        self._subscriptions.append(await bus.serve(IDENTITY_TOPIC, IdentityEndpoint(self.revocations)))
        self._subscriptions.append(await bus.serve(REVOCATION_TOPIC, RevocationEndpoint(self.revocations, owner=True)))
        self._prune_task = asyncio.create_task(self._prune_loop())

    async def stop(self) -> None:
        for sub in self._subscriptions:
            await sub.stop()
        if self._prune_task:
            self._prune_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prune_task

    async def _prune_loop(self) -> None:
        while True:
            await asyncio.sleep(300)
            self.revocations.prune()

    # --- caches --------------------------------------------------------------------------
    def changed(self) -> None:
        """Call after any identity write: names, roles or catalog may have changed."""
        self.roles.invalidate()
        self.entities.clear()
        self._catalog = None
        self._ep_filters = None
        self.render_cache.clear()

    async def catalog(self, project_id: str | None = None) -> list[dict[str, Any]]:
        """The service catalog; a project with OS-EP-FILTER associations sees only the
        endpoints associated with it (directly or through endpoint groups)."""
        allowed = await self.endpoint_filter(project_id)
        assert self._catalog is not None
        if allowed is None:
            return self._catalog
        narrowed = [{**s, "endpoints": [e for e in s["endpoints"] if e["id"] in allowed]} for s in self._catalog]
        return [s for s in narrowed if s["endpoints"]]

    async def endpoint_filter(self, project_id: str | None) -> set[str] | None:
        """The endpoint ids OS-EP-FILTER associates with the project; None if it has none."""
        if self._catalog is None or self._ep_filters is None:
            self._catalog, self._ep_filters = await self._load_catalog()
        return self._ep_filters.get(project_id or "")

    async def _load_catalog(self) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
        async with self.db.reader() as s:
            services = (await s.scalars(select(m.CatalogService).where(m.CatalogService.enabled.is_(True)))).all()
            endpoints = (await s.scalars(select(m.Endpoint).where(m.Endpoint.enabled.is_(True)))).all()
            direct = (await s.execute(select(m.ProjectEndpoint.project_id, m.ProjectEndpoint.endpoint_id))).all()
            grouped = (
                await s.execute(select(m.ProjectEndpointGroup.project_id, m.ProjectEndpointGroup.endpoint_group_id))
            ).all()
            groups = {g.id: g for g in (await s.scalars(select(m.EndpointGroup))).all()}
        by_service: dict[str, list[dict[str, Any]]] = {}
        for e in endpoints:
            by_service.setdefault(e.service_id, []).append(
                {
                    "id": e.id,
                    "interface": e.interface,
                    "region": e.region_id,
                    "region_id": e.region_id,
                    "url": e.url,
                }
            )
        catalog = [
            {"id": s.id, "type": s.type, "name": s.name, "endpoints": by_service.get(s.id, [])} for s in services
        ]
        filters: dict[str, set[str]] = {}
        for project_id, endpoint_id in direct:
            filters.setdefault(project_id, set()).add(endpoint_id)
        for project_id, group_id in grouped:
            group = groups.get(group_id)
            chosen = filters.setdefault(project_id, set())
            if group is not None:
                chosen.update(e.id for e in endpoints if endpoint_in_group(e, group))
        return catalog, filters

    # --- tokens --------------------------------------------------------------------------
    def issue(self, data: TokenData) -> str:
        return encode_token(self.keys, data)

    async def revoke(self, event: Event) -> None:
        """Record a revocation event, apply it here, and fan it out to other validators."""
        async with self.db.writer() as s:
            s.add(
                m.RevocationEvent(
                    issued_before=event.issued_before,
                    user_id=event.user_id,
                    project_id=event.project_id,
                    domain_id=event.domain_id,
                    audit_id=event.audit_id,
                    audit_chain_id=event.audit_chain_id,
                    app_cred_id=event.app_cred_id,
                    trust_id=event.trust_id,
                    access_token_id=event.access_token_id,
                    revoked_at=time.time(),
                )
            )
        self.revocations.add(event)
        self.validator._cache.clear()
        self.render_cache.clear()
        await IdentityAPI(self.runtime.bus).revoked(event)

    async def service_token(self) -> str:
        """A token of the ``pocketstack`` service user (project service, roles admin+service)."""
        now = time.time()
        if self._service_token and self._service_token[0] - now > 300:
            return self._service_token[1]
        from pocketstack.identity.bootstrap import SERVICE_USER

        async with self.db.reader() as s:
            user = (
                await s.scalars(select(m.User).where(m.User.name == SERVICE_USER, m.User.domain_id == "default"))
            ).first()
            project = (
                await s.scalars(select(m.Project).where(m.Project.name == "service", m.Project.domain_id == "default"))
            ).first()
        if user is None or project is None:
            raise RuntimeError("identity is not bootstrapped: no service user")
        from pocketstack.identity.tokens import new_audit_id

        role_ids = await self.roles.effective(user.id, "project", project.id)
        data = TokenData(
            user.id,
            "default",
            ("password",),
            "project",
            project.id,
            "default",
            role_ids,
            await self.roles.names(role_ids),
            now,
            now + self.config.identity.token_expiration,
            (new_audit_id(),),
        )
        token = self.issue(data)
        self._service_token = (data.expires_at, token)
        return token


def endpoint_in_group(endpoint: m.Endpoint, group: m.EndpointGroup) -> bool:
    """An endpoint matches a group when it has every attribute value the filters name."""
    return all(getattr(endpoint, key, None) == value for key, value in (group.filters or {}).items())


def create(runtime: Runtime) -> IdentityService:
    return IdentityService(runtime)
