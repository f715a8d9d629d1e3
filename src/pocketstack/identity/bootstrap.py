"""First-``up`` bootstrap: default domain, roles (admin ⇒ manager ⇒ member ⇒ reader, and
service, as Keystone 2023.2+ bootstraps them),
admin and demo users and projects, a ``service`` project with one service user, the
region and the service catalog. Safe to run on every ``up``: it creates what is missing
and points the catalog at the current endpoint URL.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import delete, select

from pocketstack.common.config import Config
from pocketstack.db import Database
from pocketstack.identity import models as m
from pocketstack.identity import passwords

SERVICE_USER = "pocketstack"
BOOTSTRAP_ROLES = ("admin", "manager", "member", "reader", "service")
IMPLIED_ROLES = (("admin", "manager"), ("manager", "member"), ("member", "reader"))


@dataclass(frozen=True)
class CatalogEntry:
    type: str
    name: str
    path: str


# Every API of the cloud, listed even before it is built, so clients discover it.
CATALOG = (
    CatalogEntry("identity", "keystone", "/identity"),
    CatalogEntry("compute", "nova", "/compute/v2.1"),
    CatalogEntry("image", "glance", "/image"),
    CatalogEntry("network", "neutron", "/network"),
    CatalogEntry("block-storage", "cinder", "/volume/v3"),
    CatalogEntry("volumev3", "cinderv3", "/volume/v3"),
    CatalogEntry("placement", "placement", "/placement"),
    CatalogEntry("object-store", "swift", "/object/v1/AUTH_%(project_id)s"),
    CatalogEntry("ec2", "ec2", "/ec2"),
)


def _passwords(config: Config) -> dict[str, str]:
    return {
        "admin": config.identity.admin_password,
        "demo": config.identity.demo_password,
        SERVICE_USER: config.identity.service_password,
    }


async def hash_passwords(config: Config, names: list[str] | None = None) -> dict[str, str]:
    """bcrypt hashes of the bootstrap users' passwords (~250 ms each at cost 12), in
    parallel threads; a fresh cloud starts this early so it overlaps the migrations."""
    wanted = _passwords(config)
    chosen = list(wanted) if names is None else names
    unset = [name for name in chosen if not wanted[name]]
    if unset:
        # Never a well-known default: `up`/`serve` generate them (common.datadir).
        raise ValueError(f"no password set for the bootstrap user(s) {', '.join(unset)} ([identity] *_password)")
    rounds = config.identity.password_hash_rounds
    hashed = await asyncio.gather(*(passwords.hash_password(wanted[n], rounds) for n in chosen))
    return dict(zip(chosen, hashed, strict=True))


async def bootstrap(db: Database, config: Config, hashes: dict[str, str] | None = None) -> None:
    async with db.reader() as s:
        existing_users = set((await s.scalars(select(m.User.name).where(m.User.domain_id == "default"))).all())
    missing = [name for name in _passwords(config) if name not in existing_users]
    if hashes is None or any(name not in hashes for name in missing):
        hashes = await hash_passwords(config, missing)

    async with db.writer() as s:
        if await s.get(m.Domain, "default") is None:
            s.add(m.Domain(id="default", name="Default", description="The default domain"))
            await s.flush()
        roles = {r.name: r for r in (await s.scalars(select(m.Role).where(m.Role.domain_id == ""))).all()}
        for name in BOOTSTRAP_ROLES:
            if name not in roles:
                roles[name] = m.Role(name=name, domain_id="", options={"immutable": True})
                s.add(roles[name])
        await s.flush()
        # A cloud bootstrapped before the manager role keeps its admin ⇒ member too
        # (Keystone's bootstrap adds what is missing and removes nothing).
        for prior, implied in IMPLIED_ROLES:
            pair = (roles[prior].id, roles[implied].id)
            if await s.get(m.ImpliedRole, pair) is None:
                s.add(m.ImpliedRole(prior_role_id=pair[0], implied_role_id=pair[1]))
        projects = {p.name: p for p in (await s.scalars(select(m.Project).where(m.Project.domain_id == "default")))}
        for name, desc in (
            ("admin", "Bootstrap project for the admin user"),
            ("demo", "Demo project"),
            ("service", "Project of the service users"),
        ):
            if name not in projects:
                projects[name] = m.Project(name=name, domain_id="default", description=desc)
                s.add(projects[name])
        await s.flush()
        users = {u.name: u for u in (await s.scalars(select(m.User).where(m.User.domain_id == "default")))}
        for name, project in (("admin", "admin"), ("demo", "demo"), (SERVICE_USER, "service")):
            if name not in users:
                users[name] = m.User(
                    name=name, domain_id="default", password_hash=hashes[name], default_project_id=projects[project].id
                )
                s.add(users[name])
        await s.flush()
        grants = [
            ("UserProject", "admin", projects["admin"].id, "admin"),
            ("UserSystem", "admin", "system", "admin"),
            ("UserProject", "demo", projects["demo"].id, "member"),
            ("UserProject", SERVICE_USER, projects["service"].id, "admin"),
            ("UserProject", SERVICE_USER, projects["service"].id, "service"),
        ]
        for kind, user, target, role in grants:
            key = (kind, users[user].id, target, roles[role].id, False)
            if await s.get(m.Assignment, key) is None:
                s.add(
                    m.Assignment(
                        type=kind, actor_id=users[user].id, target_id=target, role_id=roles[role].id, inherited=False
                    )
                )
        region = config.identity.region
        if await s.get(m.Region, region) is None:
            s.add(m.Region(id=region, description="pocketstack"))
        await _sync_catalog(s, config)


async def _sync_catalog(s: object, config: Config) -> None:
    """Create missing catalog services and point every bootstrap endpoint at the URL of
    the process serving it (this one's, unless ``[endpoints]`` names another)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(s, AsyncSession)
    services = {(x.type, x.name): x for x in (await s.scalars(select(m.CatalogService))).all()}
    for entry in CATALOG:
        service = services.get((entry.type, entry.name))
        if service is None:
            service = m.CatalogService(type=entry.type, name=entry.name, description=f"pocketstack {entry.type}")
            s.add(service)
            await s.flush()
        await s.execute(
            delete(m.Endpoint).where(
                m.Endpoint.service_id == service.id, m.Endpoint.interface.in_(("public", "internal"))
            )
        )
        for interface in ("public", "internal"):
            s.add(
                m.Endpoint(
                    service_id=service.id,
                    interface=interface,
                    url=config.endpoint_base(entry.path.split("/")[1]) + entry.path,
                    region_id=config.identity.region,
                )
            )
